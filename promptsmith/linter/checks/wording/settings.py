"""The wording rules' settings: `rules/lint.toml` (merged with the user's) compiled into patterns
and sets once per rule directory set. The negation words come from the one negation vocabulary
(`promptsmith.core.negation`), which the ledger reads too."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from promptsmith.core.negation import Negation, negation
from promptsmith.errors import RuleDataError
from promptsmith.linter.helpers import lint_settings


def _alternation(words: list[str]) -> str:
    """A regex alternation of phrases, longest first, spaces matching any run of whitespace."""
    ordered = sorted({w.lower() for w in words if w}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered) or r"(?!x)x"


class WordingSettings:
    """Patterns and sets derived from the settings, built once per rule directory set."""

    def __init__(self, s: dict[str, Any], vocabulary: Negation) -> None:
        # the words are the one negation vocabulary (core.negation); the length limit is PS202's own
        self.neg_max_words = int(s.get("negation", {}).get("max_words", 3))
        self.neg_not_nouns = vocabulary.not_nouns
        neg_words = _alternation(list(vocabulary.words))
        conn = _alternation(list(vocabulary.connectors))
        # "no X" at the end of a term: X is up to a few words, letters first (no "no. 5").
        self.negation = re.compile(
            rf"(?:(?<=\s)|^)(?:(?P<conn>{conn})\s+)?(?P<neg>{neg_words})\s+"
            rf"(?P<x>[^\W\d_][\w'’&-]*(?:\s+[^\W\d_][\w'’&-]*|\s+&)*)$",
            re.IGNORECASE,
        )
        self.negation_words = vocabulary.prefixes
        soup = s.get("keyword_soup", {})
        self.soup_min_terms = int(soup.get("min_terms", 5))
        self.soup_max_mean = float(soup.get("max_mean_words", 3.5))
        self.soup_max_share = float(soup.get("max_phrase_share", 0.2))
        self.function_words = frozenset(w.lower() for w in soup.get("function_words", ()))
        length = s.get("length", {})
        self.v6_words = int(length.get("v6_words", 120))
        self.legacy_words = int(length.get("legacy_words", 60))
        sites = s.get("sites", {})
        # matched on lower-cased text; the words before a name are checked by hand (a regex
        # that starts with a literal alternation is much faster than one with an optional prefix)
        self.sites = re.compile(
            rf"(?P<site>{_alternation(sites.get('names', []))})"
            rf"(?:\s*(?:{_alternation(sites.get('after', []))}))?(?![\w-])"
        )
        self.site_before = tuple(
            sorted({" ".join(b.lower().split()) + " " for b in sites.get("before", [])}, key=len, reverse=True)
        )
        # cheap substring tests first (a name split by two spaces is missed, and that is fine)
        self.site_anchors = tuple({" ".join(n.lower().split()) for n in sites.get("names", []) if n.strip()})
        self.site_keys = _covering_keys(self.site_anchors)
        self.filler_attributive = frozenset(
            w.lower() for w in s.get("filler", {}).get("attributive", ())
        )
        self.repeat_allowed = frozenset(w.lower() for w in s.get("repeated_word", {}).get("allowed", ()))
        cues = s.get("text_quotes", {}).get("cues", [])
        self.text_cues = frozenset(c.lower() for c in cues)
        self.cue_window = int(s.get("text_quotes", {}).get("window", 3))
        #: (written filler, version label) → (attributive?, message, fix message): the same few
        #: dozen tokens recur in every prompt, so PS201 works out their lookups and messages once.
        self.filler_messages: dict[tuple[str, str], tuple[bool, str, str]] = {}


def _covering_keys(names: tuple[str, ...]) -> tuple[str, ...]:
    """Few substrings such that every name holds one (the longest word of each name, minus any
    word that holds a shorter key): `art station`, `artstation` → `station`. A text that holds
    none of them holds no name, so PS210's gate tests fewer substrings than there are names."""
    words = {max(n.split(), key=len) for n in names}
    return tuple(sorted(w for w in words if not any(k != w and k in w for k in words)))


@lru_cache(maxsize=8)
def wording_settings(rule_dirs: tuple[Path, ...] = ()) -> WordingSettings:
    try:
        return WordingSettings(lint_settings(rule_dirs), negation(rule_dirs))
    except (TypeError, ValueError, AttributeError, re.error) as exc:
        raise RuleDataError(
            f"lint.toml has a setting of the wrong type ({exc}); compare it with the built-in rules/lint.toml"
        ) from exc
