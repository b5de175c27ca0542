"""The term lexicons in `rules/lexicon/*.toml`: which slot a term belongs to and how it reads.

Slots: filler, medium, style, lighting, colour, composition, mood, setting. A user rule directory
with a `lexicon/` folder adds terms in the same format (see rules/lexicon/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from promptsmith.core.resources import rule_files
from promptsmith.errors import RuleDataError

SLOTS = ("filler", "medium", "style", "lighting", "colour", "composition", "mood", "setting")
#: Longest lexicon entry, in words, that the n-gram matcher looks for.
MAX_NGRAM = 6

_WORD = re.compile(r"[\w'’/.:+&-]+")


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
    max_words: int = 1

    def slot(self, term: str) -> str | None:
        """The slot of a term, or None when no lexicon knows it."""
        return self.slot_of_term.get(normalize(term))

    def terms(self, slot: str) -> list[str]:
        """Every term of one slot."""
        return [t for t, s in self.slot_of_term.items() if s == slot]

    @cached_property
    def filler_pattern(self) -> re.Pattern[str]:
        """One regex matching any filler term as whole words, longest first, case-insensitive."""
        words = sorted(self.terms("filler"), key=len, reverse=True)
        if not words:
            return re.compile(r"(?!x)x")
        body = "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in words)
        return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)

    def find(self, text: str) -> list[Match]:
        """Known terms in `text`, longest match first, left to right, never overlapping."""
        words = [(m.start(), m.end(), normalize(m.group().strip(".:"))) for m in _WORD.finditer(text)]
        out: list[Match] = []
        i, n = 0, len(words)
        limit = min(self.max_words, MAX_NGRAM)
        while i < n:
            for size in range(min(limit, n - i), 0, -1):
                key = " ".join(w[2] for w in words[i : i + size])
                slot = self.slot_of_term.get(key)
                if slot is not None:
                    out.append(Match(words[i][0], words[i + size - 1][1], key, slot))
                    i += size
                    break
            else:
                i += 1
        return out


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
        for table, target in (("phrase", lex.phrase), ("display", lex.display), ("reason", lex.reason)):
            for key, value in data.get(table, {}).items():
                target[normalize(key)] = str(value)
    return lex


@lru_cache(maxsize=8)
def load_lexicon(extra_dirs: tuple[Path, ...] = ()) -> Lexicon:
    """The built-in lexicons merged with `lexicon/*.toml` from user rule directories."""
    return build_lexicon(rule_files("lexicon/*.toml", extra_dirs))
