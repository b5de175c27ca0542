"""Spelling variants and the one normal form of a word.

- **respelling**: British ↔ American variants (`rules/spelling.toml`): `dialect` says which one a
  text uses, `respell` writes the tool's words in the user's, keeping the user's own as written.
- **normal form** (`fold`): lower case, accents stripped, British spelling folded to American,
  plural `s` dropped. `watercolour`, `Watercolors` and `watercolor` are one word to every reader;
  `keys` and `all_keys` are the normal forms of a text's words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from promptsmith.core.lexicon import MEMO_SIZE, trie_source
from promptsmith.core.resources import merged_rule_file
from promptsmith.core.words import STOP, WORD

#: What follows an -ise/-ize verb stem: realise, realised, realising, realisation
_VERB_END = re.compile(r"(?:e|ed|es|ing|ation|ations|er|ers)$")


@dataclass(frozen=True)
class Spelling:
    """British ↔ American variants (`rules/spelling.toml`)."""

    stems: tuple[tuple[str, str], ...]
    words: dict[str, str]
    #: Inflections that read as one term to a reader (`rendered in Octane` keeps `octane render`).
    forms: dict[str, str] = field(default_factory=dict)

    @cached_property
    def _cache(self) -> dict[str, str]:
        return {}

    @cached_property
    def any_variant(self) -> re.Pattern[str]:
        """Matches (in lower-case text) anything either spelling of the table could touch."""
        # a trie, not a flat alternation: the engine would try every pair at every character
        return re.compile(trie_source({*(uk for uk, _ in self.stems), *(us for _, us in self.stems),
                                       *self.words, *self.words.values()}, whole_words=False))

    @cached_property
    def uk_variant(self) -> re.Pattern[str]:
        return re.compile(trie_source({*(uk for uk, _ in self.stems), *self.words}, whole_words=False))

    def american(self, word: str) -> str:
        """`word` (lower case) in American spelling."""
        cache = self._cache
        hit = cache.get(word)
        if hit is None:
            if len(cache) >= MEMO_SIZE:
                cache.clear()  # user words are unbounded
            hit = cache[word] = self._american(word)
        return hit

    def _american(self, word: str) -> str:
        w = self.words.get(word)
        if w is not None:
            return w
        for uk, us in self.stems:
            if uk in word:
                if uk.endswith("is") and not _VERB_END.match(word, word.index(uk) + len(uk)):
                    continue  # realism, stylistic: the same in both spellings
                if uk.endswith("re"):  # centred → centered, not centerd
                    word = word.replace(uk + "d", us + "ed")
                return word.replace(uk, us)
        return word

    def british(self, word: str) -> str:
        """`word` (lower case) in British spelling, where the table knows its variant."""
        for uk, us in self.words.items():
            if us == word:
                return uk
        for uk, us in self.stems:
            if us in word and uk not in word:
                if us.endswith("iz") and not _VERB_END.match(word, word.index(us) + len(us)):
                    continue
                if uk.endswith("re"):
                    word = word.replace(us + "ed", uk + "d")
                return word.replace(us, uk)
        return word


@lru_cache(maxsize=8)
def spelling(extra_dirs: tuple[Path, ...] = ()) -> Spelling:
    """The spelling table, built-in merged with the user's."""
    table = merged_rule_file("spelling.toml", extra_dirs)
    stems = {k.lower(): v.lower() for k, v in table.get("stems", {}).items()}
    words = {k.lower(): v.lower() for k, v in table.get("words", {}).items()}
    forms = {k.lower(): v.lower() for k, v in table.get("forms", {}).items()}
    return Spelling(tuple(sorted(stems.items(), key=lambda kv: -len(kv[0]))), words, forms)


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).replace("ł", "l").replace("ø", "o")


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """The normal form of one word: lower case, no accents, American spelling, singular, an -ist
    as its -ism ("surrealist" is "surrealism": the rewriter writes a movement as the adjective)."""
    w = _strip_accents(word.lower().replace("’", "'"))
    if w.endswith("'s"):
        w = w[:-2]
    w = spelling().american(w)
    w = spelling().forms.get(w, w)
    if w.endswith("men") and len(w) > 4:
        return w[:-3] + "man"  # fishermen, women
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "'s")):
        w = w[:-2] if w.endswith(("ches", "shes", "xes", "sses")) else w[:-1]
    if len(w) >= 6 and w.endswith("ist"):
        return w[:-1] + "m"  # a movement and its adjective are one word: surrealist, surrealism
    return w


def keys(text: str) -> set[str]:
    """The normal forms of a text's content words (stop words left out)."""
    return {fold(w) for w in WORD.findall(text) if w.lower() not in STOP}


def all_keys(text: str) -> set[str]:
    """The normal forms of every word of a text, stop words too."""
    return {fold(w) for w in WORD.findall(text)}


def dialect(text: str) -> str:
    """`uk` when the text spells any word the British way, else `us`."""
    sp = spelling()
    low = text.lower()
    hits = [m.start() for m in sp.uk_variant.finditer(low)]
    # only a word holding a British stem or word can be spelled the British way
    for start, end in _hit_words(low, hits):
        w = low[start:end]
        if sp.american(w) != w:
            return "uk"
    return "us"


def respell(text: str, to: str, keep: str = "") -> str:
    """`text` (words the tool writes) in the spelling `to` (`us`/`uk`); words that appear in
    `keep` (the user's text) exactly as written stay as they are."""
    sp = spelling()
    low_text = text.lower()
    hits = [m.start() for m in sp.any_variant.finditer(low_text)]
    if not hits and keep == keep.lower():
        return text  # nothing in it has a second spelling, and the user wrote nothing in capitals
    # a word the user wrote in capitals is written so wherever the text holds it (WHITE
    # BACKGROUND stays WHITE BACKGROUND): rare, and then every word is looked at
    capitals = _capitals(keep)
    every_word = bool(capitals) and any(c in low_text for c in capitals)
    if not every_word:
        if not hits:
            return text
        if len(low_text) != len(text):
            every_word = True  # lower-casing moved the characters (`İ`): positions do not carry over
        else:
            words = list(_hit_words(text, hits))
            as_written = _kept(keep)
            if all(text[a:b] in as_written for a, b in words):
                return text  # each such word is one the user wrote, as they wrote it (the usual case)
    kept, kept_lower, theirs, _ = _written(keep)

    def one(w: str) -> str:
        if w in kept:
            return w
        low = w.lower()
        mine = theirs.get(sp.american(low))
        if mine is not None and mine.isupper() and len(mine) > 1:
            return mine  # the user wrote it in capitals
        if low in kept_lower:
            return w  # a spelling the user wrote ("Alex Grey" for their "alex grey")
        new = mine or (sp.american(low) if to == "us" else sp.british(low))
        if new == low:
            return w
        return new.capitalize() if w[:1].isupper() else new

    if every_word:
        return WORD.sub(lambda m: one(m.group()), text)
    # only a word holding a variant can change (any other is the same in both spellings, and is
    # no other word's variant): each hit's word, found from its start, is rewritten in place
    out: list[str] = []
    done = 0
    for start, end in words:
        out.append(text[done:start])
        out.append(one(text[start:end]))
        done = end
    out.append(text[done:])
    return "".join(out)


def _hit_words(text: str, hits: list[int]) -> Iterator[tuple[int, int]]:
    """The spans of the words (as `WORD` finds them) that hold the characters at `hits`
    (ascending), each once."""
    done = 0
    for at in hits:
        if at < done:
            continue  # a second hit inside a word already given
        m = WORD.match(text, _word_start(text, at))
        if m is not None and m.end() > at:
            done = m.end()
            yield m.start(), done


def _word_start(text: str, at: int) -> int:
    """Where the word (as `WORD` finds it) holding the letter at `at` starts: back over letters
    and digits, and over an apostrophe between two of them ("rock'n'roll")."""
    start = at
    while start:
        if text[start - 1].isalnum():  # `[^\W_]` is a character for which str.isalnum() holds
            start -= 1
        elif text[start - 1] in "'’" and start >= 2 and text[start - 2].isalnum():
            start -= 2
        else:
            break
    return start


@lru_cache(maxsize=MEMO_SIZE)
def _kept(keep: str) -> set[str]:
    """The user's words exactly as written (memoized per text, like `_written`; never changed)."""
    return set(WORD.findall(keep))


def _capitals(keep: str, written: list[str] | None = None) -> tuple[str, ...]:
    """The lower-cased forms of the words `keep` writes in capitals (two letters or more), in order."""
    if keep == keep.lower():
        return ()
    return tuple(dict.fromkeys(w.lower() for w in (written if written is not None else WORD.findall(keep))
                               if w.isupper() and len(w) > 1))


_Written = tuple[set[str], set[str], dict[str, str], tuple[str, ...]]


@lru_cache(maxsize=MEMO_SIZE)
def _written(keep: str) -> _Written:
    """The user's words as `respell` reads them, memoized per text (one prompt's candidates and
    phrases ask for the same text many times): the words as a set and lower-cased, the
    spelling of each word that has a variant or is in capitals, by its American form, and the
    lower-cased forms of the words in capitals.

    A word the user wrote in both spellings ("cameron gray and alex grey") is theirs as they
    first wrote it (in order, never by a set's order, which changes from process to process)."""
    sp = spelling()
    written = WORD.findall(keep) if keep else []
    low = keep.lower()
    kept_lower = set(WORD.findall(low)) if len(low) == len(keep) else {w.lower() for w in written}
    capitals = _capitals(keep, written)
    # only a word with a variant, or in capitals, maps to a spelling other than its own
    marked = {*capitals}
    if len(low) == len(keep):
        hits = [m.start() for m in sp.any_variant.finditer(low)]
        marked.update(low[a:b] for a, b in _hit_words(low, hits))
    elif sp.any_variant.search(low) is not None:
        marked.update(w for w in kept_lower if sp.any_variant.search(w))
    theirs: dict[str, str] = {}
    if marked:
        for w in written:
            wl = w.lower()
            if wl in marked:
                theirs.setdefault(sp.american(wl), w if (w.isupper() and len(w) > 1) else wl)
    return _kept(keep), kept_lower, theirs, capitals
