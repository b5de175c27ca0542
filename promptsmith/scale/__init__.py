"""Scale out on Ray Data: lint, rewrite, compare and preview as `map_batches` stages.

Ray is an optional extra (`pip install 'promptsmith[ray]'`) and is imported only here, by the
modules below: `import promptsmith` and `promptsmith lint` never load it.

- `source`  reads JSONL, text, Parquet and CSV into rows numbered by file and line.
- `stages`  the stages: lint and the rules rewrite as plain tasks; the LLM rewriter, the
            embedder (compare) as actors that load their model once.
- `render`  the preview stage: a GPU actor with the diffusers pipeline and the CLIP scorer.
- `run`     a whole run: read, one stage, an ordered write, and the summary.
"""

from __future__ import annotations

from promptsmith.errors import BackendUnavailable

INSTALL_HINT = "install promptsmith[ray] (ray[data] with pyarrow)"


def require_ray() -> None:
    """Raise `BackendUnavailable` with the extra to install when Ray Data is missing."""
    try:
        import ray.data  # noqa: F401  # deferred: Ray takes a second to import and is optional
    except ImportError as exc:
        raise BackendUnavailable(f"Ray Data is not installed: {INSTALL_HINT}") from exc
