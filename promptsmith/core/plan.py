"""The render plan: what a Midjourney prompt's parameters mean for an open diffusion pipeline.

Pure Python (no torch). Every parameter is listed as mapped, approximated or not mapped, with
the reason, so a preview never pretends to be Midjourney:

- `--ar` → width/height at the family's native pixel count, snapped to multiples of 64 (the
  VAE's 8× compression times the UNet/transformer's downsampling).
- `--stylize` → guidance scale by a documented, monotonic curve per family. Classifier-free
  guidance is ε̂ = ε(x,∅) + w·(ε(x,c) − ε(x,∅)); --stylize strengthens Midjourney's own aesthetic,
  which CFG only approximates (Ho and Salimans, "Classifier-Free Diffusion Guidance", 2022).
- `--no` and negative `::` parts → the negative prompt (`--no X` is `X::-.5`,
  Midjourney's "No" article).
- `--seed` → four seeds (seed, seed+1, …); without one, four random seeds, recorded.
- `--chaos` → growing variety across the 2×2 grid: image k's guidance is lowered by up to
  c/100 × 40 %, so image 0 follows the prompt most closely and image 3 wanders furthest.
- `--stop` → ending denoising early; `--q` → a step multiplier; `--tile` → seamless tiling;
  `::` weights → weighted prompt embeddings where the family allows.
- `--weird`, `--sref`, `--cref`, `--oref`, `--iw`, `--p`, image prompts … → not mapped.
"""

from __future__ import annotations

import itertools
import math
import secrets
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from promptsmith.core.model import Prompt
from promptsmith.core.parse import MAX_PROMPT_CHARS, parse

Family = Literal["sd15", "sdxl", "sd3", "flux", "qwen-image"]
FAMILIES: tuple[str, ...] = ("sd15", "sdxl", "sd3", "flux", "qwen-image")
Status = Literal["mapped", "approximated", "not mapped"]

#: Native pixel count (the resolution each family was trained at).
#: (Qwen-Image: the diffusers pipeline's default 1024², not the model card's 1328², which is no multiple of 64.)
NATIVE_PIXELS = {"sd15": 512 * 512, "sdxl": 1024 * 1024, "sd3": 1024 * 1024, "flux": 1024 * 1024,
                 "qwen-image": 1024 * 1024}
#: Default denoising steps per family (a common, good-quality setting for each).
DEFAULT_STEPS = {"sd15": 30, "sdxl": 30, "sd3": 28, "flux": 28, "qwen-image": 50}
#: --stylize → guidance anchor points (stylize, guidance): 0 → literal, 100 (Midjourney's default)
#: → the family's usual guidance, 1000 → strong. Linear between anchors, so monotonic.
#: Flux's numbers are its distilled guidance embedding, not CFG.
GUIDANCE_ANCHORS = {
    "sd15": ((0, 4.0), (100, 7.5), (1000, 14.0)),
    "sdxl": ((0, 3.5), (100, 7.0), (1000, 12.0)),
    "sd3": ((0, 3.0), (100, 7.0), (1000, 10.0)),
    "flux": ((0, 1.5), (100, 3.5), (1000, 6.0)),
    # Qwen-Image's is true CFG (`true_cfg_scale`, 4.0 by default in its diffusers pipeline)
    "qwen-image": ((0, 1.5), (100, 4.0), (1000, 7.0)),
}
#: --q → step multiplier (Midjourney spends that much GPU time on the grid).
QUALITY_STEPS = {0.25: 0.5, 0.5: 0.75, 1: 1.0, 2: 1.5, 4: 2.0}
#: Families whose pipelines take `denoising_end` (the others end early through a callback).
DENOISING_END = {"sdxl"}
#: Families where `::` weights become weighted prompt embeddings (CLIP-only text encoders).
WEIGHTED_EMBEDS = {"sd15", "sdxl"}
CHAOS_MAX_DROP = 0.4

# The bounds of a plan, checked on every plan however it was made (the CLI's, or one a client
# sends the render server): a plan inside them renders in bounded time and memory.
#: Most denoising steps.
MAX_STEPS = 200
#: Longest side, and most pixels per image (2048²).
MAX_SIDE = 4096
MAX_PIXELS = 2048 * 2048
#: Images per grid (the 2×2 grid: one seed and one guidance scale each).
GRID = 4
MAX_SEED = 2**32 - 1
#: Highest guidance scale accepted (CFG beyond ~30 only burns the image).
MAX_GUIDANCE = 50.0

_NOT_MAPPED = {
    "weird": "no open pipeline has Midjourney's 'weird' aesthetic",
    "sref": "style references need an IP-Adapter, which is not configured",
    "sw": "goes with --sref, which is not mapped",
    "sv": "goes with --sref, which is not mapped",
    "cref": "character references need an IP-Adapter, which is not configured",
    "cw": "goes with --cref, which is not mapped",
    "oref": "omni references need an IP-Adapter, which is not configured",
    "ow": "goes with --oref, which is not mapped",
    "iw": "image prompts need an IP-Adapter, which is not configured",
    "profile": "personalization profiles live on Midjourney's servers",
    "exp": "Midjourney's experimental aesthetics have no open equivalent",
    "version": "--v picks a Midjourney model; the preview uses the chosen family",
    "niji": "--niji picks a Midjourney model; the preview uses the chosen family",
    "repeat": "the preview renders one grid",
    "fast": "a Midjourney queue mode", "relax": "a Midjourney queue mode", "turbo": "a Midjourney queue mode",
    "video": "the preview renders images", "motion": "the preview renders images",
    "loop": "the preview renders images", "end": "the preview renders images", "bs": "the preview renders images",
    "hd": "a Midjourney output size", "sd": "a Midjourney output size",
}


class Mapping(BaseModel):
    """How one parameter (or prompt feature) was translated."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str
    written: str
    status: Status
    to: str = ""
    reason: str = ""


#: A number in a plan: finite, and never a bool (`true` is not 1.0); a seed is a whole number.
_Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
_Whole = Annotated[int, Field(strict=True)]


class RenderPlan(BaseModel):
    """Everything a renderer needs, and an honest account of what could not be mapped."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    source: str = Field(max_length=MAX_PROMPT_CHARS)
    family: Family
    prompt: str = Field(max_length=MAX_PROMPT_CHARS)
    negative_prompt: str = Field("", max_length=MAX_PROMPT_CHARS)
    weighted_prompt: list[tuple[str, _Finite]] = Field(default_factory=list, max_length=64)
    width: int = Field(ge=64, le=MAX_SIDE, strict=True)
    height: int = Field(ge=64, le=MAX_SIDE, strict=True)
    guidance_scale: float = Field(ge=0.0, le=MAX_GUIDANCE, allow_inf_nan=False)
    guidance_scales: list[_Finite] = Field(min_length=GRID, max_length=GRID)
    num_inference_steps: int = Field(ge=1, le=MAX_STEPS, strict=True)
    denoising_end: float = Field(1.0, gt=0.0, le=1.0, allow_inf_nan=False)
    seeds: list[_Whole] = Field(min_length=GRID, max_length=GRID)
    seeds_random: bool = Field(False, strict=True)
    tile: bool = Field(False, strict=True)
    raw: bool = Field(False, strict=True)
    mappings: list[Mapping] = Field(default_factory=list, max_length=256)
    unmapped: list[str] = Field(default_factory=list, max_length=256)
    #: Terms of the prompt the family's text encoder would not have read (past CLIP's 77 tokens,
    #: past the T5 budget): taken out of `prompt` before rendering and named here, never cut
    #: silently (promptsmith.rewriters.targets.fit_prompt).
    cut: list[str] = Field(default_factory=list, max_length=256)

    @model_validator(mode="after")
    def _bounded(self) -> RenderPlan:
        if self.width * self.height > MAX_PIXELS:
            raise ValueError(f"{self.width}×{self.height} is over {MAX_PIXELS:,} pixels (2048²) per image")
        for g in self.guidance_scales:
            if isinstance(g, bool) or not (0.0 <= g <= MAX_GUIDANCE) or math.isnan(g):
                raise ValueError(f"each guidance scale must be a number 0…{MAX_GUIDANCE:g}")
        for s in self.seeds:
            if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= MAX_SEED:
                raise ValueError(f"each seed must be an integer 0…{MAX_SEED}")
        return self


def guidance_for(stylize: float, family: str) -> float:
    """--stylize → guidance scale (piecewise linear through the family's anchors; monotonic)."""
    anchors = GUIDANCE_ANCHORS[family]
    s = max(anchors[0][0], min(anchors[-1][0], stylize))
    for (s0, w0), (s1, w1) in itertools.pairwise(anchors):
        if s <= s1:
            return round(w0 + (w1 - w0) * (s - s0) / (s1 - s0), 3)
    return anchors[-1][1]


def size_for(ratio: tuple[int, int] | None, family: str, pixels: int | None = None) -> tuple[int, int]:
    """Width and height for `W:H` at the family's native pixel count (or `pixels`), multiples of 64."""
    w, h = ratio or (1, 1)
    pixels = min(pixels or NATIVE_PIXELS[family], MAX_PIXELS)
    width = min(math.sqrt(pixels * w / h), MAX_SIDE)
    height = min(pixels / width, MAX_SIDE)
    width = min(width, pixels / height)
    snap = lambda v: max(64, min(MAX_SIDE, round(v / 64) * 64))  # noqa: E731
    sw, sh = snap(width), snap(height)
    while sw * sh > MAX_PIXELS:  # rounding up must not pass the bound
        if sw >= sh:
            sw -= 64
        else:
            sh -= 64
    return sw, sh


def _quality_factor(q: float) -> float:
    return QUALITY_STEPS.get(q) or QUALITY_STEPS[min(QUALITY_STEPS, key=lambda k: abs(k - q))]


def plan(prompt: Prompt | str, family: str = "sdxl", *, seed: int | None = None, steps: int | None = None,
         pixels: int | None = None) -> RenderPlan:
    """Translate a prompt into a render plan for one pipeline family (`pixels` overrides the
    family's native pixel count, e.g. for quick drafts)."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}, not {family!r}")
    p = parse(prompt) if isinstance(prompt, str) else prompt
    src = p.source
    maps: list[Mapping] = []

    def add(name: str, written: str, status: Status, to: str = "", reason: str = "") -> None:
        maps.append(Mapping(name=name, written=written, status=status, to=to, reason=reason))

    # text, negative parts and weights
    positive: list[tuple[str, float]] = []
    negative: list[str] = []
    for seg in p.segments:
        weight = seg.weight if seg.weight is not None else 1.0
        if not seg.text:
            continue
        if weight > 0:
            positive.append((seg.text, weight))
        else:
            negative.append(seg.text)
    text = ", ".join(t for t, _ in positive)
    weighted: list[tuple[str, float]] = []
    if p.is_multiprompt and positive:
        total = sum(w for _, w in positive) or 1.0
        weighted = [(t, round(w / total, 4)) for t, w in positive]
        if family in WEIGHTED_EMBEDS:
            add("::", "::", "mapped", "weighted prompt embeddings",
                "each part is encoded separately and the embeddings are mixed by their normalised weights")
        else:
            add("::", "::", "approximated", "parts joined into one prompt",
                f"{family}'s T5 text encoder reads one sequence; weights cannot be mixed reliably")
    for t in negative:
        add("::", f"{t}::<0", "mapped", "negative prompt", "a negative weight asks the model to avoid the part")
    for img in p.images:
        add("image", img.url, "not mapped", "", "image prompts need an IP-Adapter, which is not configured")

    params = {q.name: q for q in p.params}
    stylize = params["stylize"].value if "stylize" in params and isinstance(params["stylize"].value, int) else 100
    guidance = guidance_for(stylize, family)
    if "stylize" in params:
        add("stylize", params["stylize"].span.slice(src), "approximated", f"guidance_scale {guidance}",
            "CFG strength stands in for Midjourney's aesthetic strength (ε̂ = ε(x,∅) + w·(ε(x,c) − ε(x,∅)))")
    raw = ("raw" in params) or (params.get("style") is not None and params["style"].value == "raw")
    if raw:
        guidance = round(guidance * 0.85, 3)
        add("style", "raw", "approximated", f"guidance ×0.85 → {guidance}",
            "less automatic beautification: a little less guidance, no prompt additions")

    ratio = params["aspect"].value if "aspect" in params and isinstance(params["aspect"].value, tuple) else None
    if ratio is not None and ratio[1] == 0:
        ratio = None
    width, height = size_for(ratio, family, pixels)  # type: ignore[arg-type]
    if "aspect" in params:
        status: Status = "mapped" if ratio and abs(width / height - ratio[0] / ratio[1]) < 0.02 else "approximated"  # type: ignore[operator]
        side = int(math.sqrt(pixels or NATIVE_PIXELS[family]))
        add("aspect", params["aspect"].span.slice(src), status, f"{width}×{height}",
            f"{family}'s native {side}² pixel count, sides in multiples of 64")

    n_steps = steps or DEFAULT_STEPS[family]
    if "quality" in params and isinstance(params["quality"].value, (int, float)):
        factor = _quality_factor(float(params["quality"].value))
        n_steps = max(1, round(n_steps * factor))
        add(
            "quality",
            params["quality"].span.slice(src),
            "approximated",
            f"{n_steps} steps (×{factor})",
            "more GPU time on the grid becomes more denoising steps",
        )
    if "draft" in params:
        n_steps = max(1, n_steps // 2)
        add("draft", "--draft", "approximated", f"{n_steps} steps", "draft mode renders fast at lower quality")

    denoising_end = 1.0
    if "stop" in params and isinstance(params["stop"].value, int):
        denoising_end = max(0.1, min(1.0, params["stop"].value / 100))
        add(
            "stop",
            params["stop"].span.slice(src),
            "mapped" if family in DENOISING_END else "approximated",
            f"denoising ends at {denoising_end:.0%}",
            "the pipeline's denoising_end" if family in DENOISING_END else "denoising stops early (callback)",
        )

    if seed is None and "seed" in params and isinstance(params["seed"].value, int):
        seed = params["seed"].value
        add(
            "seed",
            params["seed"].span.slice(src),
            "mapped",
            f"seeds {seed}…{seed + 3}",
            "one torch.Generator per image; the same seed and prompt give the same grid",
        )
    seeds_random = seed is None
    base = secrets.randbelow(2**32) if seed is None else seed
    seeds = [(base + k) % 2**32 for k in range(4)]

    chaos = params["chaos"].value if "chaos" in params and isinstance(params["chaos"].value, int) else 0
    scales = [round(guidance * (1 - CHAOS_MAX_DROP * chaos / 100 * k / 3), 3) for k in range(4)]
    if "chaos" in params:
        add(
            "chaos",
            params["chaos"].span.slice(src),
            "approximated",
            "guidance " + " / ".join(map(str, scales)),
            "variety grows across the grid: later images follow the prompt less closely",
        )

    tile = "tile" in params
    if tile:
        add(
            "tile",
            "--tile",
            "mapped" if family in ("sd15", "sdxl") else "approximated",
            "circular padding",
            "convolutions wrap around the edges" + ("" if family in ("sd15", "sdxl") else " (VAE only)"),
        )
    neg_words = [w for q in p.params if q.name == "no" and isinstance(q.value, tuple) for w in q.value]
    if neg_words:
        add(
            "no",
            "--no " + ", ".join(neg_words),  # type: ignore[arg-type]
            "mapped",
            "negative prompt",
            "--no X is X::-.5: the negative prompt pushes the sample away from it",
        )
    negative += neg_words  # type: ignore[arg-type]

    for q in p.params:
        if q.name in _NOT_MAPPED:
            add(q.name, q.span.slice(src), "not mapped", "", _NOT_MAPPED[q.name])
        elif (
            q.name
            not in ("stylize", "style", "raw", "aspect", "quality", "draft", "stop", "seed", "chaos", "tile", "no")
            and not q.permuted
        ):
            add(q.name, q.span.slice(src), "not mapped", "", "no open-pipeline equivalent")
    return RenderPlan(
        source=src,
        family=family,  # type: ignore[arg-type]
        prompt=text,
        negative_prompt=", ".join(negative),
        weighted_prompt=weighted,
        width=width,
        height=height,
        guidance_scale=guidance,
        guidance_scales=scales,
        num_inference_steps=n_steps,
        denoising_end=denoising_end,
        seeds=seeds,
        seeds_random=seeds_random,
        tile=tile,
        raw=raw,
        mappings=maps,
        unmapped=[m.written for m in maps if m.status == "not mapped"],
    )
