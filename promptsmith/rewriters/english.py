"""English for briefs, in one place: articles (`a`/`an`, and when none goes), their agreement,
lists (`a, b and c`), sentence capitals and the tidying of a composed text.

Both engines write with these: the rules engine's analysis and composer, and the llm engine's
span lock (which article a phrase takes, whether a mood or colour still needs its noun) and its
writers (the articles of a written sentence made to agree). Stdlib only: no rule set, no lexicon.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: The articles: as determiners, a phrase that opens with one takes no other.
ARTICLES = frozenset({"a", "an", "the"})

_NON_WORD = re.compile(r"[^\w]")
_ANY_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.I)
_INDEFINITE_ARTICLE = re.compile(r"^(?:a|an)\s+", re.I)
_ARTICLE_VOWEL = re.compile(
    r"^(?:[aio]|e(?!u|we)|u(?!ni|se|su|ro|ku|ti|ra|re|ri|tah|bi)|hour|honest|heir|8|11|18|f/|x-|mri|fbi|hd|lcd|led|lsd|rpg|sd|x-?ray)",
    re.I,
)
#: Words that end the head of a phrase: the article agrees with what comes before them.
_BREAKS = frozenset(
    "with in on at of by from under over near behind wearing holding standing sitting and that who which".split()
)
#: Plurals without an -s: no article goes before them ("women and a dragon", "people walking").
_IRREGULAR_PLURALS = frozenset(
    "men women people children mice geese feet teeth police cattle folk folks "
    "gentlemen businessmen firemen fishermen policemen".split()
)


# -- articles ---------------------------------------------------------------------------------------
def article_for(word: str) -> str:
    """`a` or `an` for the word that follows."""
    w = word.lstrip("\"'“({[")
    if w.lower().startswith(("one", "once", "uni", "use", "usu", "euro", "eu", "ewe")):
        return "a"
    return "an" if _ARTICLE_VOWEL.match(w) else "a"


def _plural(word: str) -> bool:
    return (word.endswith("s") and not word.endswith(("ss", "us", "is", "ous"))) or word in _IRREGULAR_PLURALS


def with_article(phrase: str, determiners: frozenset[str]) -> str:
    """`old fisherman` → `an old fisherman`; plurals, names and determined phrases unchanged."""
    words = phrase.split()
    if not words:
        return phrase
    first = words[0]
    if first[:1] == "{":
        first = first[1:] or "x"  # `{red, blue} car`: the article agrees with the first option
    low = first.lower()
    if low in determiners or first[:1].isdigit() or first[:1] in "\"“'([":
        return phrase
    if first[:1].isupper() and low not in ("a", "an"):
        return phrase  # a name: Shrek, Tokyo, Elmo
    if len(words) > 1 and words[1].lower() in ("a", "an", "the"):
        return phrase  # "background a shattered wasteland": the user's own article follows
    last = _NON_WORD.sub("", words[-1].lower())
    if _plural(last) and len(words) <= 6:
        return phrase  # a plural: "neon signs", "two cats", "old women"
    head_word = _NON_WORD.sub("", low)
    if (
        len(words) > 1
        and len(head_word) > 3
        and head_word.endswith("s")
        and not head_word.endswith(("ss", "us", "is"))
        and words[1].lower().endswith(("ly", "ed", "ing"))
    ):
        return phrase  # "objects partially buried in sand": a plural
    cut = next(
        (
            k
            for k in range(1, len(words))
            if words[k].lower() in _BREAKS or (words[k].lower().endswith("ing") and len(words[k]) > 4)
        ),
        None,
    )
    if cut is not None:
        word = _NON_WORD.sub("", words[cut - 1].lower())
        if _plural(word):
            return phrase  # "inmates with cow heads", "women and dragon"
    if len(words) == 1 and low.endswith(("ness", "ism", "ity")):
        return phrase  # a mass noun: "darkness", "minimalism"
    return f"{article_for(first)} {phrase}"


def strip_article(text: str) -> str:
    """`text` without the article it opens with (`A monochrome` → `monochrome`)."""
    return _ANY_ARTICLE.sub("", text)


def strip_indefinite_article(text: str) -> str:
    """`text` without the `a`/`an` it opens with; a `the` stays ("The Crypt")."""
    return _INDEFINITE_ARTICLE.sub("", text)


# -- agreement --------------------------------------------------------------------------------------
_A_AN = re.compile(r"\b([Aa]n?)\s+(?=([\w\"“'({\[][\w/-]*))")


def _agree(m: re.Match[str]) -> str:
    article, word = m.group(1), m.group(2)
    want = article_for(word)
    if want != article.lower():
        article = want.capitalize() if article[0].isupper() else want
    return article + " "


def agree_articles(text: str) -> str:
    """`a`/`an` made to agree with the word that follows each (`an portrait` → `a portrait`)."""
    return _A_AN.sub(_agree, text)


# -- nouns a bare adjective needs -------------------------------------------------------------------
#: A mood phrase that names its noun ("an eerie atmosphere"); without one it is adjectives alone.
MOOD_NOUN = re.compile(r"\b(?:atmosphere|mood|vibes?|feel|feeling|ambien[cs]e|aesthetic|tone|energy)$", re.I)
#: A colour phrase that names its noun ("warm tones", "sepia"); without one it is adjectives alone.
COLOUR_NOUN = re.compile(
    r"\b(?:colou?rs?|tones?|palette|hues?|shades?|scheme|grading|saturation|contrast|tint|"
    r"wash|gradient|monochrome|black and white|b&w|sepia|grayscale|greyscale)\b",
    re.I,
)


# -- lists and sentences ----------------------------------------------------------------------------
def join_list(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")


def capitalize_sentences(text: str) -> str:
    """Each sentence starts with a capital letter (`a cat. it sleeps.` → `A cat. It sleeps.`)."""
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)


_DOUBLED_ARTICLE = re.compile(r"\b([Aa]n?|[Tt]he)\s+((?:[Aa]n?|[Tt]he)\s)")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_SPACE_IN_PARENS = re.compile(r"\(\s+|\s+\)")
_DOUBLED_PUNCT = re.compile(r"([,;:])(?:\s*[,;:])+")
_COMMA_STOP = re.compile(r",\s*\.")
_DOUBLED_STOP = re.compile(r"\.(?:\s*\.)+(?!\.)")


def tidy_sentences(text: str) -> str:
    """Articles that agree with the word after them, no doubled or stray punctuation."""
    text = _DOUBLED_ARTICLE.sub(r"\2", text)  # "a a family" → "a family"
    text = _A_AN.sub(_agree, text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    if "(" in text or ")" in text:
        text = _SPACE_IN_PARENS.sub(lambda m: m.group().strip(), text)
    text = _DOUBLED_PUNCT.sub(r"\1", text)
    if "." in text:
        text = _COMMA_STOP.sub(".", text)
        if "..." not in text:
            text = _DOUBLED_STOP.sub(".", text)
    return " ".join(text.split())


#: Words in -s that are one thing, beyond those `_plural` already knows: "a lens", "a canvas".
_SINGULAR_S = re.compile(r"(?:as|os|ics|lens|series|species|means|news|ys)$")
#: Words that make "a" count a plural ("a few people", "a pair of boots").
_QUANTIFIERS = frozenset("few couple pair lot lots number group bunch dozen variety set collection handful".split())
_SPAN_WORD = re.compile(r"[\w'’-]+|[^\w\s]")


def _ends_phrase(tokens: list[str], j: int) -> bool:
    """Whether the word at `j` ends its phrase: punctuation, the end, "and", or an -ing verb follows."""
    nxt = tokens[j + 1] if j + 1 < len(tokens) else "."
    return not nxt[0].isalnum() or nxt.lower() == "and" or (nxt.lower().endswith("ing") and len(nxt) > 5)


def drop_plural_articles(text: str, source: str) -> str:
    """`A warrior dolphins fighting` → `Warrior dolphins fighting`, `on a purple eyes` → `on purple
    eyes`: an indefinite article a writer put before a plural the prompt names goes. The phrase is at
    most three words; its head is a lower-case plural that ends the phrase here and in `source` (so a
    verb, "a storm rolls in", is never taken for a plural), and `source` has no article before it."""
    tokens = _SPAN_WORD.findall(text)
    if not any(t.lower() in ("a", "an") for t in tokens):
        return text
    src = [t.lower() for t in _SPAN_WORD.findall(source)]
    drop: set[int] = set()
    for i, tok in enumerate(tokens):
        if tok.lower() not in ("a", "an"):
            continue
        for j in range(i + 1, min(i + 4, len(tokens))):
            if not tokens[j][0].isalnum() or tokens[j].lower() in _BREAKS or tokens[j].lower() in _QUANTIFIERS:
                break
            if not _ends_phrase(tokens, j):
                continue
            head, span = tokens[j], [t.lower() for t in tokens[i + 1:j + 1]]
            if head.isalpha() and head.islower() and len(head) > 3 and _plural(head) and not _SINGULAR_S.search(head):
                for k in range(len(src) - len(span) + 1):
                    if src[k:k + len(span)] == span and _ends_phrase(src, k + len(span) - 1) \
                            and (k == 0 or src[k - 1] not in ("a", "an")):
                        drop.add(i)
                        break
            break
    if not drop:
        return text
    out, pos = [], 0
    for k, m in enumerate(_SPAN_WORD.finditer(text)):
        if k in drop:
            out.append(text[pos:m.start()])
            pos = m.end() + len(text[m.end():]) - len(text[m.end():].lstrip())
            if m.group()[0].isupper() and pos < len(text):  # the sentence's next word now leads it
                out.append(text[pos].upper())
                pos += 1
    out.append(text[pos:])
    return "".join(out)


#: "a cinematic lighting", "A hyperminimalism", "a street photography": an indefinite article before
#: a noun that is not counted, at most two words after it, ending its phrase.
_MASS_ARTICLE = re.compile(
    r"\b([Aa]n?)\s+((?:(?!(?:in|of|on|at|by|with|and|or|for|to)\b)[\w'’-]+\s+){0,2}(?:lighting|photography|cinematography|[a-z]{3,}ism))(?=\s*(?:[,.;:!?]|\b(?:and|by|of|in|with)\b|$))"
)
#: -isms that are counted ("a mechanism").
_COUNTED_ISMS = frozenset("mechanism organism anachronism aphorism euphemism schism microorganism".split())


def drop_mass_articles(text: str, source: str) -> str:
    """`a cinematic lighting` → `cinematic lighting`, `A hyperminimalism` → `Hyperminimalism`: an
    indefinite article a writer put before lighting, photography or an -ism goes, unless `source`
    (the prompt) has that article there itself."""

    return _drop_articles(_MASS_ARTICLE, text, source, keep=lambda rest: rest.split()[-1].lower() in _COUNTED_ISMS)


def _drop_articles(pattern: re.Pattern[str], text: str, source: str,
                   keep: Callable[[str], bool] = lambda rest: False) -> str:
    """`text` without the article (group 1) of each `pattern` match before its phrase (group 2),
    the phrase taking the article's capital; a match `source` (the prompt) has itself stays, and
    so does one whose phrase `keep` says is counted."""

    def drop(m: re.Match[str]) -> str:
        rest = m.group(2)
        if m.group(0).lower() in source.lower() or keep(rest):
            return m.group(0)
        return rest[:1].upper() + rest[1:] if m.group(1)[0].isupper() else rest

    return pattern.sub(drop, text)


#: "A viewed from a distance": an indefinite article before a past participle and the preposition
#: it takes (a phrase the writer began as if it were a thing).
_PARTICIPLE_ARTICLE = re.compile(
    r"\b([Aa]n?)\s+([a-z]{3,}[^e\W]ed\s+(?:from|by|in|at|on|with|through|under|against|into|onto|over|across)\b)"
)


def drop_participle_articles(text: str, source: str) -> str:
    """`A viewed from a distance` → `Viewed from a distance`: an indefinite article before a past
    participle and its preposition goes, unless `source` (the prompt) has it there itself."""

    return _drop_articles(_PARTICIPLE_ARTICLE, text, source)
