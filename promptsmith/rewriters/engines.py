"""Rewrite engines: one protocol, and every engine by name from the registry.

An engine turns one prompt into a `RewriteResult` for a Midjourney version. It is built from the
session's `Settings` (and, for a model, a generator object the caller built, if any); the
`Session` picks it by name from `promptsmith.registries.ENGINES` ("module:Class"), then writes
the result for its target (`targets.retarget`) and adds the meaning check when asked.

A new engine is one class with this protocol and one line in `ENGINES`. What a face needs to
know about an engine is a property of the engine, never a test of its name: `needs_model` (a
worker pool is spawned for it, not forked; `--workers auto` keeps it in one process; a Ray run
gives it actors that load the model once) and `choices` (the TUI's engine switch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from promptsmith.errors import BackendUnavailable, ModelNotFound
from promptsmith.registries import ENGINES, LLM_JOBS

if TYPE_CHECKING:
    from promptsmith.backends.base import Generator
    from promptsmith.rewriters.result import RewriteResult
    from promptsmith.settings import Settings


class RewriteEngine(Protocol):
    """What every rewrite engine is; its class is built as `Engine(settings, generator=None)`."""

    #: The registered name (`promptsmith.registries.ENGINES`).
    name: ClassVar[str]
    #: Whether it may run a model (a worker process that may load one is spawned, not forked).
    needs_model: ClassVar[bool]
    #: The settings it was built from (its typed options: rule directories, model, jobs …).
    settings: Settings

    @classmethod
    def choices(cls) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(label, LLM jobs) for each way a face offers this engine (the TUI's ctrl+e)."""
        ...

    def prepare(self, target_version: str, *, load: bool = False) -> None:
        """Build what a rewrite needs now, so bad settings or a missing model fail once, before
        any output; with `load`, a model's weights load now too (a Ray actor, before its first batch)."""
        ...

    def rewrite(self, text: str, *, target_version: str,
                on_token: Callable[[str], None] | None = None) -> RewriteResult:
        """One prompt rewritten for `target_version`; `on_token` sees text a model writes as it comes."""
        ...


def engine_class(name: str) -> Any:
    """The class registered under engine `name` (or one of its aliases), imported now."""
    return ENGINES[name].load()


def load_engine(name: str, settings: Settings, generator: Generator | None = None) -> RewriteEngine:
    """Engine `name` built from `settings` (and the caller's generator object, for a model)."""
    engine: RewriteEngine = engine_class(name)(settings, generator=generator)
    return engine


class AutoEngine:
    """The llm engine when its model is available, else the rules engine, with the reason in
    `RewriteResult.fallback`. Both come from the registry, so a changed engine is used here too."""

    name = "auto"
    needs_model = True

    def __init__(self, settings: Settings, *, generator: Generator | None = None) -> None:
        self.settings = settings
        self.generator = generator
        self.rules = load_engine("rules", settings)
        self._model: RewriteEngine | None = None

    def model(self) -> RewriteEngine:
        """The llm engine, built on first use (an extra it needs may be missing: then this raises
        BackendUnavailable, and the rules engine stands in)."""
        if self._model is None:
            self._model = load_engine("llm", self.settings, self.generator)
        return self._model

    @classmethod
    def choices(cls) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return ((cls.name, (LLM_JOBS.default or "rank",)),)

    def prepare(self, target_version: str, *, load: bool = False) -> None:
        """The rules engine now; the model only when `load` asks for it, and a missing one is
        no error (the rules engine stands in)."""
        self.rules.prepare(target_version)
        if load:
            try:
                self.model().prepare(target_version, load=True)
            except (ModelNotFound, BackendUnavailable):
                pass

    def rewrite(self, text: str, *, target_version: str,
                on_token: Callable[[str], None] | None = None) -> RewriteResult:
        try:
            return self.model().rewrite(text, target_version=target_version, on_token=on_token)
        except (ModelNotFound, BackendUnavailable) as exc:
            result = self.rules.rewrite(text, target_version=target_version)
            return result.model_copy(update={"fallback": f"no LLM: {exc}"})
