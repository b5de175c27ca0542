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
    from promptsmith.services.compare import Comparison
    from promptsmith.services.rewrite import RewriteResult


# `promptsmith.lint` is the linter package, and it is callable:
# lint(prompt, *, version=None, select=None, ignore=None) -> list[Diagnostic]
from promptsmith import lint  # noqa: E402


def fix(
    text: str,
    *,
    unsafe: bool = False,
    version: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
) -> FixResult:
    """Apply safe fixes (and unsafe ones when asked); returns the new text and what changed."""
    from promptsmith.core.fix import fix_text
    from promptsmith.lint.engine import _cached_linter

    linter = _cached_linter(version, tuple(select) if select else None, tuple(ignore) if ignore else None)
    return fix_text(text, linter.lint, unsafe=unsafe)


def rewrite(text: str, engine: str = "rules", version: str | None = None, check: bool = False, *,
            target_version: str | None = None) -> RewriteResult:
    """Rewrite a v5 keyword prompt into a v6 natural-language brief with its parameters.

    `version` is the version the brief is written for (default 6.1; prompts already on 6 or
    newer keep theirs), the same name `ps.lint` and `ps.fix` use; `target_version` is its old
    name. With `check=True` the result carries a meaning check against the input (`result.check`).
    """
    from promptsmith.services.rewrite import rewrite as _rewrite

    if version is not None and target_version is not None and version != target_version:
        raise TypeError("give version= or target_version= (the same setting), not both")
    return _rewrite(text, engine=engine, target_version=version or target_version or "6.1", check=check)


def compare(a: str, b: str, **options: Any) -> Comparison:
    """Check whether prompt B still asks for what prompt A asked for (sentence embeddings)."""
    from promptsmith.services.compare import compare as _compare

    return _compare(a, b, **options)


def compare_many(pairs: Iterable[tuple[str, str]], **options: Any) -> Iterator[Comparison]:
    """`compare` over (a, b) pairs, in order, embedding each window of 64 pairs in one batch."""
    from promptsmith.services.compare import compare_many as _compare_many

    return _compare_many(pairs, **options)


def __getattr__(name: str):
    if name == "FixResult":
        from promptsmith.core.fix import FixResult

        return FixResult
    if name in ("Comparison", "TermMatch", "ChangedTerm", "Place"):
        from promptsmith.services import compare as _compare_service

        return getattr(_compare_service, name)
    if name in ("RewriteResult", "Change"):
        from promptsmith.services import rewrite as _service

        return getattr(_service, name)
    raise AttributeError(f"module 'promptsmith' has no attribute {name!r}")


__all__ = [
    "Comparison", "compare", "compare_many", "RewriteResult", "Change", "rewrite",
    "Diagnostic", "Fix", "FixResult", "Param", "Prompt", "Severity", "Span",
    "fix", "lint", "parse", "__version__",
]
