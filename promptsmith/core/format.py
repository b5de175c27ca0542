"""Format a `Prompt` back as canonical text, and reduce it to its content for comparisons.

Prompt text is *formatted* here; images are *rendered* (`core/plan.py`, the `Renderer` backends).
"""

from __future__ import annotations

from typing import Any

from promptsmith.core.model import Param, Prompt
from promptsmith.core.spec import Spec, load_spec


def format_weight(weight: float) -> str:
    """`2.0` → `2`, `-0.5` → `-.5`, `1.25` → `1.25` (Midjourney's own style)."""
    if float(weight).is_integer():
        return str(int(weight))
    text = f"{weight:g}"
    if "e" in text:  # a tiny weight: written out, as an exponent would be read as text
        text = f"{weight:.12f}".rstrip("0").rstrip(".")
        text = "0" if text in ("0", "-0") else text
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def format_param(param: Param, spec: Spec | None = None) -> str:
    """One parameter in canonical form: `--ar 16:9`, `--no red, blue`, `--tile`."""
    spec = spec or load_spec()
    if param.permuted and param.name == "{permutation}":
        return "--" + param.raw
    pspec = spec.params.get(param.name)
    name = pspec.render if pspec else param.alias
    if pspec is not None and pspec.is_flag and not param.permuted:
        return f"--{name}"
    raw = param.raw
    if pspec is not None and not param.permuted and param.value is not None:
        if pspec.type == "words" and not any(w[:1] in "-—–" for w in param.value):  # type: ignore[index, union-attr]
            raw = ", ".join(param.value)  # type: ignore[arg-type]
        elif pspec.type == "ratio":
            w, h = param.value  # type: ignore[misc, str-unpack]
            raw = f"{w}:{h}"
    return f"--{name} {raw}" if raw else f"--{name}"


def sort_params(params: tuple[Param, ...] | list[Param], spec: Spec | None = None) -> list[Param]:
    """Parameters in canonical order (stable for repeats of one name)."""
    spec = spec or load_spec()
    return sorted(params, key=lambda p: spec.order_of(p.name))


def grouped_segments(prompt: Prompt) -> list[tuple[str, float | None, bool]]:
    """The multi-prompt parts as Midjourney reads them: text runs up to each `::` (with its
    weight), however the text was split around image prompts or parameters."""
    out: list[tuple[str, float | None, bool]] = []
    pending: list[str] = []
    for seg in prompt.segments:
        if seg.text:
            pending.append(seg.text)
        if seg.separated:
            out.append((" ".join(pending), seg.weight, True))
            pending = []
    if pending:
        out.append((" ".join(pending), None, False))
    return out


def _text_pieces(prompt: Prompt, with_images: bool) -> str:
    src = prompt.source
    items: list[tuple[int, bool, str]] = []
    if with_images:
        for img in prompt.images:
            weight = f"::{format_weight(img.weight)}" if img.weight is not None else ""
            items.append((img.span.start, False, img.url + weight))
    for seg in prompt.segments:
        text, weight_raw, separated, start = seg.text, seg.weight_raw, seg.separated, seg.span.start
        if separated:
            if text.endswith(":"):
                text += " "  # keep `a: ::2` from reading as `a:::2`
            text = f"{text}::{weight_raw or ''}"
        if text:
            items.append((start, True, text))
    items.sort(key=lambda item: item[0])
    out = ""
    prev_text = False
    for start, is_text, text in items:
        # a segment glued to the `::` before it (`a::--b`) stays glued: a space would make a parameter
        glued = start > 0 and not src[start - 1].isspace()
        # `text ::2` is written `text::2` (an empty part's weight belongs to the text before it)
        weight_only = text.startswith("::") and not out.endswith(":")
        if out and is_text and prev_text and (glued or weight_only):
            out += text
        else:
            out = f"{out} {text}" if out else text
        prev_text = is_text
    return out


def format_prompt(prompt: Prompt, spec: Spec | None = None) -> str:
    """Image prompts and text in source order, then canonical parameters in canonical order.

    Image prompts stay where they were written (PS301 reports those that are not first): moving
    them would change how the words around them read.
    """
    spec = spec or load_spec()
    pieces = [_text_pieces(prompt, with_images=True)]
    pieces.extend(format_param(p, spec) for p in sort_params(prompt.params, spec))
    return " ".join(p for p in pieces if p)


def content_of(prompt: Prompt, spec: Spec | None = None) -> dict[str, Any]:
    """What a prompt asks for, independent of spelling, dashes, aliases and parameter order."""
    spec = spec or load_spec()
    segments = grouped_segments(prompt)
    return {
        "images": [(i.url, i.weight) for i in prompt.images],
        "segments": segments,
        "params": [(p.name, p.value if p.value is not None else p.raw) for p in sort_params(prompt.params, spec)],
    }
