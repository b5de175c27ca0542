"""Every lint, fix, rewrite and compare call the TUI makes, behind one small object.

The app never calls a service module directly: it holds a `TuiService` (or anything with the
same methods, e.g. one wrapping a configured session) and the engine choices it offers come from
`ENGINE_CHOICES`. No textual import here: the adapter is testable without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promptsmith.core.fix import FixResult
    from promptsmith.core.model import Diagnostic, Prompt
    from promptsmith.services.compare import Comparison
    from promptsmith.services.rewrite import RewriteResult


@dataclass(frozen=True)
class EngineChoice:
    """One entry of the TUI's engine switch (ctrl+e): a rewrite engine and the LLM jobs it runs."""

    label: str
    engine: str  # one of promptsmith.services.rewrite.ENGINES
    jobs: tuple[str, ...] = ()

    @property
    def uses_model(self) -> bool:
        return self.engine != "rules"

    @property
    def streams(self) -> bool:
        """Whether the model writes text (tokens to show as they arrive)."""
        return "write" in self.jobs


#: What ctrl+e cycles through, in order.
ENGINE_CHOICES: tuple[EngineChoice, ...] = (
    EngineChoice("rules", "rules"),
    EngineChoice("llm rank", "llm", ("rank",)),
    EngineChoice("llm write", "llm", ("write",)),
    EngineChoice("auto", "auto", ("rank",)),
)


def choice_for(name: str, choices: Sequence[EngineChoice] = ENGINE_CHOICES) -> EngineChoice:
    """The choice labelled `name`, else the first one running engine `name` (`llm` → llm rank)."""
    for c in choices:
        if c.label == name:
            return c
    return next((c for c in choices if c.engine == name), choices[0])


class TuiService:
    """The default adapter: the services with default settings (or a rule directory, an embedder
    for comparisons, and a model backend object built by the caller)."""

    def __init__(self, *, rule_dirs: Sequence[Path] = (), embedder: Any = None, generator: Any = None,
                 engines: Sequence[EngineChoice] = ENGINE_CHOICES) -> None:
        self.rule_dirs = tuple(rule_dirs)
        self.embedder = embedder
        self.generator = generator
        self.engines = tuple(engines)
        self._linters: dict[str, Any] = {}
        self._llm: dict[tuple[tuple[str, ...], str], Any] = {}

    def versions(self) -> tuple[str, ...]:
        """The versions a brief can target, newest first (no test models)."""
        from promptsmith.services.rewrite import target_versions

        return tuple(v for v in reversed(target_versions()) if v not in ("test", "testp"))

    def parse(self, text: str) -> Prompt:
        """The prompt as the linter reads it (the parameter table of the rule directories)."""
        from promptsmith.core.parse import parse
        from promptsmith.core.spec import load_spec

        return parse(text, load_spec(self.rule_dirs))

    def lint(self, prompt: Prompt | str, version: str) -> list[Diagnostic]:
        """The findings for the prompt on `version` (called on every keystroke)."""
        linter = self._linters.get(version)
        if linter is None:
            from promptsmith.lint.engine import Linter

            linter = self._linters[version] = Linter(version=version, rule_dirs=self.rule_dirs)
        return linter.lint(prompt)

    def fix(self, text: str, version: str) -> FixResult:
        """The safe fixes applied until nothing changes."""
        from promptsmith.core.fix import fix_text

        return fix_text(text, lambda t: self.lint(t, version))

    def rewrite(self, text: str, choice: EngineChoice, version: str,
                on_token: Callable[[str], None] | None = None) -> RewriteResult:
        """The brief for `text` with the chosen engine; `on_token` sees written text as it arrives."""
        if self.generator is not None and choice.uses_model:  # a model object the caller built
            from promptsmith.services.llm import LlmRewriter

            key = (choice.jobs, version)
            if key not in self._llm:
                self._llm[key] = LlmRewriter(self.generator, jobs=choice.jobs, target_version=version,
                                             rule_dirs=self.rule_dirs)
            return self._llm[key].rewrite(text, on_token=on_token)
        from promptsmith.services.llm import LlmOptions
        from promptsmith.services.rewrite import rewrite

        return rewrite(text, engine=choice.engine, target_version=version, rule_dirs=self.rule_dirs,
                       llm=LlmOptions(jobs=choice.jobs or ("rank",)), on_token=on_token)

    def compare(self, a: str, b: str) -> Comparison:
        from promptsmith.services.compare import compare

        return compare(a, b, embedder=self.embedder)
