"""The v5 → v6 rewrite service, stage by stage.

    terms (promptsmith.core.terms: the ledger) → analysis (what each term does in the picture)
    → composition (sentences) → parameters (the version, then the linter's fixes)

`engine.Rewriter` runs the stages; every rule that changes something is registered in
`registry` and named in the change it makes.
"""

from __future__ import annotations

from promptsmith.services.rewrite.engine import ENGINES, Rewriter, get_rewriter, rewrite, target_versions
from promptsmith.services.rewrite.result import Change, RewriteResult

__all__ = ["ENGINES", "Change", "RewriteResult", "Rewriter", "get_rewriter", "rewrite", "target_versions"]
