"""Run the selected rules over a prompt and collect their diagnostics in source order."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from promptsmith.core.model import Diagnostic, Prompt
from promptsmith.core.parse import parse
from promptsmith.core.spec import Spec, load_spec
from promptsmith.lint.context import Context
from promptsmith.lint.registry import Rule, select_rules


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
    ) -> None:
        self.spec: Spec = load_spec(tuple(rule_dirs))
        self.rule_dirs = tuple(rule_dirs)
        if version is None:
            version = self.spec.default_version
        normalized = self.spec.normalize_version(str(version))
        if normalized is None:
            from promptsmith.errors import ConfigError

            raise ConfigError(
                f"unknown target version {version!r}; use one of {', '.join(self.spec.versions)}"
            )
        self.version = normalized
        self.rules = _rules_for(tuple(select) if select else None, tuple(ignore) if ignore else None)

    def context(self, prompt: Prompt) -> Context:
        """The rule context for one prompt."""
        return Context(prompt, self.spec, self.version, self.rule_dirs)

    def lint(self, prompt: Prompt | str) -> list[Diagnostic]:
        """Every diagnostic for `prompt`, sorted by position then code."""
        if isinstance(prompt, str):
            prompt = parse(prompt, self.spec)
        ctx = self.context(prompt)
        out: list[Diagnostic] = []
        for r in self.rules:
            ctx.rule = r
            out.extend(r.check(ctx))
        out.sort(key=Diagnostic.sort_key)
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
