"""PS1xx combinations: parameters that need, exclude or repeat one another, and reference values.

Why over 400 lines: one small function per rule about parameters that conflict or combine, each with
its docstring (the rule's documentation).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptsmith.core.model import Diagnostic, Fix, Param, Severity, edit
from promptsmith.linter.context import Context
from promptsmith.linter.helpers import remove, written
from promptsmith.linter.registry import Fixable, rule

_URL = re.compile(r"<?https?://[^\s<>]+>?", re.IGNORECASE)
_REF_WEIGHT = re.compile(r"::-?(?:\d+(?:\.\d*)?|\.\d+)?$")
_WORD = re.compile(r"\S+")
#: Flags that pick the GPU speed of the job (Midjourney's "GPU Speed" article); --draft is a model mode.
_SPEED = ("fast", "relax", "turbo")


@rule("PS110", "missing-required-parameter", severity=Severity.WARNING, fix=Fixable.ALWAYS, needs=("params",),
      summary="Finds a reference weight without its reference (`--sw` without `--sref`).")
def missing_required_parameter(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a reference weight or version without its reference: `--sw`/`--sv` without `--sref`,
    `--cw` without `--cref`, `--ow` without `--oref`. The fix (safe) removes it.

    ## Why is this bad?
    These parameters only tune how a reference image is used; without the reference they do
    nothing, and usually the reference was lost while editing the prompt.

    ## Example
    `Japanese koi, ink on rice paper --sw 300 --v 7`

    ## Use instead
    `Japanese koi, ink on rice paper --sref 586081329 --sw 300 --v 7`

    ## References
    - Midjourney docs, "Style Reference": https://docs.midjourney.com/hc/en-us/articles/32180011136653
    - Midjourney docs, "Character Reference": https://docs.midjourney.com/hc/en-us/articles/32162917505293
    - Midjourney docs, "Omni Reference": https://docs.midjourney.com/hc/en-us/articles/36285124473997-Omni-Reference
    """
    params = ctx.prompt.params
    if not params:
        return
    requires = ctx.index.requires
    specs = ctx.spec.params
    for p in params:
        if p.name not in requires:
            continue
        ps = specs[p.name]
        if ctx.prompt.has(ps.requires):
            continue
        needed = specs[ps.requires].render if ps.requires in specs else ps.requires
        yield ctx.diag(p.span.start, p.span.end, f"{written(p)} needs --{needed}, which this prompt lacks", remove(p))


@rule("PS111", "weird-with-seed", severity=Severity.WARNING, needs=("params",),
      summary="Finds `--weird` with `--seed`, with which it is not fully compatible.")
def weird_with_seed(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds `--weird` together with `--seed`.

    ## Why is this bad?
    A seed fixes the starting noise so the same prompt gives a near-identical grid; `--weird` is
    "not fully compatible with seeds", so the grid will not reproduce and the seed gives a false
    sense of control.

    ## Example
    `a teapot shaped like a snail --weird 250 --seed 1234`

    ## Use instead
    `a teapot shaped like a snail --weird 250` (or drop `--weird` to keep the seed reproducible)

    ## References
    - Midjourney docs, "Weird": https://docs.midjourney.com/hc/en-us/articles/32390120435085-Weird
    - Midjourney docs, "Seeds": https://docs.midjourney.com/hc/en-us/articles/32604356340877
    """
    prompt = ctx.prompt
    if len(prompt.params) < 2 or not prompt.has("seed"):
        return
    for p in prompt.params:
        if p.name == "weird" and p.value != 0:
            yield ctx.diag(
                p.span.start,
                p.span.end,
                f"{written(p)} is not fully compatible with --seed: the grid may not reproduce",
            )


@rule(
    "PS112",
    "turbo-with-seed",
    severity=Severity.WARNING,
    needs=("params",),
    summary="Finds `--turbo` with `--seed`: in Turbo mode seeds do not reliably reproduce.",
)
def turbo_with_seed(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds `--turbo` together with `--seed`.

    ## Why is this bad?
    A seed is only useful if it reproduces the starting noise; in Turbo mode seed locking is
    unreliable, so the same seed and prompt may not give the same grid.

    ## Example
    `brutalist library interior --seed 42 --turbo`

    ## Use instead
    `brutalist library interior --seed 42 --fast`

    ## References
    - Midjourney docs, "Seeds": https://docs.midjourney.com/hc/en-us/articles/32604356340877
    - Midjourney docs, "GPU Speed (Fast/Relax/Turbo)": https://docs.midjourney.com/hc/en-us/articles/32016412137741
    """
    prompt = ctx.prompt
    if len(prompt.params) < 2 or not prompt.has("seed"):
        return
    for p in prompt.params:
        if p.name == "turbo":
            yield ctx.diag(
                p.span.start, p.span.end, f"{written(p)} makes --seed unreliable: the grid may not reproduce"
            )


@rule(
    "PS113",
    "image-only-with-stylize-or-weird",
    severity=Severity.WARNING,
    needs=("params",),
    summary="Finds `--stylize` or `--weird` in a prompt of images with no text.",
)
def image_only_with_stylize_or_weird(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds `--stylize` or `--weird` in a prompt made only of image prompts, with no text.

    ## Why is this bad?
    Image-only prompts are incompatible with `--stylize` and `--weird`: there is no text
    conditioning for them to push against, so they do not do what was asked.

    ## Example
    `https://s.mj.run/a.png https://s.mj.run/b.png --s 750`

    ## Use instead
    `https://s.mj.run/a.png https://s.mj.run/b.png ornate temple door, sakura --s 750`

    ## References
    - Midjourney docs, "Image Prompts": https://docs.midjourney.com/hc/en-us/articles/32040250122381
    - Midjourney docs, "Stylize": https://docs.midjourney.com/hc/en-us/articles/32196176868109
    - Midjourney docs, "Weird": https://docs.midjourney.com/hc/en-us/articles/32390120435085-Weird
    """
    prompt = ctx.prompt
    if not prompt.images or not prompt.params or any(s.text for s in prompt.segments):
        return
    for p in prompt.params:
        if p.name in ("stylize", "weird"):
            yield ctx.diag(p.span.start, p.span.end, f"{written(p)} does not work with an image-only prompt; add text")


@rule(
    "PS117",
    "conflicting-speed-modes",
    severity=Severity.WARNING,
    needs=("params",),
    summary="Finds more than one GPU speed mode (`--fast`, `--relax`, `--turbo`) in a prompt.",
)
def conflicting_speed_modes(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds more than one of `--fast`, `--relax` and `--turbo` in one prompt.

    ## Why is this bad?
    A job runs in one GPU speed mode; with two, which one applies (and what it costs) is a
    guess. `--draft` is a model mode, not a speed, and is not reported.

    ## Example
    `isometric cozy bookshop --relax --turbo`

    ## Use instead
    `isometric cozy bookshop --relax`

    ## References
    - Midjourney docs, "GPU Speed (Fast/Relax/Turbo)": https://docs.midjourney.com/hc/en-us/articles/32016412137741
    - Midjourney docs, "Draft & Conversational Modes": https://docs.midjourney.com/hc/en-us/articles/35577175650957
    """
    params = ctx.prompt.params
    if len(params) < 2:
        return
    first = None
    for p in params:
        if p.name not in _SPEED:
            continue
        if first is None:
            first = p
        elif p.name != first.name:
            yield ctx.diag(
                p.span.start, p.span.end, f"{written(p)} conflicts with {written(first)}: a job runs in one speed mode"
            )


def _tokens(p: Param) -> list[tuple[str, int, int]]:
    base = p.value_span.start
    return [(m.group(), base + m.start(), base + m.end()) for m in _WORD.finditer(p.raw)]


@rule(
    "PS118",
    "oref-single-url",
    severity=Severity.ERROR,
    fix=Fixable.ALWAYS,
    needs=("params",),
    summary="Finds `--oref` with more than one value; it takes exactly one image URL.",
)
def oref_single_url(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds `--oref` with more than one value. The fix (unsafe) keeps the first.

    ## Why is this bad?
    Omni Reference takes exactly one image of the person or object to put in the picture; extra
    values are rejected or read as junk.

    ## Example
    `a knight in a rose garden --oref https://s.mj.run/a.png https://s.mj.run/b.png --v 7`

    ## Use instead
    `a knight in a rose garden --oref https://s.mj.run/a.png --v 7`

    ## References
    - Midjourney docs, "Omni Reference": https://docs.midjourney.com/hc/en-us/articles/36285124473997-Omni-Reference
    """
    params = ctx.prompt.params
    if not params:
        return
    for p in params:
        if p.name != "oref" or p.permuted or not isinstance(p.value, tuple) or len(p.value) < 2:
            continue
        toks = _tokens(p)
        s, e = toks[1][1], toks[-1][2]
        yield ctx.diag(
            s,
            e,
            f"--oref takes exactly one image URL, not {len(toks)}",
            Fix.unsafe(edit(toks[0][2], e), message="keep the first URL"),
        )


@rule(
    "PS119",
    "reference-needs-url",
    severity=Severity.ERROR,
    needs=("params",),
    summary="Finds a reference value that is not an image URL (or, for `--sref`, a style code).",
)
def reference_needs_url(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds reference values that are not image URLs: in `--cref`, `--oref` and `--end` anything but
    an `http(s)://` URL; in `--sref` anything but a URL, a numeric style code or `random`
    (each may carry a `::2` weight).

    ## Why is this bad?
    Midjourney fetches references by URL (or looks up style codes); a file name, a word or a
    half-pasted link cannot be fetched, so the job fails. Often it is prose that ended up after
    the parameters.

    ## Example
    `portrait of a sailor --cref sailor.png --v 6.1`

    ## Use instead
    `portrait of a sailor --cref https://s.mj.run/sailor.png --v 6.1`

    ## References
    - Midjourney docs, "Image Prompts": https://docs.midjourney.com/hc/en-us/articles/32040250122381
    - Midjourney docs, "Style Reference": https://docs.midjourney.com/hc/en-us/articles/32180011136653
    - Midjourney docs, "Character Reference": https://docs.midjourney.com/hc/en-us/articles/32162917505293
    - Midjourney docs, "Omni Reference": https://docs.midjourney.com/hc/en-us/articles/36285124473997-Omni-Reference
    - Midjourney docs, "Video": https://docs.midjourney.com/hc/en-us/articles/37460773864589
    """
    params = ctx.prompt.params
    if not params:
        return
    refs = ctx.index.refs
    for p in params:
        if p.name not in refs or p.permuted or not p.raw:
            continue
        codes = p.name == "sref"
        what = "an image URL, a numeric style code or `random`" if codes else "an image URL"
        bad: list[tuple[int, int]] = []  # runs of consecutive bad tokens: one finding per run
        for tok, s, e in _tokens(p):
            item = _REF_WEIGHT.sub("", tok) if codes else tok
            if _URL.fullmatch(item) or (codes and (item.isdigit() or item.lower() == "random")):
                continue
            if bad and ctx.source[bad[-1][1] : s].isspace():
                bad[-1] = (bad[-1][0], e)
            else:
                bad.append((s, e))
        for s, e in bad:
            shown = ctx.source[s:e]
            hint = " (text after the parameters?)" if " " in shown else ""
            yield ctx.diag(s, e, f"{written(p)} takes {what}, not `{shown}`{hint}")


@rule(
    "PS120",
    "iw-without-image",
    severity=Severity.WARNING,
    fix=Fixable.ALWAYS,
    needs=("params",),
    summary="Finds `--iw` in a prompt that has no image prompt.",
)
def iw_without_image(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds `--iw` in a prompt with no image prompt. The fix (safe) removes it.

    ## Why is this bad?
    `--iw` sets the weight of the image prompts against the text; with no image it does nothing,
    and usually means the image URL was lost. (Style and omni references have their own weights,
    `--sw` and `--ow`.)

    ## Example
    `a stone temple door, sakura --iw 2`

    ## Use instead
    `https://s.mj.run/door.png a stone temple door, sakura --iw 2`

    ## References
    - Midjourney docs, "Image Prompts": https://docs.midjourney.com/hc/en-us/articles/32040250122381
    """
    prompt = ctx.prompt
    if not prompt.params or prompt.images:
        return
    for p in prompt.params:
        if p.name == "iw":
            yield ctx.diag(
                p.span.start, p.span.end, f"{written(p)} weighs image prompts, and this prompt has none", remove(p)
            )


@rule(
    "PS121",
    "raw-and-style-raw",
    severity=Severity.WARNING,
    fix=Fixable.SOMETIMES,
    needs=("params",),
    summary="Finds `--raw` together with `--style`, which it repeats or contradicts.",
)
def raw_and_style_raw(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds `--raw` together with `--style`: with `--style raw` it is a repeat (the fix, safe,
    removes `--raw`); with another style it contradicts it.

    ## Why is this bad?
    `--raw` is shorthand for `--style raw`. Saying it twice is noise; `--raw --style cute` asks for
    two styles at once, and which one wins is undocumented.

    ## Example
    `ethereal shapes, pastel gradients --style raw --raw --v 7`

    ## Use instead
    `ethereal shapes, pastel gradients --raw --v 7`

    ## References
    - Midjourney docs, "Raw": https://docs.midjourney.com/hc/en-us/articles/32634113811853
    """
    prompt = ctx.prompt
    if len(prompt.params) < 2:
        return
    style = prompt.param("style")
    if style is None or style.permuted:
        return
    for p in prompt.params:
        if p.name != "raw":
            continue
        if style.value == "raw":
            yield ctx.diag(
                p.span.start, p.span.end, f"{written(p)} repeats --style raw", remove(p), severity=Severity.INFO
            )
        else:
            yield ctx.diag(
                p.span.start, p.span.end, f"{written(p)} means --style raw, which contradicts --style {style.raw}"
            )


@rule(
    "PS122",
    "repeat-in-relax",
    severity=Severity.WARNING,
    needs=("params",),
    summary="Finds `--relax` with `--repeat` or permutations, which need Fast or Turbo mode.",
)
def repeat_in_relax(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds `--relax` in a prompt that runs several jobs: `--repeat` or a `{…}` permutation.

    ## Why is this bad?
    Repeats and permutations run in Fast or Turbo mode only; in Relax mode the extra jobs are
    not run as written.

    ## Example
    `a {red, blue} vintage bicycle --r 4 --relax`

    ## Use instead
    `a {red, blue} vintage bicycle --r 4 --fast`

    ## References
    - Midjourney docs, "Repeat": https://docs.midjourney.com/hc/en-us/articles/32757107922061
    - Midjourney docs, "Permutations": https://docs.midjourney.com/hc/en-us/articles/32761322355597
    - Midjourney docs, "GPU Speed (Fast/Relax/Turbo)": https://docs.midjourney.com/hc/en-us/articles/32016412137741
    """
    prompt = ctx.prompt
    if len(prompt.params) < 2 and not prompt.permutations:
        return
    relax = prompt.param("relax")
    if relax is None:
        return
    several = prompt.has("repeat") or any(len(g.options) > 1 for g in prompt.permutations)
    if several:
        yield ctx.diag(
            relax.span.start,
            relax.span.end,
            f"{written(relax)}: --repeat and permutations run in Fast or Turbo mode only",
        )


@rule(
    "PS123",
    "oref-incompatible",
    severity=Severity.ERROR,
    needs=("params",),
    summary="Finds `--oref` with `--draft`, `--fast` or `--q 4`, which Omni Reference rejects.",
)
def oref_incompatible(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds `--oref` together with what Omni Reference does not work with: `--draft`, `--fast`
    and `--q 4`.

    ## Why is this bad?
    Omni Reference costs twice the GPU time and is "not compatible with Fast Mode, Draft/
    Conversational Mode, `--q 4`"; the job is refused or the reference dropped.

    ## Example
    `a knight in a rose garden --oref https://s.mj.run/a.png --draft --v 7`

    ## Use instead
    `a knight in a rose garden --oref https://s.mj.run/a.png --v 7`

    ## References
    - Midjourney docs, "Omni Reference": https://docs.midjourney.com/hc/en-us/articles/36285124473997-Omni-Reference
    - Midjourney docs, "Draft & Conversational Modes": https://docs.midjourney.com/hc/en-us/articles/35577175650957
    - Midjourney docs, "Quality": https://docs.midjourney.com/hc/en-us/articles/32176522101773
    """
    prompt = ctx.prompt
    if len(prompt.params) < 2 or not prompt.has("oref"):
        return
    for p in prompt.params:
        if p.name in ("draft", "fast") or (p.name == "quality" and p.value == 4):
            shown = f"{written(p)} {p.raw}".rstrip()
            yield ctx.diag(p.span.start, p.span.end, f"{shown} does not work with --oref")
