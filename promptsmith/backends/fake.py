"""Fakes for fast unit tests: deterministic, dependency-light stand-ins for the real backends.

The real backends (sentence-transformers, CLIP) have their own tests against real models.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

_WORD = re.compile(r"[a-z0-9]+")


class HashEmbedder:
    """Bag-of-words hashing: texts sharing words are similar, texts sharing none are orthogonal."""

    name = "fake-hash"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.calls = 0

    def embed(self, texts: Sequence[str]):
        import numpy as np  # deferred: numpy only when embedding

        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                word = word[:-1] if len(word) > 3 and word.endswith("s") else word
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
            norm = float(np.linalg.norm(out[i]))
            if norm:
                out[i] /= norm
        return out
