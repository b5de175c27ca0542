"""The brief corpus: gold briefs for the shared real prompts, and the written training pairs."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Gold briefs for the shared set's templates (train and dev splits).
BRIEFS = HERE / "briefs.jsonl"
#: Training pairs written for the corpus, prompts and briefs both (train split only).
WRITTEN = HERE / "written.jsonl"
#: What the adapter is trained on, in this order (its digest is `services.craft.corpus_digest`).
TRAINING_FILES = (BRIEFS, WRITTEN)
