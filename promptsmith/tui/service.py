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
    from promptsmith.rewrite.result import RewriteResult


@dataclass(frozen=True)
class EngineChoice:
    """One entry of the TUI's engine switch (ctrl+e): a rewrite engine and the LLM jobs it runs."""

    label: str
    engine: str  # one of promptsmith.registries.ENGINES
    jobs: tuple[str, ...] = ()

    @property
    def uses_model(self) -> bool:
        return self.engine != "rules"

    @property
    def streams(self) -> bool:
        """Whether the model writes text (tokens to show as they arrive)."""
        return "write" in self.jobs


def _choices() -> tuple[EngineChoice, ...]:
    """What ctrl+e cycles through, from the registries: each engine once, the llm engine once per
    job that reads differently (rank, write), in the registries' order."""
    from promptsmith.registries import ENGINES, LLM_JOBS

    out: list[EngineChoice] = []
    for engine in ENGINES.names:
        if engine == "llm":
            out += [EngineChoice(f"llm {job}", "llm", (job,)) for job in LLM_JOBS.names if job != "classify"]
        else:
            out.append(EngineChoice(engine, engine, () if engine == "rules" else (LLM_JOBS.default or "rank",)))
    return tuple(out)


#: What ctrl+e cycles through, in order.
ENGINE_CHOICES: tuple[EngineChoice, ...] = _choices()


def choice_for(name: str, choices: Sequence[EngineChoice] = ENGINE_CHOICES) -> EngineChoice:
    """The choice labelled `name`, else the first one running engine `name` (`llm` → llm rank)."""
    for c in choices:
        if c.label == name:
            return c
    return next((c for c in choices if c.engine == name), choices[0])


class TuiService:
    """The default adapter: a `Session` (the CLI hands the TUI the one it built from the config,
    so the TUI lints with its select/ignore/rule-dirs and rewrites with its rule-dirs, model and
    thresholds), or a caller's generator object for the model (tests, embedding the TUI)."""

    def __init__(self, session: Any = None, *, rule_dirs: Sequence[Path] = (), embedder: Any = None,
                 generator: Any = None, engines: Sequence[EngineChoice] = ENGINE_CHOICES) -> None:
        from promptsmith.config import Config
        from promptsmith.session import Session

        if session is None:
            session = Session(Config(rule_dirs=tuple(rule_dirs)))
        self.session = session
        self.rule_dirs = session.rule_dirs
        self.embedder = embedder
        self.generator = generator
        self.engines = tuple(engines)
        self._llm: dict[tuple[tuple[str, ...], str], Any] = {}

    def versions(self) -> tuple[str, ...]:
        """The versions a brief can target, newest first (no test models)."""
        return tuple(v for v in reversed(self.session.versions) if v not in ("test", "testp"))

    def parse(self, text: str) -> Prompt:
        """The prompt as the linter reads it (the parameter table of the rule directories)."""
        from promptsmith.core.parse import parse

        return parse(text, self.session.spec)

    def lint(self, prompt: Prompt | str, version: str) -> list[Diagnostic]:
        """The findings for the prompt on `version` (called on every keystroke)."""
        return self.session.lint(prompt, version=version)

    def read_version(self, prompt: Prompt, version: str) -> str:
        """The version lint reads `prompt` for: its own --v/--niji, else `version`."""
        from promptsmith.lint.context import read_version

        return read_version(prompt, self.session.spec, version)

    def fix(self, text: str, version: str) -> FixResult:
        """The safe fixes applied until nothing changes."""
        return self.session.fix(text, version=version)

    @property
    def target(self) -> str | None:
        """The configured rewrite target (`--target`, config `target`); None is Midjourney."""
        return self.session.target

    def rewrite(self, text: str, choice: EngineChoice, version: str,
                on_token: Callable[[str], None] | None = None, target: str | None = None) -> RewriteResult:
        """The brief for `text` with the chosen engine, written for `target` (default: Midjourney
        at `version`); `on_token` sees written text as it arrives."""
        if self.generator is not None and choice.uses_model:  # a model object the caller built
            from promptsmith.rewrite.llm.rewriter import LlmRewriter
            from promptsmith.rewrite.rules.engine import retarget
            from promptsmith.rewrite.targets import resolve_target

            key = (choice.jobs, version)
            if key not in self._llm:
                self._llm[key] = LlmRewriter(self.generator, jobs=choice.jobs, target_version=version,
                                             rule_dirs=self.rule_dirs, write_mode=self.session.llm.write_mode)
            result = self._llm[key].rewrite(text, on_token=on_token)
            return retarget(result, resolve_target(target, self.session.spec, version))
        from dataclasses import replace

        session = self.session
        if choice.jobs and tuple(choice.jobs) != tuple(session.llm.jobs):
            session = session.with_options(llm=replace(session.llm, jobs=tuple(choice.jobs)))
        return session.rewrite(text, engine=choice.engine, target_version=version, on_token=on_token,
                               target=target)

    def compare(self, a: str, b: str) -> Comparison:
        if self.embedder is not None:
            from promptsmith.services.compare import compare

            c = self.session.config
            return compare(a, b, embedder=self.embedder, similarity_threshold=c.similarity_threshold,
                           term_threshold=c.term_threshold)
        return self.session.compare(a, b)

    def renderer(self, url: str) -> Any:
        """The render server client for previews (the session's renderer registry)."""
        return self.session.renderer(backend=url)
