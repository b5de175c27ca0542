"""One session from the config: the linter, the rewriters, the LLM options, the embedder and the
renderers, built once and handed to every face.

    session = Session.from_config()            # the config files, the environment
    session.lint("portrait, 8k --v 6")         # honours select, ignore, extend-select, rule-dirs
    session.rewrite("portrait, 8k").output     # the configured engine, model, target version

The CLI builds one per command, the TUI is given one, and the module-level API
(`promptsmith.lint`, `fix`, `rewrite`, `compare`) runs on `Session()` with default settings
unless handed another. Building a session loads nothing: each part is made on first use and
kept. Light: no model library is imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptsmith.config import Config, load_config
from promptsmith.registries import ENGINES, GENERATORS, LLM_JOBS, RENDERERS, WRITE_MODES

if TYPE_CHECKING:
    from promptsmith.backends.base import Embedder, Renderer
    from promptsmith.core.fix import FixResult
    from promptsmith.core.model import Diagnostic, Prompt
    from promptsmith.lint.engine import Linter
    from promptsmith.services.compare import Comparison
    from promptsmith.rewrite.llm.rewriter import LlmOptions, LlmRewriter
    from promptsmith.rewrite.result import RewriteResult
from promptsmith.rewrite.rules import Rewriter


@dataclass(frozen=True)
class LlmSettings:
    """How the llm engine runs, beyond the config's `model` (the CLI's --llm-* flags)."""

    backend: str = GENERATORS.default or "llama-cpp"
    jobs: tuple[str, ...] = (LLM_JOBS.default or "rank",)
    temperature: float = 0.0
    seed: int = 0
    closed_vocabulary: bool = False
    #: llama.cpp threads; None: the physical cores less one (at least one).
    threads: int | None = None
    #: The write job's mode: locked (the default) or free.
    write_mode: str = WRITE_MODES.default or "locked"


class Session:
    """The services one configuration gives: build once, use from any face, any thread."""

    def __init__(self, config: Config | None = None, *, llm: LlmSettings | None = None) -> None:
        self.config = config or Config()
        self.llm = llm or LlmSettings()
        self.engine = ENGINES.resolve(self.config.engine)
        for job in self.llm.jobs:
            LLM_JOBS.resolve(job)
        GENERATORS.resolve(self.llm.backend)
        WRITE_MODES.resolve(self.llm.write_mode)
        self._linters: dict[tuple[str | None, tuple[str, ...] | None], Linter] = {}

    @classmethod
    def from_config(cls, cwd: Path | None = None, *, project: Path | None = None,
                    llm: LlmSettings | None = None, **overrides: Any) -> Session:
        """A session from the config files and the environment (as the CLI reads them), with
        `overrides` (config fields, e.g. `engine="llm"`) on top."""
        return cls(load_config(cwd=cwd, project=project).with_overrides(**overrides), llm=llm)

    def with_options(self, *, llm: LlmSettings | None = None, **overrides: Any) -> Session:
        """A session with some settings changed (config fields, or the LLM settings)."""
        return Session(self.config.with_overrides(**overrides), llm=llm or self.llm)

    # -- settings --------------------------------------------------------------------------------
    @property
    def rule_dirs(self) -> tuple[Path, ...]:
        return tuple(self.config.rule_dirs)

    @cached_property
    def spec(self) -> Any:
        from promptsmith.core.spec import load_spec

        return load_spec(self.rule_dirs)

    @property
    def versions(self) -> tuple[str, ...]:
        """The versions this session can lint for and rewrite to (with the user's rule files)."""
        return self.spec.versions

    @property
    def target_version(self) -> str:
        """The configured version, or the parameter table's default."""
        return self.config.target_version or self.spec.default_version

    # -- lint ------------------------------------------------------------------------------------
    def linter(self, version: str | None = None, select: list[str] | tuple[str, ...] | None = None) -> Linter:
        """A linter with the config's rule selection (or `select`), for `version` (default: the
        configured one); made once per version and kept."""
        key = (version, tuple(select) if select is not None else None)
        if key not in self._linters:
            from promptsmith.lint.engine import Linter

            self._linters[key] = Linter(version=version or self.config.target_version,
                                        select=list(select) if select is not None else self.config.selected,
                                        ignore=list(self.config.ignore), rule_dirs=self.rule_dirs,
                                        target=self.config.target)
        return self._linters[key]

    def lint(self, prompt: str | Prompt, version: str | None = None) -> list[Diagnostic]:
        """The prompt's diagnostics, sorted by position then code."""
        return self.linter(version).lint(prompt)

    def fix(self, text: str, *, unsafe: bool = False, version: str | None = None) -> FixResult:
        """Apply safe fixes (and unsafe ones when asked) until none is left."""
        from promptsmith.core.fix import fix_text

        return fix_text(text, self.linter(version).lint, unsafe=unsafe)

    # -- rewrite ---------------------------------------------------------------------------------
    def rewriter(self, target_version: str | None = None) -> Rewriter:
        """The rules engine for a target version (default: the configured one), cached."""
        from promptsmith.rewrite.rules import get_rewriter

        return get_rewriter(target_version or self.target_version, self.rule_dirs)

    @property
    def llm_options(self) -> LlmOptions:
        """The model and jobs the llm engine uses (hashable: one loaded model per set)."""
        from promptsmith.rewrite.llm.rewriter import LlmOptions

        s = self.llm
        return LlmOptions(model=self.config.model, backend=GENERATORS.resolve(s.backend),
                          jobs=tuple(LLM_JOBS.resolve(j) for j in s.jobs), temperature=s.temperature, seed=s.seed,
                          closed_vocabulary=s.closed_vocabulary, threads=s.threads,
                          write_mode=WRITE_MODES.resolve(s.write_mode))

    def llm_rewriter(self, target_version: str | None = None) -> LlmRewriter:
        """The llm engine for a target version; its model loads on first use (a missing model
        file is an error here, with how to get one)."""
        from promptsmith.rewrite.llm.rewriter import get_llm_rewriter

        return get_llm_rewriter(self.llm_options, target_version or self.target_version, self.rule_dirs)

    @property
    def target(self) -> str | None:
        """The configured rewrite target (`mj`, `mj-7`, `sdxl`, …); None is Midjourney at the target version."""
        return self.config.target

    def rewrite(self, text: str, *, engine: str | None = None, target_version: str | None = None,
                check: bool = False, on_token: Callable[[str], None] | None = None,
                target: str | None = None) -> RewriteResult:
        """Rewrite one prompt with `engine` (default: the configured one, else rules), for `target`
        (default: the configured one)."""
        from promptsmith.rewrite.rules.engine import rewrite

        return rewrite(text, engine=ENGINES.resolve(engine or self.engine), target=target or self.target,
                       target_version=target_version or self.target_version, rule_dirs=self.rule_dirs,
                       check=check, embedder=self.embedder() if check else None, llm=self.llm_options,
                       on_token=on_token, similarity_threshold=self.config.similarity_threshold,
                       term_threshold=self.config.term_threshold)

    def prepare(self, engine: str | None = None, target_version: str | None = None) -> None:
        """Build what a rewrite with `engine` needs now, so bad settings or a missing model fail
        once, before any output (the CLI calls this before it reads its input)."""
        engine = ENGINES.resolve(engine or self.engine)
        self.rewriter(target_version)
        if engine == "llm":
            self.llm_rewriter(target_version)

    # -- compare ---------------------------------------------------------------------------------
    def embedder(self) -> Embedder:
        """The configured sentence-embedding model (loaded once per process)."""
        from promptsmith.services.compare import default_embedder

        c = self.config
        return default_embedder(c.embed_model, c.embed_cache, c.embed_runtime)

    def compare(self, a: str, b: str) -> Comparison:
        """Does B still ask for what A asked for? With the configured model and thresholds."""
        from promptsmith.services.compare import compare

        return compare(a, b, embedder=self.embedder(), similarity_threshold=self.config.similarity_threshold,
                       term_threshold=self.config.term_threshold)

    # -- render ----------------------------------------------------------------------------------
    def renderer(self, pipeline: str | None = None, backend: str | None = None, *, token: str | None = None,
                 **options: Any) -> Renderer:
        """A render server client (`backend` URL, or the config's `backend`), else an in-process
        diffusers pipeline (`pipeline` folder)."""
        url = backend or (None if pipeline else self.config.backend)
        if url:
            return RENDERERS["http"].load()(url, token=token)
        if not pipeline:
            from promptsmith.errors import ConfigError

            raise ConfigError("give a pipeline folder (--pipeline DIR) or a render server (--backend URL)")
        return RENDERERS["diffusers"].load()(pipeline, **options)


def default_session() -> Session:
    """The session the module-level API uses: default settings, no config files read."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Session()
    return _DEFAULT


_DEFAULT: Session | None = None


def session_for(select: list[str] | None = None, ignore: list[str] | None = None) -> Session:
    """`default_session()` with the API's per-call rule selection (cached per selection)."""
    if select is None and ignore is None:
        return default_session()
    key = (tuple(select) if select else None, tuple(ignore) if ignore else ())
    if key not in _BY_SELECTION:
        if len(_BY_SELECTION) >= 32:
            _BY_SELECTION.pop(next(iter(_BY_SELECTION)))
        base = default_session().config
        _BY_SELECTION[key] = Session(replace(base, select=key[0], ignore=key[1]))
    return _BY_SELECTION[key]


_BY_SELECTION: dict[tuple[Any, ...], Session] = {}
