"""Backend protocols: the one-method interfaces services talk to. No heavy imports here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from promptsmith.core.plan import RenderPlan


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


@runtime_checkable
class Generator(Protocol):
    """A local language model, as the LLM jobs use it: score continuations, generate text."""

    name: str

    def logprobs(self, prefix: str, continuations: Sequence[str]) -> list[float]:
        """Mean token log-probability of each continuation after `prefix`, in order."""
        ...

    def generate(self, prompt: str, *, on_token: Callable[[str], None] | None = None, **options: Any) -> str:
        """The generated text; `on_token` sees each piece as it arrives."""
        ...


@runtime_checkable
class Renderer(Protocol):
    """Renders a plan's four images (in this process or on a render server), with timings."""

    def render(self, plan: RenderPlan, *, steps: int | None = None) -> tuple[list[Any], dict[str, float]]:
        """The images in grid order, and how long each phase took in seconds."""
        ...
