"""The term ledger: one definition of what a prompt's terms are, where they are and what kind.

Everything that reads a prompt's words reads them here: the linter's term rules, the rewriter's
analysis, `compare`, the LLM guard and the eval harness.

- **fragments**: the text cut at commas, semicolons, line breaks, `|` and sentence stops (not the
  dots of initials, decimals or abbreviations); `{…}` permutations, quotes, `(…)` and `[…]`
  groups are never cut. A fragment wholly wrapped in Stable Diffusion weight syntax (`((x))`,
  `(x:1.3)`, `[x]`, `[a:b:0.6]`), which Midjourney reads as plain text, is unwrapped and its
  inside cut again.
- **words and normal form**: one word tokenizer (`words`), and one normal form (`fold`):
  lower case, accents stripped, British spelling folded to American (`rules/spelling.toml`),
  plural `s` dropped. `watercolour`, `Watercolors` and `watercolor` are one word to every reader.
- **negation**: one vocabulary (`rules/lint.toml`, `[negation]`).
- **the ledger** (`ledger(text)`): each fragment as a `Term` with its span, the filler inside it,
  its negation, whether it holds quoted text, a permutation or SD syntax, and the slot the
  lexicons give it (`kind`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import NamedTuple

from promptsmith.core.lexicon import MEMO_SIZE, Lexicon, load_filler_lexicon, load_lexicon, normalize, trie_source
from promptsmith.core.resources import load_rule_file

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

#: Kinds a ledger term can have: the lexicon slots, and what the ledger itself recognises.
KINDS = ("content", "filler", "medium", "style", "tool", "lighting", "colour", "composition", "mood", "setting",
         "negation", "quoted", "permutation")

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
#: A word, or a number written with a space between its digits (`2 0 1 1`, `8 0's`: a tokenizer's
#: artefact in scraped prompts), which is read as the one number it is.
_WORD_OR_NUMBER = re.compile(r"(?<![^\W_])\d(?: \d)+(?:['’][^\W_]+)?(?![^\W_])|" + _WORD.pattern)


def word_matches(text: str) -> Iterator[tuple[str, int, int]]:
    """The words of `text` as (word, start, end), a spaced number as one word without its spaces."""
    for m in _WORD_OR_NUMBER.finditer(text):
        word = m.group()
        yield (word.replace(" ", "") if " " in word else word), m.start(), m.end()
#: What a word is, for every reader of the ledger (letters and digits, inner apostrophes kept).
WORD = _WORD
# sentence stops: `.`, `!`, `?`, `…` followed by a space or the end, not a decimal
_STOP_AT = re.compile(r"(?:\.{2,}|[!?！？]+|[.…。])(?=\s|$)")
#: `!!!` inside a term, before a lower-case word (`fine!!! lines`): emphasis, not a stop.
_EMPHASIS = re.compile(r"[!?！？]{2,}(?=\s)")
_ABBREVIATIONS = frozenset("dr mr mrs ms st mt ft jr sr vs etc inc ltd co no vol fig ca approx".split())
#: What follows an -ise/-ize verb stem: realise, realised, realising, realisation
_VERB_END = re.compile(r"(?:e|ed|es|ing|ation|ations|er|ers)$")
_SD_WEIGHT = re.compile(r"^\((?P<x>.+?):\s*-?\d+(?:\.\d+)?\)$", re.S)
_SD_EDIT = re.compile(r"^\[(?P<a>[^\[\]:]*):(?P<b>[^\[\]:]*):\s*\d*(?:\.\d+)?\]$")


# -- spelling and the normal form -----------------------------------------------------------------
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
    stems: dict[str, str] = {}
    words: dict[str, str] = {}
    forms: dict[str, str] = {}
    for table in load_rule_file("spelling.toml", extra_dirs):
        stems.update({k.lower(): v.lower() for k, v in table.get("stems", {}).items()})
        words.update({k.lower(): v.lower() for k, v in table.get("words", {}).items()})
        forms.update({k.lower(): v.lower() for k, v in table.get("forms", {}).items()})
    return Spelling(tuple(sorted(stems.items(), key=lambda kv: -len(kv[0]))), words, forms)


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).replace("ł", "l").replace("ø", "o")


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """The normal form of one word: lower case, no accents, American spelling, singular."""
    w = _strip_accents(word.lower().replace("’", "'"))
    if w.endswith("'s"):
        w = w[:-2]
    w = spelling().american(w)
    w = spelling().forms.get(w, w)
    if w.endswith("men") and len(w) > 4:
        return w[:-3] + "man"  # fishermen, women
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "'s")):
        w = w[:-2] if w.endswith(("ches", "shes", "xes", "sses")) else w[:-1]
    return w


def words(text: str) -> list[str]:
    """The words of a text as written (letters and digits, inner apostrophes kept)."""
    return _WORD.findall(text)


def keys(text: str) -> set[str]:
    """The normal forms of a text's content words (stop words left out)."""
    return {fold(w) for w in _WORD.findall(text) if w.lower() not in STOP}


#: Words that say how many: a brief keeps each count of its prompt and adds none.
COUNT_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                        "sixteen seventeen eighteen nineteen twenty thirty forty fifty hundred thousand dozen".split())


def counts(text: str) -> set[str]:
    """The counts a text says: its numbers written as words or as digits standing alone
    (`two cats`, `3 birds`, `2 0 1 1` read as 2011; not the digits inside `8k` or `35mm`)."""
    return {w.lower() for w, _, _ in word_matches(text) if w.isdigit() or w.lower() in COUNT_WORDS}


def all_keys(text: str) -> set[str]:
    """The normal forms of every word of a text, stop words too."""
    return {fold(w) for w in _WORD.findall(text)}


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
        return _WORD.sub(lambda m: one(m.group()), text)
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
    """The spans of the words (as `_WORD` finds them) that hold the characters at `hits`
    (ascending), each once."""
    done = 0
    for at in hits:
        if at < done:
            continue  # a second hit inside a word already given
        m = _WORD.match(text, _word_start(text, at))
        if m is not None and m.end() > at:
            done = m.end()
            yield m.start(), done


def _word_start(text: str, at: int) -> int:
    """Where the word (as `_WORD` finds it) holding the letter at `at` starts: back over letters
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
    return set(_WORD.findall(keep))


def _capitals(keep: str, written: list[str] | None = None) -> tuple[str, ...]:
    """The lower-cased forms of the words `keep` writes in capitals (two letters or more), in order."""
    if keep == keep.lower():
        return ()
    return tuple(dict.fromkeys(w.lower() for w in (written if written is not None else _WORD.findall(keep))
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
    written = _WORD.findall(keep) if keep else []
    low = keep.lower()
    kept_lower = set(_WORD.findall(low)) if len(low) == len(keep) else {w.lower() for w in written}
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


# -- negation -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Negation:
    """The negation vocabulary (`rules/lint.toml` `[negation]`)."""

    words: tuple[str, ...]
    not_nouns: frozenset[str]

    @cached_property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(w + " " for w in self.words)

    def negated(self, term: str) -> str | None:
        """What a term that opens with a negation word excludes (`no people` → `people`), or None
        (`no one`, `no longer`, or no negation)."""
        low = term.lower()
        if not low.startswith(self.prefixes):
            return None
        for word in self.words:
            if low.startswith(word + " "):
                rest = term[len(word) + 1 :].strip()
                first = rest.split(None, 1)[0].lower() if rest else ""
                if not first or first in self.not_nouns or not first[:1].isalpha():
                    return None
                return rest
        return None


@lru_cache(maxsize=8)
def negation(extra_dirs: tuple[Path, ...] = ()) -> Negation:
    """The one negation vocabulary, read from lint.toml (the user's merged over the built-in)."""
    words: list[str] = ["no", "without"]
    not_nouns: set[str] = set()
    for table in load_rule_file("lint.toml", extra_dirs):
        neg = table.get("negation", {})
        if "words" in neg:
            words = [str(w).lower() for w in neg["words"]]
        if "not_nouns" in neg:
            not_nouns = {str(w).lower() for w in neg["not_nouns"]}
    return Negation(tuple(sorted(set(words), key=len, reverse=True)), frozenset(not_nouns))


# -- fragments ------------------------------------------------------------------------------------
class Fragment(NamedTuple):
    """A piece of the text between separators, trimmed, with its span in the text (a named
    tuple: a prompt makes a dozen, and a frozen dataclass costs three times as much to build)."""

    text: str
    start: int
    end: int
    #: What ended it: `,` `;` `.` (a sentence stop) `\n` `|`, or "" at the end of the text.
    sep: str
    #: The fragment was unwrapped from Stable Diffusion weight syntax (`(x:1.3)`, `((x))`).
    sd: bool = False
    #: For an unwrapped fragment: the syntax it was written in (`((masterpiece))`).
    wrapped: str = ""


def _is_stop(text: str, i: int, j: int) -> bool:
    """Whether the stop `text[i:j]` ends a sentence (not an initial, an abbreviation, or the
    emphasis of `fine!!! lines`)."""
    if text[i] in "!?！？":
        if j - i < 2:
            return True
        rest = text[j:].lstrip()
        return not rest[:1].islower()
    if j - i > 1 or text[i] != ".":
        return True
    j = i + 1
    k = i
    while k > 0 and text[k - 1].isalnum():
        k -= 1
    word = text[k:i]
    rest = text[j:].lstrip()
    if word.isdigit() and rest[:1].isdigit():
        return False  # a decimal spaced by a tokenizer: `f/ 2. 8`
    if len(word) == 1 and word.isalpha():
        return False  # an initial: `M. C. Escher`, `J. R. R. Tolkien`
    return word.lower() not in _ABBREVIATIONS


_SEPARATOR = re.compile(r"[,;\n|]|(?<= )\+(?= )|(?:\.{2,}|[!?！？]+|[.…。])(?=\s|$)")
_GROUPING = re.compile(r"[{(\[\"“\\]")
#: Every character `_cut`'s scan acts on: escapes, quotes, brackets, separators and stops.
_SPECIAL = re.compile(r"[\\\"“”{}()\[\],;\n|+.!?…！？。]")


#: Groups inside groups that are cut again, at most (deeper ones stay one fragment, as written).
_MAX_DEPTH = 32


def _cut(text: str, base: int, out: list[Fragment], sd: bool = False, wrapped: str = "", depth: int = 0) -> None:
    if _GROUPING.search(text) is None:  # the common case: no groups or quotes to skip over
        start = 0
        for m in _SEPARATOR.finditer(text):
            c = m.group()
            if c[0] in ".!?…！？。" and not _is_stop(text, m.start(), m.end()):
                continue
            _emit(text, base, start, m.start(), "." if c[0] in ".!?…！？。" else ("," if c == "+" else c), out, sd,
                  wrapped, depth)
            start = m.end()
        _emit(text, base, start, len(text), "", out, sd, wrapped, depth)
        return
    level = 0  # bracket nesting inside this text (`depth` is how deep the unwrapping went)
    quote = ""
    start = 0
    i, n = 0, len(text)
    special = _SPECIAL.search
    while i < n:
        m = special(text, i)  # only these characters can change anything: skip to the next one
        if m is None:
            break
        i = m.start()
        c = text[i]
        if c == "\\" and i + 1 < n:
            i += 2
            continue
        if quote:
            if c == quote or (quote == "“" and c == "”"):
                quote = ""
        elif c in "\"“":
            quote = c
        elif c in "{([":
            level += 1
        elif c in "})]":
            level = max(0, level - 1)
        elif level == 0:
            sep = ""
            j = i + 1
            if c in ",;\n|" or (c == "+" and 0 < i < n - 1 and text[i - 1] == " " and text[i + 1] == " "):
                sep = "," if c == "+" else c
            elif c in ".!?…！？。":
                m = _STOP_AT.match(text, i)
                if m is not None and _is_stop(text, i, m.end()):
                    sep, j = ".", m.end()
            if sep:
                _emit(text, base, start, i, sep, out, sd, wrapped, depth)
                start = j
                i = j
                continue
        i += 1
    _emit(text, base, start, n, "", out, sd, wrapped, depth)


def _emit(text: str, base: int, start: int, end: int, sep: str, out: list[Fragment], sd: bool,
          wrapped: str = "", depth: int = 0) -> None:
    raw = text[start:end]
    piece = raw.strip()
    if not piece:
        return
    s = start + len(raw) - len(raw.lstrip())
    inner = _unwrap(piece) if depth < _MAX_DEPTH else None
    if inner is not None:
        text_in, offset = inner
        while True:  # ((((x)))) is peeled in a loop, not a recursion: user text may nest deep
            lead = len(text_in) - len(text_in.lstrip())
            deeper = _unwrap(text_in.strip()) if text_in.strip() else None
            if deeper is None:
                break
            text_in, offset = deeper[0], offset + lead + deeper[1]
        before = len(out)
        _cut(text_in, base + s + offset, out, sd=True, wrapped=wrapped or piece, depth=depth + 1)
        if len(out) > before and sep:
            last = out[-1]
            out[-1] = Fragment(last.text, last.start, last.end, sep, True, last.wrapped)
        return
    out.append(Fragment(piece, base + s, base + s + len(piece), sep, sd, wrapped))


def _unwrap(piece: str) -> tuple[str, int] | None:
    """The inside of a fragment wholly wrapped in SD syntax, and its offset; None otherwise."""
    if not piece or piece[0] not in "([":
        return None  # every wrapping opens with a bracket: most fragments stop here
    m = _SD_WEIGHT.match(piece)
    if m is not None:
        return m.group("x"), 1
    m = _SD_EDIT.match(piece)
    if m is not None:
        return f"{m.group('a')}, {m.group('b')}", 1
    if len(piece) > 2 and piece[0] in "([" and piece[-1] == {"(": ")", "[": "]"}[piece[0]]:
        close = _closing(piece, 0)
        if close == len(piece) - 1:
            return piece[1:-1], 1
    return None


def _closing(text: str, at: int) -> int:
    """Index of the bracket closing the one at `at`, or -1."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = []
    for k in range(at, len(text)):
        c = text[k]
        if c in pairs:
            stack.append(pairs[c])
        elif stack and c == stack[-1]:
            stack.pop()
            if not stack:
                return k
    return -1


def fragments(text: str) -> list[Fragment]:
    """The text's fragments, in order, with their spans (see the module docstring)."""
    out: list[Fragment] = []
    if text.strip():
        _cut(text, 0, out)
    return out


def split_terms(text: str) -> list[str]:
    """The fragments' texts, a trailing stop dropped: what a keyword prompt's terms are."""
    return [f.text for f in fragments(text)]


# -- the ledger -----------------------------------------------------------------------------------
class Term(NamedTuple):
    """One term of a prompt: a fragment with what the ledger knows about it (a named tuple,
    like `Fragment`)."""

    text: str
    start: int
    end: int
    #: A lexicon slot, `negation`, `quoted`, `permutation` or `content` (no lexicon knows it).
    kind: str
    #: The term with its filler words removed (what it asks for); "" when it is all filler.
    content: str
    #: The filler found inside it, as written.
    filler: tuple[str, ...] = ()
    #: What a negation excludes (`no people` → `people`).
    negated: str = ""
    sep: str = ""
    sd: bool = False
    #: The SD syntax it was unwrapped from (`((masterpiece))`), or "".
    wrapped: str = ""

    @property
    def keys(self) -> set[str]:
        """The normal forms of its content words."""
        return keys(self.content)


@dataclass(frozen=True)
class Ledger:
    """A prompt text's terms."""

    text: str
    terms: tuple[Term, ...] = field(default_factory=tuple)

    def content_terms(self) -> list[Term]:
        """The terms that ask for something (not all filler)."""
        return [t for t in self.terms if t.content and keys(t.content)]

    def filler(self) -> list[str]:
        return [f for t in self.terms for f in t.filler]


_LEADING_AND = re.compile(r"^(?:and|&)\s+", re.I)
_ORPHAN = re.compile(r"\b(a|an|the|and|or)\s+(?:and|or)\b\s*", re.I)
_DANGLING_HEAD = re.compile(r"^(?:(?:and|with|in|of|on|by|at|&)\s+)+", re.I)
_DANGLING_TAIL = re.compile(
    r"(?:\s+(?:in\s+the\s+style\s+of|style\s+of|art\s+by|trending|and|with|in|of|on|by|at|the|as|for|&|"
    r"highly|very|ultra|super|extremely|hyper|insanely|incredibly|absolutely|so|too|is|are|was|were))+$", re.I)
#: Intensifiers left alone, or generic words left over, when the filler they went with is removed:
#: `highly [realistic]` → "", `[4K UHD] image` → "", `[professional] lighting` → "".
_REMNANTS = frozenset("highly very ultra super extremely hyper insanely incredibly absolutely so too image images picture "
                      "hq hd quality resolution detail details lighting style render rendering photo features featured scene"
                      .split()) | {"this image", "that image", "the image", "an image"}


def strip_filler(term: str, lex: Lexicon | None = None) -> tuple[str, tuple[str, ...]]:
    """`term` without its filler (and the connectives that filler leaves dangling), and the filler."""
    lex = lex or load_filler_lexicon()
    spans = lex.filler_spans(term)
    if not spans:
        return term, ()
    spans = [(_intensified(term, s), e) for s, e in spans]  # "very very [detailed]" goes whole
    removed = tuple(term[s:e] for s, e in spans)
    kept = term
    for s, e in reversed(spans):
        kept = kept[:s] + " " + kept[e:]
    left = _ORPHAN.sub(r"\1 ", " ".join(kept.split()).strip(" -,&"))  # "a [stunning] and matte" → "a matte"
    kept = tidy(left)
    if not kept and left.strip(" -,&."):
        return "", (*removed, left.strip(" -,&."))  # the leftover goes with the filler it described
    return kept, removed


#: What goes with a filler term just before it: intensifiers (`very very [detailed]`) and a verb
#: that only introduces it (`features [intricate detail]`, `featuring [8k]`).
_INTENSIFIERS = re.compile(r"(?:\b(?:features|featuring)\s+)?"
                           r"(?:\b(?:very|highly|ultra|super|extremely|insanely|incredibly|absolutely|so|too)[\s-]+)*$",
                           re.I)


def _intensified(text: str, start: int) -> int:
    """Where a filler term starts once the intensifiers just before it are counted in."""
    m = _INTENSIFIERS.search(text, 0, start)
    return m.start() if m is not None and m.end() == start else start


def tidy(text: str) -> str:
    """A piece of a term with the connectives left dangling at its ends removed, and "" when
    only a generic word is left (`features and the` → "", `highly` → "")."""
    kept = _DANGLING_HEAD.sub("", text.strip(" -,&"))
    kept = _DANGLING_TAIL.sub("", kept).strip(" -,&.")
    return "" if kept.lower() in _REMNANTS or kept.lower() in STOP else kept


def ledger(text: str, lex: Lexicon | None = None, rule_dirs: tuple[Path, ...] = ()) -> Ledger:
    """The ledger of a prompt text (the prose, without image prompts or parameters)."""
    lex = lex or load_lexicon(rule_dirs)
    read = _reader(lex, load_filler_lexicon(rule_dirs), negation(rule_dirs))
    return Ledger(text, tuple(Term(f.text, f.start, f.end, *read(f.text), f.sep, f.sd, f.wrapped)
                              for f in fragments(text)))


#: What a fragment's text is, by the lexicons that read it: kind, content, filler, negated.
_Reading = tuple[str, str, tuple[str, ...], str]
_READERS: dict[tuple[int, int, int], tuple[object, Callable[[str], _Reading]]] = {}


def _reader(lex: Lexicon, fill: Lexicon, neg: Negation) -> Callable[[str], _Reading]:
    """How one fragment's text reads, memoized per text: a batch repeats its terms (`8k`,
    `highly detailed`, `trending on artstation`) thousands of times, and a reading depends on
    nothing but the text and the three vocabularies (loaded once per process and never changed)."""
    key = (id(lex), id(fill), id(neg))
    held = _READERS.get(key)
    if held is not None:
        return held[1]
    memo: dict[str, _Reading] = {}

    def read(text: str) -> _Reading:
        hit = memo.get(text)
        if hit is None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()  # millions of distinct terms must not grow it without bound
            hit = memo[text] = _read(text, lex, fill, neg)
        return hit

    if len(_READERS) >= 16:
        _READERS.clear()
    _READERS[key] = ((lex, fill, neg), read)  # the vocabularies are held, so their ids stay theirs
    return read


def _read(text: str, lex: Lexicon, fill: Lexicon, neg: Negation) -> _Reading:
    content, filler = strip_filler(text, fill)
    content = _LEADING_AND.sub("", " ".join(_EMPHASIS.sub(" ", content).split()).rstrip("!?！？").strip())
    if '"' in text or "“" in text:
        return "quoted", content, filler, ""
    if "{" in text:
        return "permutation", content, filler, ""
    if not content:
        return "filler", content, filler, ""
    negated = neg.negated(content)
    if negated is not None:
        return "negation", content, filler, negated
    return lex.slot(content) or "content", content, filler, ""


def normal_term(text: str) -> str:
    """A term's normal form as one string (its content words folded, in order)."""
    return " ".join(fold(w) for w in _WORD.findall(normalize(text)) if w.lower() not in STOP)
