"""The one negation vocabulary (`rules/lint.toml`, `[negation]`): the words that negate, the
words after them that negate nothing drawable, and the connectors that go with a negation.

The ledger reads a term's negation with it and the linter's PS202 builds its patterns from it:
the table is read here only, with its defaults here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from promptsmith.core.resources import merged_rule_file

#: The vocabulary when no lint.toml says otherwise.
DEFAULT_WORDS = ("no", "without")
DEFAULT_CONNECTORS = ("with",)


@dataclass(frozen=True)
class Negation:
    """The negation vocabulary (`rules/lint.toml` `[negation]`)."""

    #: The negation words, longest first.
    words: tuple[str, ...]
    #: Words after a negation word that make it negate nothing drawable (`no one`, `no longer`).
    not_nouns: frozenset[str]
    #: Words removed together with a negation at a term's end (`a man with no hat`).
    connectors: tuple[str, ...] = DEFAULT_CONNECTORS

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
    words: list[str] = list(DEFAULT_WORDS)
    not_nouns: set[str] = set()
    connectors: list[str] = list(DEFAULT_CONNECTORS)
    neg = merged_rule_file("lint.toml", extra_dirs).get("negation", {})
    if "words" in neg:
        words = [str(w).lower() for w in neg["words"]]
    if "not_nouns" in neg:
        not_nouns = {str(w).lower() for w in neg["not_nouns"]}
    if "connectors" in neg:
        connectors = [str(w).lower() for w in neg["connectors"]]
    return Negation(tuple(sorted(set(words), key=len, reverse=True)), frozenset(not_nouns),
                    tuple(connectors))
