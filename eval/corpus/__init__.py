"""The brief corpus: gold briefs for the shared real prompts, and the synthetic training pairs."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Gold briefs for the shared set's templates (train and dev splits).
BRIEFS = HERE / "briefs.jsonl"
#: Synthetic training pairs: prompts in the manner of real ones and their briefs, both written for
#: the corpus (train split only; see README.md).
SYNTHETIC = HERE / "synthetic.jsonl"
#: What the adapter is trained on, in this order (its digest is `rewrite.llm.trained.corpus_digest`).
TRAINING_FILES = (BRIEFS, SYNTHETIC)
