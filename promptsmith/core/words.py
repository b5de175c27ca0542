"""The word tokenizer of the term ledger, and the word lists every reader of it shares.

One word tokenizer (`WORD`, `words`, `word_matches`: letters and digits, inner apostrophes kept,
a number spaced by a tokenizer read as one word), and the words that are not content: stop words,
the words the rewriter writes around terms, the words that only credit a maker, and count words.
The normal form of a word (`fold`) is in `promptsmith.core.spelling`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: Words that carry no content of their own: articles, prepositions, conjunctions, pronouns.
STOP = frozenset(
    "a an the and or nor of in on at by with for to from as is are was were be been its it this that these "
    "those into onto over under above below behind beside near through across around against among between "
    "upon within without via per than then so very his her their our my your".split()
)

#: Words the rewriter writes around the user's terms (connectives, the nouns it joins adjectives
#: with): a reader that asks "what did the rewrite add?" does not count them.
WRITTEN = frozenset(
    "with wearing rendered made in of and the a an style manner colors colours color colour composition "
    "shot lit atmosphere mood palette piece tones".split()
)

#: Words that only credit a maker, next to the maker's name: the verb before "by" (`painted by
#: Monet`, `inspired by Ghibli`) and the word after a name (`Ghibli inspired`, `Dark Souls themed`).
#: The rewriter writes a credit its own way ("in the style of Monet"), so these are not content.
CREDIT_WORDS = frozenset(
    "painted drawn illustrated made done directed photographed shot filmed created designed"
    " rendered sculpted written animated produced crafted conceived imagined inspired"
    " part partly partially mostly".split()  # `part by Adrian Ghenie`
)
CREDIT_SUFFIXES = ("style", "inspired", "aesthetic", "themed")
#: Nouns before "by" that say no more than the credit does (`art by Greg Rutkowski`): the rewriter
#: may fold them into the medium, so they are not content of their own either.
CREDIT_NOUNS = frozenset({"art", "artwork", "work", "works"})

#: Words that say how many: a brief keeps each count of its prompt and adds none.
COUNT_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                        "sixteen seventeen eighteen nineteen twenty thirty forty fifty hundred thousand dozen".split())

#: What a word is, for every reader of the ledger (letters and digits, inner apostrophes kept).
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
#: A word, or a number written with a space between its digits (`2 0 1 1`, `8 0's`: a tokenizer's
#: artefact in scraped prompts), which is read as the one number it is.
_WORD_OR_NUMBER = re.compile(r"(?<![^\W_])\d(?: \d)+(?:['’][^\W_]+)?(?![^\W_])|" + WORD.pattern)


def word_matches(text: str) -> Iterator[tuple[str, int, int]]:
    """The words of `text` as (word, start, end), a spaced number as one word without its spaces."""
    for m in _WORD_OR_NUMBER.finditer(text):
        word = m.group()
        yield (word.replace(" ", "") if " " in word else word), m.start(), m.end()


def phrase_pattern(text: str) -> re.Pattern[str]:
    """`text`'s words in a row, anything but a word between them, case aside ("studio lighting"
    finds "Studio-lighting"), never inside a longer word."""
    return re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, WORD.findall(text))) + r"(?!\w)", re.I)


def words(text: str) -> list[str]:
    """The words of a text as written (letters and digits, inner apostrophes kept)."""
    return WORD.findall(text)


def counts(text: str) -> set[str]:
    """The counts a text says: its numbers written as words or as digits standing alone
    (`two cats`, `3 birds`, `2 0 1 1` read as 2011; not the digits inside `8k` or `35mm`)."""
    return {w.lower() for w, _, _ in word_matches(text) if w.isdigit() or w.lower() in COUNT_WORDS}
