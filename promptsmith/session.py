"""One session from the settings: the linter, the rewrite engines, the embedder and the renderers,
built once and handed to every face.

    session = Session.from_config()            # the config files, the environment
    session.lint("portrait, 8k --v 6")         # honours select, ignore, extend-select, rule-dirs
    session.rewrite("portrait, 8k").output     # the configured engine, model, target version

`Session(settings)` is the one way a face runs work: the CLI builds one per command (and its
worker processes rebuild one from the same `Settings`), the Ray stages build one per task or
actor, the TUI is given one, and the module-level API (`promptsmith.lint`, `fix`, `rewrite`)
runs on `Session()` with default settings unless handed another. Building a session loads
nothing: each part is made on first use and kept. Light: no model library is imported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptsmith.config import load_settings
from promptsmith.core.spec import load_spec
from promptsmith.errors import ConfigError
from promptsmith.registries import ENGINES, RENDERERS
from promptsmith.settings import Settings

if TYPE_CHECKING:
    from promptsmith.backends.base import Embedder, Generator, Renderer
    from promptsmith.core.fix import FixResult
    from promptsmith.core.model import Diagnostic, Prompt
    from promptsmith.linter.engine import Linter
    from promptsmith.rewriters.engines import RewriteEngine
    from promptsmith.rewriters.result import RewriteResult
    from promptsmith.services.compare import Comparison
    from promptsmith.services.preview import PreviewResult


class Session:
    """The services one set of settings gives: build once, use from any face, any thread.

    `generator` and `embedder` are objects the caller built (a model for the llm engine, an
    embedder for compare and `check`), used in place of the ones the settings name; they stay in
    this process (a worker rebuilds its session from `settings` alone)."""

    def __init__(self, settings: Settings | None = None, *, generator: Generator | None = None,
                 embedder: Embedder | None = None) -> None:
        #: The settings with every registered name canonical (an unknown one is a ConfigError here).
        self.settings = (settings or Settings()).resolved()
        self.generator = generator
        self.given_embedder = embedder
        self._linters: dict[tuple[str | None, tuple[str, ...] | None], Linter] = {}
        self._engines: dict[str, RewriteEngine] = {}

    @classmethod
    def from_config(cls, cwd: Path | None = None, *, project: Path | None = None, **overrides: Any) -> Session:
        """A session from the config files and the environment (as the CLI reads them), with
        `overrides` (settings fields, e.g. `engine="llm"`, `llm_jobs=("write",)`) on top."""
        return cls(load_settings(cwd=cwd, project=project).with_overrides(**overrides))

    def with_options(self, **overrides: Any) -> Session:
        """A session with some settings changed (and the same objects the caller gave)."""
        return Session(self.settings.with_overrides(**overrides), generator=self.generator,
                       embedder=self.given_embedder)

    # -- settings --------------------------------------------------------------------------------
    @property
    def engine(self) -> str:
        """The configured rewrite engine's name."""
        return self.settings.engine

    @property
    def rule_dirs(self) -> tuple[Path, ...]:
        return tuple(self.settings.rule_dirs)

    @cached_property
    def spec(self) -> Any:
        return load_spec(self.rule_dirs)

    @property
    def versions(self) -> tuple[str, ...]:
        """The versions this session can lint for and rewrite to (with the user's rule files)."""
        return self.spec.versions

    @property
    def target_version(self) -> str:
        """The configured version, or the parameter table's default."""
        return self.settings.target_version or self.spec.default_version

    @property
    def target(self) -> str | None:
        """The configured rewrite target (`mj`, `mj-7`, `sdxl`, …); None is Midjourney at the target version."""
        return self.settings.target

    # -- lint ------------------------------------------------------------------------------------
    def linter(self, version: str | None = None, select: list[str] | tuple[str, ...] | None = None) -> Linter:
        """A linter with the settings' rule selection (or `select`), for `version` (default: the
        configured one); made once per version and kept."""
        key = (version, tuple(select) if select is not None else None)
        if key not in self._linters:
            from promptsmith.linter.engine import Linter  # deferred: speed of `import promptsmith`

            s = self.settings
            self._linters[key] = Linter(version=version or s.target_version,
                                        select=list(select) if select is not None else s.selected,
                                        ignore=list(s.ignore), rule_dirs=self.rule_dirs, target=s.target)
        return self._linters[key]

    def lint(self, prompt: str | Prompt, version: str | None = None) -> list[Diagnostic]:
        """The prompt's diagnostics, sorted by position then code."""
        return self.linter(version).lint(prompt)

    def fix(self, text: str, *, unsafe: bool = False, version: str | None = None) -> FixResult:
        """Apply safe fixes (and unsafe ones when asked) until none is left."""
        from promptsmith.core.fix import fix_text  # deferred: speed of `import promptsmith`

        return fix_text(text, self.linter(version).lint, unsafe=unsafe)

    # -- rewrite ---------------------------------------------------------------------------------
    def rewrite_engine(self, name: str | None = None) -> RewriteEngine:
        """Engine `name` (default: the configured one) from the registry, built once and kept."""
        name = ENGINES.resolve(name or self.engine)
        if name not in self._engines:
            from promptsmith.rewriters.engines import load_engine  # deferred: speed of `import promptsmith`

            self._engines[name] = load_engine(name, self.settings, self.generator)
        return self._engines[name]

    def rewrite(self, text: str, *, engine: str | None = None, target_version: str | None = None,
                check: bool = False, on_token: Callable[[str], None] | None = None,
                target: str | None = None) -> RewriteResult:
        """Rewrite one prompt with `engine` (default: the configured one, else rules), for `target`
        (default: the configured one).

        target: a name of promptsmith.rewriters.targets.target_names(): `mj` (Midjourney at
        `target_version`, the default), `mj-7`, `niji-7` … (that version: it overrides
        `target_version`), or an open pipeline (`sd15`, `sdxl`, `flux`, `sd3`, `qwen-image`: the
        brief for `target_version`, then the pipeline's dialect, in `RewriteResult.prompt`).

        engine: `rules` (deterministic), `llm` (a local model does the settings' jobs; a missing
        model is an error), or `auto` (the LLM when a model is available, else the rules engine,
        with the reason in `RewriteResult.fallback`). With `check`, the result carries a meaning
        check against the input (`RewriteResult.check`)."""
        from promptsmith.rewriters.targets import resolve_target, retarget  # deferred: speed of `import promptsmith`

        version = target_version or self.target_version
        goal = resolve_target(target or self.target, self.spec, version)
        if goal.version is not None:  # a target that names a version (`mj-7`) overrides the version
            version = goal.version
        result = self.rewrite_engine(engine).rewrite(text, target_version=version, on_token=on_token)
        result = retarget(result, goal)
        if check:
            result = result.model_copy(update={"check": self.compare(text, result.output)})
        return result

    def prepare(self, engine: str | None = None, target_version: str | None = None, *, load: bool = False) -> None:
        """Build what a rewrite with `engine` needs now, so bad settings or a missing model fail
        once, before any output (the CLI calls this before it reads its input); with `load`, a
        model's weights load now too (a Ray actor, before its first batch)."""
        self.rewrite_engine(engine).prepare(target_version or self.target_version, load=load)

    # -- compare ---------------------------------------------------------------------------------
    def embedder(self, progress: bool = False) -> Embedder:
        """The caller's embedder, else the configured sentence-embedding model (loaded once per
        process; `progress` shows its loading bars)."""
        if self.given_embedder is not None:
            return self.given_embedder
        from promptsmith.services.compare import default_embedder  # deferred: speed of `import promptsmith`

        s = self.settings
        return default_embedder(s.embed_model, s.embed_cache, s.embed_runtime, progress)

    def compare(self, a: str, b: str, *, progress: bool = False) -> Comparison:
        """Does B still ask for what A asked for? With the configured model and thresholds."""
        from promptsmith.services.compare import compare  # deferred: speed of `import promptsmith`

        s = self.settings
        return compare(a, b, embedder=self.embedder(progress), similarity_threshold=s.similarity_threshold,
                       term_threshold=s.term_threshold)

    def compare_many(self, pairs: Iterable[tuple[str, str]], *, window: int = 64,
                     progress: bool = False) -> Iterator[Comparison]:
        """`compare` over (a, b) pairs, in order, embedding each window of pairs in one batch."""
        from promptsmith.services.compare import compare_many  # deferred: speed of `import promptsmith`

        s = self.settings
        return compare_many(pairs, embedder=self.embedder(progress), window=window,
                            similarity_threshold=s.similarity_threshold, term_threshold=s.term_threshold)

    # -- render ----------------------------------------------------------------------------------
    def renderer(self, pipeline: str | None = None, backend: str | None = None, *, token: str | None = None,
                 **options: Any) -> Renderer:
        """A render server client (`backend` URL, or the settings' `backend`), else an in-process
        diffusers pipeline (`pipeline` folder)."""
        url = backend or (None if pipeline else self.settings.backend)
        if url:
            return RENDERERS["http"].load()(url, token=token)
        if not pipeline:
            raise ConfigError("give a pipeline folder (--pipeline DIR) or a render server (--backend URL)")
        return RENDERERS["diffusers"].load()(pipeline, **options)

    def preview(self, prompt: str, renderer: Renderer, *, family: str | None = None, out_dir: Path = Path("previews"),
                compare_with: str | None = None, seed: int | None = None, steps: int | None = None,
                scorer: Any = None, pixels: int | None = None) -> PreviewResult:
        """Render `prompt` (and, with `compare_with`, a second prompt with the same seeds) to a
        PNG and its sidecar, for `family` (default: the settings' family, else the renderer's own)."""
        from promptsmith.services.preview import preview  # deferred: speed of `import promptsmith`

        return preview(prompt, renderer, family=family or self.settings.family, out_dir=out_dir,
                       compare_with=compare_with, seed=seed, steps=steps, scorer=scorer, pixels=pixels)


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
        base = default_session().settings
        _BY_SELECTION[key] = Session(replace(base, select=key[0], ignore=key[1]))
    return _BY_SELECTION[key]


_BY_SELECTION: dict[tuple[Any, ...], Session] = {}
