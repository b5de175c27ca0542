"""The llm engine: the rules engine plus a local model doing the jobs the settings ask for.

`LlmEngine` is the engine protocol's face of `LlmRewriter` (`promptsmith.rewriters.engines`);
`get_llm_rewriter` loads the model once per settings and target version (the trained write mode
runs the packaged model with the packaged adapter, `rewrite.llm.trained`). A generator object
the caller built (tests, the TUI embedded in another program) stands in for the loaded model.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from promptsmith.backends.base import Generator
from promptsmith.backends.chat import chat_template, load_generator
from promptsmith.backends.models import default_model_path, resolve_model_path
from promptsmith.errors import ConfigError, ModelNotFound
from promptsmith.registries import LLM_JOBS
from promptsmith.rewriters.llm.rewriter import LlmRewriter
from promptsmith.rewriters.llm.trained import adapter_metadata, packaged_adapter
from promptsmith.rewriters.result import RewriteResult
from promptsmith.rewriters.rules import get_rewriter
from promptsmith.settings import Settings


class LlmEngine:
    """The llm engine: a missing model is an error (`auto` falls back instead)."""

    name = "llm"
    needs_model = True

    def __init__(self, settings: Settings, *, generator: Generator | None = None) -> None:
        self.settings = settings
        #: A model object the caller built; None loads the settings' model.
        self.generator = generator
        self._given: dict[str, LlmRewriter] = {}

    @classmethod
    def choices(cls) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """One per job that reads differently (rank, write): classify only moves terms between slots."""

        return tuple((f"{cls.name} {job}", (job,)) for job in LLM_JOBS.names if job != "classify")

    def rewriter(self, target_version: str) -> LlmRewriter:
        """The LLM rewriter for a target version; a model file loads on first use (a missing one
        is an error here, with how to get one)."""
        if self.generator is None:
            return get_llm_rewriter(self.settings, target_version)
        if target_version not in self._given:
            s = self.settings
            self._given[target_version] = LlmRewriter(self.generator, jobs=s.llm_jobs, target_version=target_version,
                                                      rule_dirs=s.rule_dirs, write_mode=s.write_mode)
        return self._given[target_version]

    def prepare(self, target_version: str, *, load: bool = False) -> None:
        get_rewriter(target_version, self.settings.rule_dirs)
        rewriter = self.rewriter(target_version)
        if load:
            rewriter.rank(["a warm-up.", "a warm up."])  # loads the weights now, not in the first batch

    def rewrite(self, text: str, *, target_version: str,
                on_token: Callable[[str], None] | None = None) -> RewriteResult:
        return self.rewriter(target_version).rewrite(text, on_token=on_token)


def trained_adapter(settings: Settings) -> Path:
    """The packaged adapter, for the packaged model on llama.cpp (what it was trained for)."""

    if settings.llm_backend != "llama-cpp" or resolve_model_path(settings.model) != default_model_path():
        raise ConfigError("the trained write mode runs the packaged SmolLM2 with its adapter on llama.cpp; "
                          "with another model use --write-mode free or locked")
    adapter = packaged_adapter()
    if adapter is None:
        raise ModelNotFound("this promptsmith ships no trained adapter (promptsmith/adapters/); rebuild it with "
                            "scripts/train_adapter.py, or use --write-mode locked")
    return adapter


@lru_cache(maxsize=4)
def get_llm_rewriter(settings: Settings = Settings(), target_version: str | None = None) -> LlmRewriter:
    """A cached LLM rewriter for the settings' model, jobs and rule directories; the model itself
    loads on first use. The trained write mode runs the packaged model with the packaged adapter
    (`rewrite.llm.trained`)."""
    extra: dict[str, Any] = {}
    trained_input = "notes"
    if "write" in settings.llm_jobs and settings.write_mode == "trained":
        extra["lora"] = trained_adapter(settings)
        trained_input = adapter_metadata(extra["lora"]).get("input", "notes")
    generator = load_generator(settings.model, settings.llm_backend, seed=settings.seed, n_threads=settings.threads,
                               **extra)
    return LlmRewriter(generator, jobs=settings.llm_jobs, target_version=target_version,
                       temperature=settings.temperature, seed=settings.seed,
                       closed_vocabulary=settings.closed_vocabulary, template=chat_template(generator),
                       rule_dirs=settings.rule_dirs, write_mode=settings.write_mode, trained_input=trained_input)
