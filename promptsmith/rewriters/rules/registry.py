"""The rewrite rules: a registry like the lint rules', and the rule set that switches them.

Each rule is registered where it is implemented, with `@rewrite_rule(name, stage)` on the
function that does its work (or `declare_rule` where the work is a linter fix or the ledger's);
the docstring is the rule's documentation (`promptsmith
rewrite --explain`, the eval's ablation and the docs list the same rules from here). The TOML
(`rules/rewrite/v5-to-v6.toml`, and a user's copy) switches rules on and off and gives the
one-line reason a change reports; a name the registry does not know is an error, not a rule
that is silently always on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, TypeVar

from promptsmith.core.lexicon import load_lexicon
from promptsmith.core.resources import merged_rule_file
from promptsmith.errors import RuleDataError

#: The stages that have rules, in the order a prompt goes through them.
STAGES = ("syntax", "analysis", "composition", "parameters")

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class RewriteRule:
    """One registered rewrite rule: its name, the stage it belongs to and what it does."""

    name: str
    stage: str
    doc: str

    @property
    def summary(self) -> str:
        """The first line of the rule's documentation."""
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name


REGISTRY: dict[str, RewriteRule] = {}


def declare_rule(name: str, stage: str, doc: str) -> None:
    """Register rewrite rule `name` with its documentation (directly: for a rule whose work is a
    linter fix or the ledger's)."""
    if stage not in STAGES:
        raise ValueError(f"unknown rewrite stage {stage!r}; one of {', '.join(STAGES)}")
    if name in REGISTRY:
        raise ValueError(f"rewrite rule {name!r} is registered twice")
    REGISTRY[name] = RewriteRule(name, stage, doc)


def rewrite_rule(name: str, stage: str) -> Callable[[_F], _F]:
    """Register the decorated function as the implementation of rewrite rule `name`; its
    docstring is the rule's documentation."""

    def register(func: _F) -> _F:
        declare_rule(name, stage, func.__doc__ or "")
        return func

    return register


def registered() -> dict[str, RewriteRule]:
    """Every rewrite rule, in stage order. The package (`promptsmith.rewriters.rules`), which Python
    imports before this module, imports the engine and with it every module that registers one."""
    return dict(sorted(REGISTRY.items(), key=lambda kv: (STAGES.index(kv[1].stage), kv[0])))


@dataclass(frozen=True)
class RewriteRules:
    """The rewrite rule set (rules/rewrite/v5-to-v6.toml), merged with the user's copy."""

    enabled: dict[str, bool]
    reasons: dict[str, str]
    shots: tuple[str, ...]
    determiners: frozenset[str]
    medium_heads: tuple[str, ...]
    connectives: dict[str, tuple[str, ...]]
    body_parts: frozenset[str] = frozenset()
    clothing: frozenset[str] = frozenset()
    attached_openers: frozenset[str] = frozenset()
    adjectives: frozenset[str] = frozenset()
    mass_nouns: frozenset[str] = frozenset()
    first_names: frozenset[str] = frozenset()

    def on(self, rule: str) -> bool:
        return self.enabled.get(rule, True)

    @cached_property
    def shot_endings(self) -> tuple[str, ...]:
        """`" " + shot` for every shot word: one C-level `str.endswith` tests them all."""
        return tuple(" " + s for s in self.shots)

    @cached_property
    def medium_endings(self) -> tuple[str, ...]:
        return tuple(" " + h for h in self.medium_heads)

    @cached_property
    def medium_set(self) -> frozenset[str]:
        return frozenset(self.medium_heads)

    def without(self, rule: str) -> RewriteRules:
        """The same rule set with one rule switched off (for ablations)."""
        return RewriteRules(
            {**self.enabled, rule: False}, self.reasons, self.shots, self.determiners, self.medium_heads,
            self.connectives, self.body_parts, self.clothing, self.attached_openers,
            self.adjectives, self.mass_nouns, self.first_names,
        )


@lru_cache(maxsize=8)
def load_rewrite_rules(extra_dirs: tuple[Path, ...] = ()) -> RewriteRules:
    """The rewrite rules, built-in first, then `rewrite/v5-to-v6.toml` in user rule directories.

    Raises RuleDataError for a rule name that no rewrite rule is registered under.
    """
    known = registered()
    enabled: dict[str, bool] = {name: True for name in known}
    reasons: dict[str, str] = {name: rule.summary for name, rule in known.items()}
    table = merged_rule_file("rewrite/v5-to-v6.toml", extra_dirs, depth=2)
    for name, body in table.get("rules", {}).items():
        if name not in known:
            raise RuleDataError(
                f"rewrite/v5-to-v6.toml: no rewrite rule is called {name!r}; the rules are "
                f"{', '.join(known)} (`promptsmith rules --rewrite`)"
            )
        enabled[name] = bool(body.get("enabled", True))
        if "reason" in body:
            reasons[name] = body["reason"]
    compose = dict(table.get("compose", {}))
    connectives = {slot: tuple(forms) for slot, forms in compose.pop("connectives", {}).items()}
    return RewriteRules(
        enabled=enabled,
        reasons=reasons,
        shots=tuple(sorted(compose.get("shots", ()), key=len, reverse=True)),
        determiners=frozenset(compose.get("determiners", ())),
        medium_heads=tuple(sorted(compose.get("medium_heads", ()), key=len, reverse=True)),
        connectives=connectives,
        body_parts=frozenset(compose.get("body_parts", ())),
        clothing=frozenset(compose.get("clothing", ())),
        attached_openers=frozenset(compose.get("attached_openers", ())),
        adjectives=frozenset(compose.get("adjectives", ())),
        mass_nouns=frozenset(compose.get("mass_nouns", ())),
        # the rule set's first names, and those of the artists' names the lexicons know
        first_names=frozenset(compose.get("first_names", ())) | frozenset(load_lexicon(extra_dirs).first_names),
    )
