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


class ScriptedGenerator:
    """A `Generator` whose scores prefer texts with fewer words (or a given order) and whose
    generations come from a script: for testing the LLM jobs and the guard without a model."""

    name = "fake-scripted"

    def __init__(self, writes: list[str] | None = None, prefer: str | None = None) -> None:
        self.writes = list(writes or [])
        self.prefer = prefer
        self.prompts: list[str] = []

    def logprobs(self, prefix: str, continuations):
        out = []
        for text in continuations:
            score = -len(text.split()) / 10
            if self.prefer and self.prefer in text:
                score += 5
            out.append(score)
        return out

    def locked(self, prompt: str, lock, *, max_tokens: int = 160, on_token=None):
        """The next scripted sentence, fed through the lock word by word (None if the lock refuses it)."""
        self.prompts.append(prompt)
        text = self.writes.pop(0) if self.writes else ""
        states = lock.start()
        for piece in re.findall(r"\s*[^\s,.]+|[,.]", text):
            states = lock.advance(states, piece)
            if not states:
                return None
            if on_token is not None:
                on_token(piece)
        return text if lock.finished(states) else None

    def generate(self, prompt: str, *, on_token=None, **options) -> str:
        self.prompts.append(prompt)
        text = self.writes.pop(0) if self.writes else ""
        for word in text.split(" "):
            if on_token is not None:
                on_token(word + " ")
        return text
