"""One frozen `Settings`: everything a `Session` runs with, in one place.

`promptsmith.config.load_settings` reads them (defaults < user config < project config <
environment) and `Settings.with_overrides` puts the command-line flags on top. Settings are
frozen, hashable and picklable: a worker process or a Ray task is sent the Settings and rebuilds
its `Session` from them, and the llm engine keeps one loaded model per Settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from promptsmith.registries import ENGINES, GENERATORS, LLM_JOBS, WRITE_MODES

#: compare's thresholds, measured by `python -m eval.compare_eval` (all-MiniLM-L6-v2): no rules
#: rewrite of the shared set falls below 0.6 against its own original (p1 0.73), and ~all fall
#: below it against another prompt (p90 0.39). A lost word counts as said in other words only at
#: 0.8: synonyms score 0.85–0.94 (huge/enormous, photo/photograph, octane render/rendered in
#: Octane) while substitutions reach 0.73 (red/blue, dusk/sunset, cat/dog 0.66).
SIMILARITY_THRESHOLD = 0.6
TERM_THRESHOLD = 0.8


@dataclass(frozen=True)
class Settings:
    """Resolved settings; `sources` says where each non-default value came from.

    The fields up to `history_size` are the config keys (`promptsmith.config.KEYS`), in the order
    `--show-settings` lists them; the `llm_*` fields after them are the rewrite command's flags
    for the llm engine, which no config file sets.
    """

    target_version: str | None = None
    #: What a rewrite writes for (promptsmith.rewriters.targets): None is `mj`, Midjourney at
    #: `target_version`.
    target: str | None = None
    select: tuple[str, ...] | None = None
    #: Rules added to `select` (ruff's extend-select): no effect when every rule is selected.
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    rule_dirs: tuple[Path, ...] = ()
    #: The llm engine's model: a name `promptsmith models` prints, or a GGUF file.
    model: str | None = None
    embed_model: str | None = None
    #: The rewrite engine (`promptsmith.registries.ENGINES`; rules by default, on every face).
    engine: str = ENGINES.default or "rules"
    #: The render server's URL (previews); None renders in-process.
    backend: str | None = None
    family: str | None = None  # None: the loaded pipeline's (or the render server's) family
    similarity_threshold: float = SIMILARITY_THRESHOLD
    term_threshold: float = TERM_THRESHOLD
    embed_cache: bool = False
    #: How the embedding model runs: auto (NumPy for BERT models on a CPU), numpy, or torch.
    embed_runtime: str = "auto"
    #: Rewrites the TUI keeps in its history file (older ones are pruned).
    history_size: int = 5_000
    #: The llm engine's model runtime (`promptsmith.registries.GENERATORS`).
    llm_backend: str = GENERATORS.default or "llama-cpp"
    #: What the model does (`promptsmith.registries.LLM_JOBS`).
    llm_jobs: tuple[str, ...] = (LLM_JOBS.default or "rank",)
    temperature: float = 0.0
    seed: int = 0
    closed_vocabulary: bool = False
    #: llama.cpp threads; None: the physical cores less one (`backends.cpu.llm_threads`).
    threads: int | None = None
    #: The write job's mode (`promptsmith.registries.WRITE_MODES`): locked, free or trained.
    write_mode: str = WRITE_MODES.default or "locked"
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def selected(self) -> tuple[str, ...] | None:
        """The rule selectors in effect: `select` and `extend-select`, or None for every rule."""
        if self.select is None:
            return None
        return tuple(dict.fromkeys((*self.select, *self.extend_select)))

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with the non-None values set (command-line flags)."""
        given = {k: v for k, v in values.items() if v is not None and v != ()}
        if not given:
            return self
        sources = dict(self.sources)
        sources.update({k: "command line" for k in given})
        return replace(self, **given, sources=sources)

    def resolved(self) -> Settings:
        """The same settings with every registered name in its canonical form (an alias such as
        `hf` becomes `transformers`) and every list a tuple (so they hash); an unknown name is a
        `ConfigError` that lists the known ones."""
        engine = ENGINES.resolve(self.engine)
        jobs = tuple(LLM_JOBS.resolve(j) for j in self.llm_jobs)
        canonical = replace(self, engine=engine, llm_jobs=jobs, llm_backend=GENERATORS.resolve(self.llm_backend),
                            write_mode=WRITE_MODES.resolve(self.write_mode),
                            select=None if self.select is None else tuple(self.select),
                            extend_select=tuple(self.extend_select), ignore=tuple(self.ignore),
                            rule_dirs=tuple(self.rule_dirs))
        return self if canonical == self else canonical
