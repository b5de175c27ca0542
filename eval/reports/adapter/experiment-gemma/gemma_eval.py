"""Experiment harness (not shipped): eval.craft_eval with Gemma 3 270M + an adapter in place of the
packaged SmolLM2 + adapter; everything else (copy constraint, mending, guard, repairs) unchanged."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))
import eval.craft_eval as C
import promptsmith.rewriters.llm.engine as E
import promptsmith.rewriters.llm.rewriter as R

GEMMA = Path(os.environ.get("GEMMA_GGUF", "gemma-3-270m-q4_k_m.gguf")).resolve()
ADAPTER = Path(sys.argv[1])
E.trained_adapter = lambda settings: ADAPTER
R.END = "<end_of_turn>"


def _init(threads):
    from promptsmith.rewriters.rules import Rewriter
    from promptsmith.settings import Settings

    C._STATE["rules"] = Rewriter()
    C._STATE["trained"] = E.get_llm_rewriter(
        Settings(model=str(GEMMA), llm_jobs=("write",), write_mode="trained", threads=threads)
    )


C._init = _init
sys.exit(C.main(sys.argv[2:]))
