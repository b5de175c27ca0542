"""Run the selected rules over a prompt and collect their diagnostics in source order."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from promptsmith.core.model import Diagnostic, Prompt, diagnostic_order
from promptsmith.core.parse import MAX_PROMPT_CHARS, TOO_LONG, parse
from promptsmith.core.spec import Spec, load_spec
from promptsmith.errors import ConfigError
from promptsmith.linter.context import Context, SpecIndex
from promptsmith.linter.registry import FEATURES, Rule, select_rules
from promptsmith.registries import OPEN_TARGETS, TARGETS, mj_target_version

_BIT = {name: 1 << i for i, name in enumerate(FEATURES)}


@lru_cache(maxsize=32)
def _rules_for(select: tuple[str, ...] | None, ignore: tuple[str, ...] | None) -> tuple[Rule, ...]:
    return tuple(select_rules(list(select) if select else None, list(ignore) if ignore else None))


class Linter:
    """A configured linter: which rules, which default version, which spec. Reusable and cheap."""

    def __init__(
        self,
        *,
        version: str | None = None,
        select: list[str] | tuple[str, ...] | None = None,
        ignore: list[str] | tuple[str, ...] | None = None,
        rule_dirs: tuple[Path, ...] = (),
        target: str | None = None,
    ) -> None:
        self.spec: Spec = load_spec(tuple(rule_dirs))
        #: The text encoder of an open target (`sd15` → "clip"; promptsmith.registries.TARGETS),
        #: whose real token budget PS206 checks; None for Midjourney.
        self.encoder: str | None = None
        if target is not None:
            if target in TARGETS and TARGETS.resolve(target) in OPEN_TARGETS:
                self.encoder = OPEN_TARGETS[TARGETS.resolve(target)][1]
            elif mj_target_version(str(target), self.spec) is None:
                raise ConfigError(f"unknown target {target!r}; use mj, mj-<version>, niji-<n> or one of "
                                  f"{', '.join(n for n in TARGETS.names if n != 'mj')}")
        self.index = SpecIndex(self.spec)
        self.rule_dirs = tuple(rule_dirs)
        if version is None:
            version = self.spec.default_version
        normalized = self.spec.normalize_version(str(version))
        if normalized is None:
            raise ConfigError(
                f"unknown target version {version!r}; use one of {', '.join(self.spec.versions)}"
            )
        self.version = normalized
        self.rules = _rules_for(tuple(select) if select else None, tuple(ignore) if ignore else None)
        self._masks = [sum(_BIT[f] for f in r.needs) for r in self.rules]
        self._by_features: dict[int, tuple[Rule, ...]] = {}

    def _rules_for_prompt(self, prompt: Prompt) -> tuple[Rule, ...]:
        """The rules that can find something in a prompt with these features (cached per mask)."""
        text = prompt.text
        mask = (
            (_BIT["text"] if prompt.segments else 0)
            | (_BIT["comma"] if "," in text or ";" in text or "\n" in text else 0)
            | (_BIT["apostrophe"] if "'" in text or "‘" in text else 0)
            | (_BIT["markup"] if "(" in text or "[" in text or "<" in text or ":" in text else 0)
            | (_BIT["params"] if prompt.params else 0)
            | (_BIT["images"] if prompt.images else 0)
            | (_BIT["quotes"] if prompt.quotes else 0)
            | (_BIT["separator"] if "::" in prompt.source else 0)
            | (_BIT["permutations"] if prompt.permutations else 0)
            | (_BIT["diagnostics"] if prompt.diagnostics else 0)
        )
        rules = self._by_features.get(mask)
        if rules is None:
            rules = self._by_features[mask] = tuple(
                r for r, need in zip(self.rules, self._masks) if not need or need & mask
            )
        return rules

    def context(self, prompt: Prompt) -> Context:
        """The rule context for one prompt."""
        ctx = Context(prompt, self.spec, self.version, self.rule_dirs, self.index)
        ctx.encoder = self.encoder
        return ctx

    def lint(self, prompt: Prompt | str) -> list[Diagnostic]:
        """Every diagnostic for `prompt`, sorted by position then code."""
        if isinstance(prompt, str):
            prompt = parse(prompt, self.spec)
        ctx = self.context(prompt)
        out: list[Diagnostic] = []
        rules = self._rules_for_prompt(prompt)
        if len(prompt.source) > MAX_PROMPT_CHARS:  # too long to read: PS013 says so, nothing else runs
            rules = tuple(r for r in rules if r.code == TOO_LONG.code)
        for r in rules:
            ctx.rule = r
            out.extend(r.check(ctx))
        if len(out) > 1:
            out.sort(key=diagnostic_order)
        return out


@lru_cache(maxsize=16)
def _cached_linter(version: str | None, select: tuple[str, ...] | None, ignore: tuple[str, ...] | None) -> Linter:
    return Linter(version=version, select=select, ignore=ignore)


def lint(
    prompt: Prompt | str,
    *,
    version: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
) -> list[Diagnostic]:
    """Lint one prompt (text or parsed) and return its diagnostics in source order."""
    linter = _cached_linter(version, tuple(select) if select else None, tuple(ignore) if ignore else None)
    return linter.lint(prompt)
