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

from promptsmith.core.edit import set_param
from promptsmith.core.fix import apply_edits, close_gaps
from promptsmith.core.parse import parse
from promptsmith.linter.context import read_version
from promptsmith.registries import ENGINES
from promptsmith.rewriters.engines import engine_class
from promptsmith.services.history import History
from promptsmith.services.preview import preview
from promptsmith.session import Session
from promptsmith.settings import Settings

if TYPE_CHECKING:
    from promptsmith.core.fix import FixResult
    from promptsmith.core.model import Diagnostic, Prompt
    from promptsmith.rewriters.result import RewriteResult
    from promptsmith.services.compare import Comparison
    from promptsmith.services.history import Entry
    from promptsmith.services.preview import PreviewResult


@dataclass(frozen=True)
class EngineChoice:
    """One entry of the TUI's engine switch (ctrl+e): a rewrite engine and the LLM jobs it runs."""

    label: str
    engine: str  # one of promptsmith.registries.ENGINES
    jobs: tuple[str, ...] = ()

    @property
    def uses_model(self) -> bool:
        return bool(engine_class(self.engine).needs_model)

    @property
    def streams(self) -> bool:
        """Whether the model writes text (tokens to show as they arrive)."""
        return "write" in self.jobs


def _choices() -> tuple[EngineChoice, ...]:
    """What ctrl+e cycles through, from the registries: each engine's own choices (the rules engine
    once, the llm engine once per job that reads differently), in the registries' order."""

    return tuple(EngineChoice(label, entry.name, jobs) for entry in ENGINES for label, jobs in entry.load().choices())


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
        if session is None:
            session = Session(Settings(rule_dirs=tuple(rule_dirs)))
        if embedder is not None or generator is not None:  # the caller's objects, in its session
            session = Session(session.settings, generator=generator or session.generator,
                              embedder=embedder or session.given_embedder)
        self.session = session
        self.rule_dirs = session.rule_dirs
        self.embedder = embedder
        self.generator = generator
        self.engines = tuple(engines)
        #: The session for each choice's LLM jobs (its engines and their models kept).
        self._by_jobs: dict[tuple[str, ...], Any] = {}

    def versions(self) -> tuple[str, ...]:
        """The versions a brief can target, newest first (no test models)."""
        return tuple(v for v in reversed(self.session.versions) if v not in ("test", "testp"))

    def parse(self, text: str) -> Prompt:
        """The prompt as the linter reads it (the parameter table of the rule directories)."""

        return parse(text, self.session.spec)

    def lint(self, prompt: Prompt | str, version: str) -> list[Diagnostic]:
        """The findings for the prompt on `version` (called on every keystroke)."""
        return self.session.lint(prompt, version=version)

    def read_version(self, prompt: Prompt, version: str) -> str:
        """The version lint reads `prompt` for: its own --v/--niji, else `version`."""

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
        session = self.session
        if choice.jobs and tuple(choice.jobs) != tuple(session.settings.llm_jobs):
            if choice.jobs not in self._by_jobs:
                self._by_jobs[choice.jobs] = session.with_options(llm_jobs=tuple(choice.jobs))
            session = self._by_jobs[choice.jobs]
        return session.rewrite(text, engine=choice.engine, target_version=version, on_token=on_token,
                               target=target)

    def compare(self, a: str, b: str) -> Comparison:
        """Does B still ask for what A asked for (the session's embedder and thresholds)."""
        return self.session.compare(a, b)

    def renderer(self, url: str) -> Any:
        """The render server client for previews (the session's renderer registry)."""
        return self.session.renderer(backend=url)

    # -- edits, history and previews: what the app would otherwise reach into core and services for
    def set_param(self, text: str, name: str, value: str | bool | None) -> str:
        """`text` with parameter `name` set to `value` (None or False removes it, True writes a
        flag); the other parameters and the text stay as written (the parameter fields)."""

        return set_param(text, name, value)

    def apply_fix(self, text: str, diagnostic: Diagnostic) -> str:
        """`text` with one finding's fix applied (safe or unsafe: the user chose it), and the gaps
        the removal left closed, as a fix pass closes them."""

        return close_gaps(apply_edits(text, diagnostic.fix.edits))  # type: ignore[union-attr]

    def remember(self, result: RewriteResult, path: Path | None, size: int) -> str:
        """Add a rewrite to the history at `path` (the default file when None), which keeps the
        last `size`; returns the history's notice ("" when all went well)."""

        history = History(path, size)
        history.add(result.input, result.output, result.engine)
        history.close()
        return history.notice

    def recent(self, path: Path | None, size: int) -> tuple[list[Entry], str]:
        """The history's entries at `path`, newest first, and its notice ("" when all went well)."""

        history = History(path, size)
        entries = history.recent()
        history.close()
        return entries, history.notice

    def preview(self, text: str, url: str, out_dir: Path) -> PreviewResult:
        """Render `text` on the render server at `url` into `out_dir` (the grid's PNG)."""

        return preview(text, self.renderer(url), out_dir=out_dir)
