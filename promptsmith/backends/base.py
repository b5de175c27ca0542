"""Backend protocols: the one-method interfaces services talk to. No heavy imports here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors (one row per text, float32)."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts`; row i is the L2-normalised embedding of texts[i]."""
        ...


@runtime_checkable
class ImageScorer(Protocol):
    """Scores how well images match a text (CLIP-style cosine similarity)."""

    name: str

    def score(self, images: Sequence[Any], text: str) -> list[float]:
        """One score per image, in order."""
        ...
