"""The rules engine, stage by stage.

    terms (promptsmith.core.terms: the ledger) → analysis (what each term does in the picture)
    → composition (sentences) → parameters (the version, then the linter's fixes)

`engine.Rewriter` runs the stages; every rule that changes something is registered in
`registry` where it is implemented, and named in the change it makes. Importing this package
imports the engine, and with it every module that registers a rule.
"""

from __future__ import annotations

from promptsmith.rewriters.rules.engine import Rewriter, get_rewriter

__all__ = ["Rewriter", "get_rewriter"]
