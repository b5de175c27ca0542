"""The term lexicons in `rules/lexicon/*.toml`: which slot a term belongs to and how it reads.

Slots: filler, medium, style, lighting, colour, composition, mood, setting. A user rule directory
with a `lexicon/` folder adds terms in the same format (see rules/lexicon/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from promptsmith.core.resources import rule_files
from promptsmith.errors import RuleDataError

SLOTS = ("filler", "medium", "style", "tool", "lighting", "colour", "composition", "mood", "setting")
#: Longest lexicon entry, in words, that the n-gram matcher looks for.
MAX_NGRAM = 6

_WORD = re.compile(r"[\w'’/.:+&-]+")


_MISS = object()
#: Entries a memo keeps before it starts again (user text is unbounded; repeats come close together).
MEMO_SIZE = 65536


def normalize(term: str) -> str:
    """Lower-case, straight apostrophes, single spaces: the key terms are stored under."""
    return " ".join(term.lower().replace("’", "'").split())


@dataclass(frozen=True, slots=True)
class Match:
    """A lexicon term found in some text."""

    start: int
    end: int
    term: str
    slot: str


@dataclass
class Lexicon:
    """Terms by slot, with their phrases, display forms and reasons."""

    slot_of_term: dict[str, str] = field(default_factory=dict)
    phrase: dict[str, str] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)
    reason: dict[str, str] = field(default_factory=dict)
    #: tool.toml: how a tool is credited when not "rendered in" ("made in" Photoshop)
    verb: dict[str, str] = field(default_factory=dict)
    #: artists.toml: first words of artists' names, so a lower-case name reads as one
    first_names: set[str] = field(default_factory=set)
    max_words: int = 1

    def slot(self, term: str) -> str | None:
        """The slot of a term, or None when no lexicon knows it."""
        memo = self._slots
        hit = memo.get(term, _MISS)
        if hit is _MISS:
            if len(memo) >= MEMO_SIZE:
                memo.clear()  # a batch of millions of prompts must not grow it without bound
            hit = memo[term] = self.slot_of_term.get(normalize(term))
        return hit  # type: ignore[return-value]

    @cached_property
    def _slots(self) -> dict[str, str | None]:
        """`slot` by the term as written: prompts repeat their terms (a cache, never invalidated:
        a Lexicon is not changed once built)."""
        return {}

    def terms(self, slot: str) -> list[str]:
        """Every term of one slot."""
        return [t for t, s in self.slot_of_term.items() if s == slot]

    @cached_property
    def filler_pattern(self) -> re.Pattern[str]:
        """One regex matching any filler term as whole words, longest first, case-insensitive.

        Built as a trie (`ultra(?:[\\s-]+detailed|…)`) so the regex engine does not try every
        alternative at every position: ~20× faster than a flat alternation of ~150 terms.
        """
        return re.compile(self._filler_source, re.IGNORECASE)

    @cached_property
    def _filler_source(self) -> str:
        return trie_source(self.terms("filler"))

    @cached_property
    def _filler_lower(self) -> re.Pattern[str]:
        # from the source, not from filler_pattern: compiling the trie costs ~7 ms, and a linter
        # that only ever sees lower-cased text should not pay for both forms at start-up
        return re.compile(self._filler_source)

    def filler_spans(self, text: str) -> list[tuple[int, int]]:
        """Spans of filler terms in `text` (the fast path: match on the lower-cased text)."""
        low = text.lower()
        if len(low) != len(text):  # a few characters change length when lower-cased
            return [m.span() for m in self.filler_pattern.finditer(text)]
        return [m.span() for m in self._filler_lower.finditer(low)]

    def find(self, text: str) -> tuple[Match, ...]:
        """Known terms in `text`, longest match first, left to right, never overlapping
        (memoized per text, like `slot`)."""
        memo = self._found
        hit = memo.get(text)
        if hit is None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            hit = memo[text] = tuple(self._find(text))
        return hit

    @cached_property
    def _found(self) -> dict[str, tuple[Match, ...]]:
        return {}

    def _find(self, text: str) -> list[Match]:
        spans = [m.span() for m in _WORD.finditer(text)]
        # a word holds no whitespace, so normalize() comes down to lower() and the apostrophe
        keys = [text[s:e].strip(".:").lower().replace("’", "'") for s, e in spans]
        slot_of = self.slot_of_term
        out: list[Match] = []
        i, n = 0, len(keys)
        limit = min(self.max_words, MAX_NGRAM)
        while i < n:
            for size in range(min(limit, n - i), 0, -1):
                key = keys[i] if size == 1 else " ".join(keys[i : i + size])
                slot = slot_of.get(key)
                if slot is not None:
                    out.append(Match(spans[i][0], spans[i + size - 1][1], key, slot))
                    i += size
                    break
            else:
                i += 1
        return out


def _trie_body(node: dict[str, dict]) -> str:
    end = "" in node
    branches = []
    for char in sorted(k for k in node if k):
        piece = r"[\s\-–—]+" if char == " " else re.escape(char)  # `post – production` too
        branches.append(piece + _trie_body(node[char]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if end:
        return f"(?:{body})?"
    return body


def trie_source(terms: Iterable[str], whole_words: bool = True) -> str:
    """A regex source matching any of `terms` (normalized: lower case) as whole words (or, with
    `whole_words` False, anywhere, inside words too), spaces also matching hyphens and dashes.

    Greedy optional branches make the longest term win, as a longest-first alternation would.
    """
    trie: dict[str, dict] = {}
    for term in terms:
        node = trie
        for char in normalize(term):
            node = node.setdefault(char, {})
        node[""] = {}
    if not trie:
        return r"(?!x)x"
    if not whole_words:
        return f"(?:{_trie_body(trie)})"
    return rf"(?<![\w-])(?:{_trie_body(trie)})(?![\w-])"


def build_lexicon(files: list[tuple[Path, dict]]) -> Lexicon:
    """Merge lexicon files; a later file (a user's) moves a term to its own slot."""
    lex = Lexicon()
    for path, data in files:
        slot = data.get("meta", {}).get("slot")
        if slot not in SLOTS:
            raise RuleDataError(f"{path}: [meta] slot must be one of {', '.join(SLOTS)}, not {slot!r}")
        terms = data.get("terms", [])
        if not isinstance(terms, list):
            raise RuleDataError(f"{path}: `terms` must be a list of strings")
        for term in terms:
            key = normalize(str(term))
            if key:
                lex.slot_of_term[key] = slot
                lex.max_words = max(lex.max_words, len(key.split()))
        lex.first_names.update(normalize(str(w)) for w in data.get("first_names", []))
        for table, target in (("phrase", lex.phrase), ("display", lex.display), ("reason", lex.reason),
                              ("verb", lex.verb)):
            for key, value in data.get(table, {}).items():
                target[normalize(key)] = str(value)
    return lex


@lru_cache(maxsize=8)
def load_lexicon(extra_dirs: tuple[Path, ...] = ()) -> Lexicon:
    """The built-in lexicons merged with `lexicon/*.toml` from user rule directories."""
    return build_lexicon(rule_files("lexicon/*.toml", extra_dirs))


@lru_cache(maxsize=8)
def load_filler_lexicon(extra_dirs: tuple[Path, ...] = ()) -> Lexicon:
    """Only the filler terms (`lexicon/filler.toml`): all the linter needs, at a fraction of the
    start-up cost of reading every lexicon."""
    return build_lexicon(rule_files("lexicon/filler.toml", extra_dirs))
