"""promptsmith: lint Midjourney prompts and rewrite v5 keyword soup into v6 briefs.

The public API is light: `import promptsmith` loads no torch, transformers, diffusers,
llama_cpp, sentence_transformers or textual; the parts that need them load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from promptsmith.core.model import Diagnostic, Fix, Param, Prompt, Severity, Span
from promptsmith.core.parse import parse

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from promptsmith.core.fix import FixResult
    from promptsmith.rewriters.result import RewriteResult
    from promptsmith.services.compare import Comparison


from promptsmith.session import Session, default_session, session_for
from promptsmith.settings import Settings


def lint(prompt: str | Prompt | Iterable[str | Prompt], *, version: str | None = None,
         select: list[str] | None = None, ignore: list[str] | None = None,
         session: Session | None = None) -> list[Diagnostic] | list[list[Diagnostic]]:
    """Lint a prompt: its diagnostics, sorted by position then code.

    `prompt` is a string or a parsed `Prompt`; an iterable of them gives one list per prompt, in
    order. `version` is the Midjourney version to read a prompt for when it has no `--v`
    (default 6.1). `select`/`ignore` take rule codes, prefixes (`PS2`) or names. `session` (a
    `Session`, e.g. `Session.from_config()`) supplies the settings instead: its rule selection,
    rule directories and version.

        >>> [d.code for d in lint("portrait, 8k --v 6")]
        ['PS201']
    """
    if session is None:
        session = session_for(select, ignore)
    elif select is not None or ignore is not None:
        raise TypeError("give select=/ignore= or session=, not both (a session carries its own selection)")
    linter = session.linter(version)
    if isinstance(prompt, (str, Prompt)):
        return linter.lint(prompt)
    if isinstance(prompt, (bytes, bytearray)):
        raise TypeError("lint() takes a str (decode the bytes first), a Prompt, or an iterable of them")
    try:
        items = iter(prompt)
    except TypeError:
        raise TypeError(f"lint() takes a str, a Prompt, or an iterable of them, not {type(prompt).__name__}") from None
    out = []
    for item in items:
        if not isinstance(item, (str, Prompt)):
            raise TypeError(f"lint() got an iterable holding a {type(item).__name__}; each item must be a str or "
                            "a Prompt")
        out.append(linter.lint(item))
    return out


def fix(
    text: str,
    *,
    unsafe: bool = False,
    version: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    session: Session | None = None,
) -> FixResult:
    """Apply safe fixes (and unsafe ones when asked) until none is left; returns the new text
    and what changed. The options are those of `lint`."""
    if session is None:
        session = session_for(select, ignore)
    return session.fix(text, unsafe=unsafe, version=version)


def rewrite(text: str, engine: str | None = None, version: str | None = None, check: bool = False, *,
            target_version: str | None = None, target: str | None = None,
            session: Session | None = None) -> RewriteResult:
    """Rewrite a v5 keyword prompt into a v6 natural-language brief with its parameters.

    `engine` is `rules` (the default, as in the CLI and the TUI), `llm` or `auto`. `version` is
    the version the brief is written for (default: the parameter table's, Midjourney's current
    default; prompts already on 6 or newer keep theirs), the same name `lint` and `fix` use;
    `target_version` is its old name. `target` is what the brief is written for: `mj` (the
    default), `mj-7`, `niji-7`, … or an open pipeline, `sd15`, `sdxl`, `flux`, `sd3`, `qwen-image`
    (the result's `prompt`, `negative_prompt`, `pipeline_args`, `tokens` and `cut`). With
    `check=True` the result carries a meaning check against the input (`result.check`).
    `session` supplies the settings (rule directories, model, thresholds).
    """
    if version is not None and target_version is not None and version != target_version:
        raise TypeError("give version= or target_version= (the same setting), not both")

    return (session or default_session()).rewrite(text, engine=engine, target_version=version or target_version,
                                                  check=check, target=target)


def compare(a: str, b: str, *, session: Session | None = None, **options: Any) -> Comparison:
    """Check whether prompt B still asks for what prompt A asked for (term accounting, then
    sentence embeddings for what was said in other words). `options`: `embedder` (any object with
    `embed`), `similarity_threshold`, `term_threshold`; `session` supplies the settings instead."""
    return _compare_session(session, options).compare(a, b)


def compare_many(pairs: Iterable[tuple[str, str]], *, window: int = 64, session: Session | None = None,
                 **options: Any) -> Iterator[Comparison]:
    """`compare` over (a, b) pairs, in order, embedding each window of 64 pairs in one batch."""
    return _compare_session(session, options).compare_many(pairs, window=window)


def _compare_session(session: Session | None, options: dict[str, Any]) -> Session:
    """`session` (default: the API's) with compare's per-call options on top."""

    base = session or default_session()
    unknown = set(options) - {"embedder", "similarity_threshold", "term_threshold"}
    if unknown:
        raise TypeError(f"compare() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    if not options:
        return base
    embedder = options.pop("embedder", None) or base.given_embedder
    return Session(base.settings.with_overrides(**options), generator=base.generator, embedder=embedder)


def __getattr__(name: str):
    if name == "FixResult":
        from promptsmith.core.fix import FixResult  # deferred (speed): a lazy attribute

        return FixResult
    if name in ("Comparison", "TermMatch", "ChangedTerm", "Place"):
        from promptsmith.services import compare as _compare_service  # deferred (speed): a lazy attribute

        return getattr(_compare_service, name)
    if name in ("RewriteResult", "Change"):
        from promptsmith.rewriters import result as _result  # deferred (speed): a lazy attribute

        return getattr(_result, name)
    raise AttributeError(f"module 'promptsmith' has no attribute {name!r}")


__all__ = [
    "Change",
    "Comparison",
    "Diagnostic",
    "Fix",
    "FixResult",
    "Param",
    "Prompt",
    "RewriteResult",
    "Session",
    "Settings",
    "Severity",
    "Span",
    "__version__",
    "compare",
    "compare_many",
    "fix",
    "lint",
    "parse",
    "rewrite",
]
