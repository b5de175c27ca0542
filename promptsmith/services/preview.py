"""Previews: plan a prompt, render its 2×2 grid (locally or on a render server), write a PNG and a
JSON sidecar, and score the images against the user's intent."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from promptsmith.backends.base import Renderer
from promptsmith.core.plan import RenderPlan, plan
from promptsmith.rewriters.llm.engine import get_llm_rewriter
from promptsmith.rewriters.targets import fit_prompt
from promptsmith.services.compare import compare


class PreviewResult(BaseModel):
    """What a preview made: the plan(s), the files, timings and scores."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    plans: list[RenderPlan]
    png: str
    sidecar: str
    timings: dict[str, float] = Field(default_factory=dict)
    clip_scores: list[list[float]] = Field(default_factory=list)
    text_similarity: float | None = None


def grid(images: list[Any], label: str | None = None) -> Any:
    """Four images as a 2×2 grid, with an optional label strip on top."""
    from PIL import Image, ImageDraw  # deferred: only previews need Pillow

    w, h = images[0].size
    strip = 24 if label else 0
    out = Image.new("RGB", (2 * w, 2 * h + strip), "white")
    for k, img in enumerate(images[:4]):
        out.paste(img.convert("RGB").resize((w, h)), ((k % 2) * w, strip + (k // 2) * h))
    if label:
        ImageDraw.Draw(out).text((6, 5), label[:120], fill="black")
    return out


def side_by_side(left: Any, right: Any) -> Any:
    from PIL import Image

    out = Image.new("RGB", (left.width + right.width + 8, max(left.height, right.height)), "white")
    out.paste(left, (0, 0))
    out.paste(right, (left.width + 8, 0))
    return out


def release_llm() -> None:
    """Free the local LLM (and its GPU memory) before an image model loads on the same device."""
    get_llm_rewriter.cache_clear()
    import gc

    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "preview"


def _fitted(rp: RenderPlan) -> RenderPlan:
    """The plan with its prompt in the pipeline's own dialect and within its text encoder's budget;
    what did not fit is listed in `cut` (CLIP would otherwise drop it silently)."""

    text, cut = fit_prompt(rp.prompt, rp.family)
    return rp if text == rp.prompt else rp.model_copy(update={"prompt": text, "cut": cut})


def preview(prompt: str, renderer: Renderer, *, family: str | None = None, out_dir: Path = Path("previews"),
            compare_with: str | None = None, seed: int | None = None, steps: int | None = None,
            scorer: Any = None, embedder: Any = None, pixels: int | None = None) -> PreviewResult:
    """Render `prompt` (and, with `compare_with`, a second prompt with the same seeds) to a PNG.

    `family` picks the plan's sizes and guidance curve; by default the renderer's own (the loaded
    pipeline's, or the render server's), else sdxl.
    """
    family = family or getattr(renderer, "family", None) or "sdxl"
    first = _fitted(plan(prompt, family, seed=seed, steps=steps, pixels=pixels))
    plans = [first]
    if compare_with is not None:
        plans.append(_fitted(plan(compare_with, family, seed=first.seeds[0], steps=steps, pixels=pixels)))
    timings: dict[str, float] = {}
    grids, all_images = [], []
    t0 = time.perf_counter()
    for k, p in enumerate(plans):
        images, t = renderer.render(p, steps=steps)
        all_images.append(images)
        for key, value in t.items():
            timings[f"{key}_{k}" if len(plans) > 1 else key] = value
        label = ("original: " if k == 0 else "rewrite: ") + p.prompt if len(plans) > 1 else None
        grids.append(grid(images, label))
    image = grids[0] if len(grids) == 1 else side_by_side(*grids)
    timings["total_seconds"] = round(time.perf_counter() - t0, 4)
    clip_scores: list[list[float]] = []
    if scorer is not None:
        intent = first.prompt  # the user's own words are the intent both grids are judged against
        clip_scores = [scorer.score(images, intent) for images in all_images]
    similarity = None
    if embedder is not None and compare_with is not None:
        similarity = compare(prompt, compare_with, embedder=embedder).similarity
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{_slug(first.prompt)}-{first.seeds[0]}"
    png, sidecar = stem.with_suffix(".png"), stem.with_suffix(".json")
    image.save(png)
    result = PreviewResult(plans=plans, png=str(png), sidecar=str(sidecar), timings=timings,
                           clip_scores=clip_scores, text_similarity=similarity)
    sidecar.write_text(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False), encoding="utf-8")
    return result
