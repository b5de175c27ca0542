"""PS1xx: parameters. Values, types, ranges, duplicates and combinations of `--parameters`.

Every range and enum comes from the spec (`rules/midjourney.toml`, `ParamSpec.range_for`), never
from this module. Sources for the family: Midjourney's "Parameter List", "Version" and "Legacy
Features" articles and the article of each parameter, linked from each rule's References.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from fractions import Fraction
from math import floor, gcd

from promptsmith.core.model import Diagnostic, Edit, Fix, Param, Severity
from promptsmith.core.render import format_weight
from promptsmith.core.spec import Range
from promptsmith.lint.context import Context
from promptsmith.lint.helpers import FLOAT, RATIO, is_legacy, name_span, remove, typed, values, vlabel, written
from promptsmith.lint.registry import Fixable, rule

_RATIO_TYPO = re.compile(r"(\d+)\s*[xX×/]\s*(\d+)")
_URL = re.compile(r"<?https?://[^\s<>]+>?", re.IGNORECASE)
_REF_WEIGHT = re.compile(r"::-?(?:\d+(?:\.\d*)?|\.\d+)?$")
_WORD = re.compile(r"\S+")
_NUMERIC = frozenset({"int", "float"})
#: Flags that pick the GPU speed of the job (Midjourney's "GPU Speed" article); --draft is a model mode.
_SPEED = ("fast", "relax", "turbo")


def _fmt(value: float, ptype: str) -> str:
    return str(int(value)) if ptype == "int" or float(value).is_integer() else format_weight(value)


def _in_range(value: float, rng: Range) -> bool:
    return (rng.min is None or value >= rng.min) and (rng.max is None or value <= rng.max)


def _ratio_fits(value: tuple[int, int], rng: Range | None) -> bool:
    w, h = value
    return bool(w and h) and (rng is None or rng.max_ratio is None or max(w / h, h / w) <= rng.max_ratio)


def _closest(allowed: tuple, value: float) -> float:
    # ties go to the lower (cheaper) option; Midjourney only says it "rounds to the closest"
    return min(allowed, key=lambda v: (abs(v - value), v))


def _wh_pair(ctx: Context) -> tuple[Param, Param] | None:
    """The legacy `--w W --h H` pair when both are whole positive numbers."""
    w, h = ctx.prompt.param("width"), ctx.prompt.param("height")
    if w is None or h is None:
        return None
    if not (isinstance(w.value, int) and isinstance(h.value, int) and w.value > 0 and h.value > 0):
        return None
    return w, h


# -- values ------------------------------------------------------------------------------------------
@rule("PS101", "value-out-of-range", severity=Severity.ERROR, fix=Fixable.ALWAYS, needs=("params",),
      summary="Finds a numeric value outside the range the model accepts (`--s 5000` on V6.1).")
def value_out_of_range(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a numeric value outside the range the version accepts (`--s 5000` on V6.1), and a
    value outside a numeric enum (`--bs 3`). The fix (unsafe) clamps it to the nearest bound.

    ## Why is this bad?
    Ranges change between models: `--s 5000` was legal on V3 and the test models (625–60000,
    1250–5000) but V4 and later take 0–1000, and Midjourney rejects the job with an invalid
    parameter error. Clamping changes how strongly the knob pulls (stylize amplifies the
    conditional-vs-unconditional gap, as classifier-free guidance does), so it is not safe.

    ## Example
    `neon koi pond, ink wash --s 5000 --v 6.1`

    ## Use instead
    `neon koi pond, ink wash --s 1000 --v 6.1`

    ## References
    - Midjourney docs, "Parameter List": https://docs.midjourney.com/hc/en-us/articles/32859204029709
    - Midjourney docs, "Stylize": https://docs.midjourney.com/hc/en-us/articles/32196176868109
    - Midjourney docs, "Chaos/Variety": https://docs.midjourney.com/hc/en-us/articles/32099348346765
    - Midjourney docs, "Weird": https://docs.midjourney.com/hc/en-us/articles/32390120435085-Weird
    - Midjourney docs, "Legacy Features": https://docs.midjourney.com/hc/en-us/articles/33329788681101-Legacy-Features
    - Ho and Salimans, "Classifier-Free Diffusion Guidance" (2022): https://arxiv.org/abs/2207.12598
    """
    params = ctx.prompt.params
    if not params:
        return
    numeric = ctx.index.numeric
    specs, version = ctx.spec.params, ctx.version
    for p in params:
        if p.name not in numeric or p.name == "quality" or (p.value is None and not p.permuted):
            continue  # --q rounds instead (PS109)
        ps = specs[p.name]
        if not ps.supports(version):
            continue  # PS401
        rng = ps.range_for(version)
        if rng is None:
            continue
        if rng.values is None and not p.permuted and _in_range(p.value, rng):  # type: ignore[arg-type]
            continue  # the common case, without building the value's span
        for value, text, s, e in values(p, ps.type):
            if value is None or isinstance(value, bool):
                continue
            if rng.values is not None:
                if not rng.values or value in rng.values:
                    continue
                target = _closest(rng.values, value)
            else:
                lo, hi = rng.min, rng.max
                if (value < 0 and lo is not None and lo >= 0) or _in_range(value, rng):
                    continue  # a negative value is malformed, not merely large (PS102)
                target = lo if lo is not None and value < lo else hi
            new = _fmt(target, ps.type)  # type: ignore[arg-type]
            yield ctx.diag(
                s, e,
                f"{written(p)} {text} is out of range for {vlabel(ctx)} ({rng.describe()})",
                Fix.unsafe(Edit(start=s, end=e, content=new), message=f"clamp to {new}"),
            )


@rule("PS102", "invalid-value", severity=Severity.ERROR, fix=Fixable.SOMETIMES, needs=("params",),
      summary="Finds a value of the wrong kind (`--s high`, `--c 1.5`, `--ar 16x9`).")
def invalid_value(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a value of the wrong kind: a word where a number belongs (`--s high`), a decimal for a
    whole-number parameter (`--c 1.5`), a negative number (`--seed -3`), an aspect ratio not
    written `W:H` (`--ar 16x9`), or a word outside a parameter's choices (`--motion medium`).

    ## Why is this bad?
    Midjourney parses each parameter's value by type and rejects the job when it cannot. Fixes:
    `16x9`/`16/9` becomes `16:9` (safe); a decimal for a whole number is rounded (unsafe).

    ## Example
    `a red fox in snow --c 1.5 --ar 16x9 --seed -3`

    ## Use instead
    `a red fox in snow --c 2 --ar 16:9 --seed 3`

    ## References
    - Midjourney docs, "Parameter List": https://docs.midjourney.com/hc/en-us/articles/32859204029709
    - Midjourney docs, "Seeds": https://docs.midjourney.com/hc/en-us/articles/32604356340877
    - Midjourney docs, "Chaos/Variety": https://docs.midjourney.com/hc/en-us/articles/32099348346765
    - Midjourney docs, "Aspect Ratio": https://docs.midjourney.com/hc/en-us/articles/31894244298125
    - Midjourney docs, "Video": https://docs.midjourney.com/hc/en-us/articles/37460773864589
    """
    params = ctx.prompt.params
    if not params:
        return
    idx = ctx.index
    specs, version = ctx.spec.params, ctx.version
    for p in params:
        name, value = p.name, p.value
        if not p.permuted and value is not None:
            if name in idx.numeric:
                if value >= 0:  # type: ignore[operator]
                    continue
            elif name not in idx.str:
                continue  # typed fine
        if not p.raw or not (name in idx.numeric or name in idx.ratio or name in idx.str):
            continue  # a missing value is PS006
        ps = specs[name]
        t = ps.type
        if t in _NUMERIC:
            for value, text, s, e in values(p, t):
                if value is None:
                    if t == "int" and FLOAT.fullmatch(text):
                        new = str(floor(float(text) + 0.5))
                        yield ctx.diag(
                            s, e, f"{written(p)} takes a whole number, not {text}",
                            Fix.unsafe(Edit(start=s, end=e, content=new), message=f"round to {new}"),
                        )
                    else:
                        yield ctx.diag(s, e, f"{written(p)} takes a number, not `{text}`")
                elif value < 0:  # type: ignore[operator]
                    rng = ps.range_for(version) or (ps.ranges[0] if ps.ranges else None)
                    if rng is not None and rng.min is not None and rng.min >= 0:
                        yield ctx.diag(s, e, f"{written(p)} {text} cannot be negative ({rng.describe()})")
        elif t == "ratio":
            for value, text, s, e in values(p, t):
                if value is not None or RATIO.fullmatch(text):
                    continue  # decimal ratios are PS103's
                m = _RATIO_TYPO.fullmatch(text)
                fix = None
                if m:
                    new = f"{m.group(1)}:{m.group(2)}"
                    fix = Fix.safe(Edit(start=s, end=e, content=new), message=f"write {new}")
                yield ctx.diag(s, e, f"{written(p)} takes W:H in whole numbers, not `{text}`", fix)
        elif t == "str" and ps.name != "style":  # --style values depend on the version (PS406)
            rng = ps.range_for(version)
            if rng is None or not rng.values:
                continue
            for value, text, s, e in values(p, t):
                if value is not None and value not in rng.values:
                    yield ctx.diag(s, e, f"{written(p)} {text} is not valid ({rng.describe()})")


@rule("PS103", "non-integer-aspect-ratio", severity=Severity.ERROR, fix=Fixable.ALWAYS, needs=("params",),
      summary="Finds an aspect ratio with decimals (`--ar 2.39:1`); Midjourney takes whole numbers.")
def non_integer_aspect_ratio(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds an aspect ratio with decimals (`--ar 1.39:1`). The fix (safe) writes the same ratio in
    whole numbers, reduced: `139:100`.

    ## Why is this bad?
    Midjourney takes whole numbers only ("139:100, not 1.39:1") and rejects decimal ratios.

    ## Example
    `cinematic still of a desert highway --ar 2.39:1`

    ## Use instead
    `cinematic still of a desert highway --ar 239:100`

    ## References
    - Midjourney docs, "Aspect Ratio": https://docs.midjourney.com/hc/en-us/articles/31894244298125
    """
    params = ctx.prompt.params
    if not params:
        return
    ratio = ctx.index.ratio
    for p in params:
        if p.name not in ratio or "." not in p.raw:
            continue
        for value, text, s, e in values(p, "ratio"):
            if value is not None or "." not in text:
                continue
            m = RATIO.fullmatch(text)
            if not m:
                continue
            a, b = Fraction(m.group(1)), Fraction(m.group(2))
            if a == 0 or b == 0:
                continue
            r = a / b
            new = f"{r.numerator}:{r.denominator}"
            yield ctx.diag(
                s, e, f"{written(p)} {text} has decimals; Midjourney takes whole numbers: {new}",
                Fix.safe(Edit(start=s, end=e, content=new), message=f"write {new}"),
            )


@rule("PS104", "aspect-ratio-out-of-range", severity=Severity.ERROR, fix=Fixable.SOMETIMES, needs=("params",),
      summary="Finds an aspect ratio beyond the model's limit (V4 2:1, V6 and later 14:1).")
def aspect_ratio_out_of_range(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds an aspect ratio wider or taller than the version allows (V4 2:1, V6 and later 14:1),
    and ratios with a zero side (`--ar 0:1`). The fix (unsafe) uses the widest allowed ratio.

    ## Why is this bad?
    Midjourney rejects ratios beyond the model's limit; a zero side describes no image at all.

    ## Example
    `a tall lighthouse --ar 5:23 --v 4`

    ## Use instead
    `a tall lighthouse --ar 1:2 --v 4`, or a model that allows it: `--ar 5:23 --v 6.1`

    ## References
    - Midjourney docs, "Aspect Ratio": https://docs.midjourney.com/hc/en-us/articles/31894244298125
    - Midjourney docs, "Legacy Features": https://docs.midjourney.com/hc/en-us/articles/33329788681101-Legacy-Features
    - Midjourney docs, "Version": https://docs.midjourney.com/hc/en-us/articles/32199405667853-Version
    """
    params = ctx.prompt.params
    if not params:
        return
    ratio = ctx.index.ratio
    specs, version = ctx.spec.params, ctx.version
    for p in params:
        if p.name not in ratio:
            continue
        rng = specs[p.name].range_for(version)
        if not p.permuted and (p.value is None or _ratio_fits(p.value, rng)):  # type: ignore[arg-type]
            continue  # the common case, without building the value's span
        for value, text, s, e in values(p, "ratio"):
            if not isinstance(value, tuple):
                continue
            w, h = value
            if w == 0 or h == 0:
                yield ctx.diag(s, e, f"{written(p)} {text} has a zero side; both sides must be positive")
                continue
            if _ratio_fits(value, rng) or rng is None or rng.max_ratio is None:
                continue
            limit = Fraction(rng.max_ratio).limit_denominator(100)
            n, d = limit.numerator, limit.denominator
            new = f"{n}:{d}" if w > h else f"{d}:{n}"
            yield ctx.diag(
                s, e, f"{written(p)} {text} is beyond {vlabel(ctx)}'s limit ({rng.describe()})",
                Fix.unsafe(Edit(start=s, end=e, content=new), message=f"use {new}"),
            )


# -- repeats and names -------------------------------------------------------------------------------
@rule("PS105", "duplicate-parameter", severity=Severity.WARNING, fix=Fixable.ALWAYS, needs=("params",),
      summary="Finds a parameter given twice, under any of its names.")
def duplicate_parameter(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a parameter given twice, under any of its names (`--v 5 --v 5`, `--ar 3:2 --aspect 3:2`).
    Parameters that take several values by design (`--no`, `--sref`, `--cref`, `--profile`) are
    not reported. The fix removes the later one: safe when both say the same, unsafe otherwise.

    ## Why is this bad?
    A repeat with the same value is noise. With different values the prompt contradicts itself:
    which one Midjourney uses is not documented, so the result may not be the one you meant.

    ## Example
    `The Green Knight, dark fantasy --v 5 --ar 2:3 --v 5`

    ## Use instead
    `The Green Knight, dark fantasy --v 5 --ar 2:3`

    ## References
    - Midjourney docs, "Parameter List": https://docs.midjourney.com/hc/en-us/articles/32859204029709
    - Midjourney docs, "Style Reference": https://docs.midjourney.com/hc/en-us/articles/32180011136653
    - Midjourney docs, "Personalization": https://docs.midjourney.com/hc/en-us/articles/32433330574221
    """
    params = ctx.prompt.params
    if len(params) < 2:
        return
    specs = ctx.spec.params
    seen: dict[str, Param] = {}
    for p in params:
        if not p.known or p.permuted:
            continue
        ps = specs.get(p.name)
        if ps is None or ps.multiple:
            continue
        first = seen.get(p.name)
        if first is None:
            seen[p.name] = p
            continue
        if p.value is not None or first.value is not None:
            same = p.value == first.value
        else:
            same = p.raw.lower() == first.raw.lower()
        shown = f"{written(first)} {first.raw}".rstrip()
        if same:
            yield ctx.diag(p.span.start, p.span.end, f"{shown} is given twice", remove(p))
        else:
            yield ctx.diag(
                p.span.start, p.span.end,
                f"{written(p)} {p.raw} contradicts the earlier {shown}; which one Midjourney uses is undocumented",
                remove(p, f"keep {shown}", safe=False),
            )


@rule("PS106", "unknown-parameter", severity=Severity.ERROR, fix=Fixable.SOMETIMES, needs=("params",),
      summary="Finds a `--name` that is no Midjourney parameter, and suggests the closest one.")
def unknown_parameter(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a `--name` that is no Midjourney parameter (`--Wallpaper`) and suggests the closest
    known name; the fix (unsafe) renames it when there is one (`--stylise` → `--stylize`).

    ## Why is this bad?
    Midjourney rejects a job with an unrecognised parameter, and a misspelt parameter never takes
    effect.

    ## Example
    `misty pine forest at dawn --stylise 300`

    ## Use instead
    `misty pine forest at dawn --stylize 300`

    ## References
    - Midjourney docs, "Parameter List": https://docs.midjourney.com/hc/en-us/articles/32859204029709
    """
    params = ctx.prompt.params
    if not params:
        return
    for p in params:
        if p.known:
            continue
        s, e = name_span(p)
        close = difflib.get_close_matches(p.name, ctx.index.known, n=1)
        if close:
            yield ctx.diag(
                s, e, f"{written(p)} is not a Midjourney parameter; did you mean --{close[0]}?",
                Fix.unsafe(Edit(start=s + len(p.dash), end=e, content=close[0]), message=f"rename to --{close[0]}"),
            )
        else:
            yield ctx.diag(s, e, f"{written(p)} is not a Midjourney parameter")


@rule("PS107", "legacy-parameter", severity=Severity.WARNING, fix=Fixable.ALWAYS, needs=("params",),
      summary="Finds a parameter of a retired model or tool (`--upbeta`, `--test`, `--hq`).")
def legacy_parameter(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds parameters from retired models and tools (`--upbeta`, `--uplight`, `--beta`, `--test`,
    `--testp`, `--creative`, `--hq`, `--sameseed`, `--h`, and `--hd` outside V8) and says what to
    write now. The fix removes it: safe for the old upscaler switches (upscaling is chosen after
    the grid), unsafe otherwise; `--sameseed N` becomes `--seed N` (unsafe).

    ## Why is this bad?
    These flags picked 2022 models or upscalers that no longer exist; today they are ignored or
    rejected, and `--test`/`--testp` silently pin the prompt to a retired model.

    ## Example
    `stone city in a granite canyon --ar 9:16 --upbeta`

    ## Use instead
    `stone city in a granite canyon --ar 9:16`

    ## References
    - Midjourney docs, "Legacy Features": https://docs.midjourney.com/hc/en-us/articles/33329788681101-Legacy-Features
    """
    params = ctx.prompt.params
    if not params:
        return
    legacy = ctx.index.legacy
    specs = ctx.spec.params
    pair = None
    for p in params:
        if p.name not in legacy:
            continue
        ps = specs.get(p.name)  # `hd` may be missing from a user's table
        if ps is None or not is_legacy(ctx, p, ps):
            continue
        if ps.name in ("width", "height"):
            if pair is None:
                pair = _wh_pair(ctx) or ()
            if pair:
                continue  # the pair becomes one --ar (PS108)
        if ps.legacy:
            note = ps.migrate or "remove it"
            what = ps.summary.rstrip(".")
        else:
            note, what = "remove: use --v for the model", "the 2022 HD model"
        if what[1:2].islower():
            what = what[:1].lower() + what[1:]  # "Beta upscaler" -> "beta upscaler", "V3 seed" stays
        msg = f"{written(p)} is legacy, {what}; {note}"
        target = re.fullmatch(r"use --(\w+)", ps.migrate)
        tspec = specs.get(target.group(1)) if target else None
        if tspec is not None and tspec.type == ps.type and not ps.is_flag and p.raw:
            s, e = name_span(p)
            fix = Fix.unsafe(Edit(start=s + len(p.dash), end=e, content=tspec.render), message=f"use --{tspec.render}")
        else:
            safe = "upscaler" in (ps.summary + " " + ps.migrate).lower() and ps.legacy
            fix = remove(p, safe=safe)
        yield ctx.diag(p.span.start, p.span.end, msg, fix)


@rule("PS108", "width-height-to-aspect", severity=Severity.WARNING, fix=Fixable.SOMETIMES, needs=("params",),
      summary="Finds the retired pixel size `--w W --h H` and writes it as `--ar`.")
def width_height_to_aspect(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds the deprecated pixel size `--w 320 --h 512` and replaces both with the aspect ratio they
    describe, reduced: `--ar 5:8` (safe; no fix when an `--ar` is already there).

    ## Why is this bad?
    Width and height in pixels were retired for `--ar`; since V5 `--w` means `--weird`, so the
    old pair now asks for a weirdness of 320 and a legacy height instead of a portrait image.

    ## Example
    `cursed ruins landscape, veduta photo --w 768 --h 512`

    ## Use instead
    `cursed ruins landscape, veduta photo --ar 3:2`

    ## References
    - Midjourney docs, "Legacy Features": https://docs.midjourney.com/hc/en-us/articles/33329788681101-Legacy-Features
    - Midjourney docs, "Aspect Ratio": https://docs.midjourney.com/hc/en-us/articles/31894244298125
    """
    if not ctx.prompt.params:
        return
    pair = _wh_pair(ctx)
    if pair is None:
        return
    w, h = pair
    g = gcd(w.value, h.value)  # type: ignore[arg-type]
    ar = f"{w.value // g}:{h.value // g}"  # type: ignore[operator]
    first, second = sorted(pair, key=lambda p: p.span.start)
    fix = None
    if not ctx.prompt.has("aspect"):
        fix = Fix.safe(
            Edit(start=first.span.start, end=first.span.end, content=f"--ar {ar}"),
            Edit(start=second.span.start, end=second.span.end, content=""),
            message=f"use --ar {ar}",
        )
    yield ctx.diag(
        first.span.start, second.span.end,
        f"{written(w)} {w.raw} {written(h)} {h.raw} is the retired pixel size; write --ar {ar}", fix,
    )


@rule("PS109", "quality-value-rounded", severity=Severity.WARNING, fix=Fixable.ALWAYS, needs=("params",),
      summary="Finds a `--q` value the model does not offer, which Midjourney rounds.")
def quality_value_rounded(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a `--q` value the version does not offer (`--q 5` on V6.1, `--q .5` on V7). The fix
    (unsafe) writes the value Midjourney rounds it to.

    ## Why is this bad?
    Quality is GPU time spent on the initial grid, with a few fixed steps per model; "other values
    round to the closest available option", so `--q 5` silently runs as `--q 2` and the prompt
    promises something it does not do.

    ## Example
    `a photo of an archangel with six wings --q 5 --v 6.1`

    ## Use instead
    `a photo of an archangel with six wings --q 2 --v 6.1`

    ## References
    - Midjourney docs, "Quality": https://docs.midjourney.com/hc/en-us/articles/32176522101773
    - Midjourney docs, "Version": https://docs.midjourney.com/hc/en-us/articles/32199405667853-Version
    """
    if not ctx.prompt.params:
        return
    ps = ctx.spec.params.get("quality")
    if ps is None or not ps.supports(ctx.version):
        return
    rng = ps.range_for(ctx.version)
    if rng is None or not rng.values:
        return
    for p in ctx.prompt.params:
        if p.name != "quality":
            continue
        for value, text, s, e in values(p, ps.type):
            if not isinstance(value, (int, float)) or value in rng.values or value < 0:
                continue
            new = _fmt(_closest(rng.values, value), ps.type)
            yield ctx.diag(
                s, e, f"{written(p)} {text} is not a {vlabel(ctx)} quality ({rng.describe()}); Midjourney rounds it to {new}",
                Fix.unsafe(Edit(start=s, end=e, content=new), message=f"write {new}"),
            )


# -- combinations ------------------------------------------------------------------------------------
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
            yield ctx.diag(p.span.start, p.span.end, f"{written(p)} is not fully compatible with --seed: the grid may not reproduce")


@rule("PS112", "turbo-with-seed", severity=Severity.WARNING, needs=("params",),
      summary="Finds `--turbo` with `--seed`: in Turbo mode seeds do not reliably reproduce.")
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
            yield ctx.diag(p.span.start, p.span.end, f"{written(p)} makes --seed unreliable: the grid may not reproduce")


@rule("PS113", "image-only-with-stylize-or-weird", severity=Severity.WARNING, needs=("params",),
      summary="Finds `--stylize` or `--weird` in a prompt of images with no text.")
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


@rule("PS114", "version-and-niji", severity=Severity.WARNING, fix=Fixable.ALWAYS, needs=("params",),
      summary="Finds a prompt that picks a model twice, with `--v` and with `--niji`.")
def version_and_niji(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a prompt that picks a model twice, with `--v` and with `--niji`. The fix (unsafe) keeps
    `--niji`, the model promptsmith reads the prompt for.

    ## Why is this bad?
    `--niji` selects the niji model instead of `--v`; with both, which model runs is not
    documented, so ranges and features may be checked against the wrong one.

    ## Example
    `chibi samurai frog, cel shading --v 6.1 --niji 6`

    ## Use instead
    `chibi samurai frog, cel shading --niji 6`

    ## References
    - Midjourney docs, "Version": https://docs.midjourney.com/hc/en-us/articles/32199405667853-Version
    """
    prompt = ctx.prompt
    if len(prompt.params) < 2:
        return
    niji = prompt.param("niji")
    if niji is None:
        return
    for p in prompt.params:
        if p.name == "version":
            yield ctx.diag(
                p.span.start, p.span.end,
                f"{written(p)} {p.raw} and {written(niji)} {niji.raw}".rstrip()
                + f" both pick a model; promptsmith reads {vlabel(ctx)}",
                remove(p, safe=False),
            )


@rule("PS115", "unknown-version", severity=Severity.ERROR, fix=Fixable.SOMETIMES, needs=("params",),
      summary="Finds a model version that does not exist (`--v 9`, `--niji 3`).")
def unknown_version(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a model version that does not exist (`--v 9`, `--v 5.3`, `--niji 3`). `--v v6` is
    fixed to `--v 6` (safe).

    ## Why is this bad?
    Midjourney rejects an unknown version, and every range and feature check depends on it.

    ## Example
    `art nouveau poster of a heron --v 5.3`

    ## Use instead
    `art nouveau poster of a heron --v 5.2`

    ## References
    - Midjourney docs, "Version": https://docs.midjourney.com/hc/en-us/articles/32199405667853-Version
    - Midjourney docs, "Legacy Features": https://docs.midjourney.com/hc/en-us/articles/33329788681101-Legacy-Features
    """
    params = ctx.prompt.params
    if not params:
        return
    spec = ctx.spec
    for p in params:
        if p.name not in ("version", "niji") or not p.raw:
            continue
        niji = p.name == "niji"
        if not p.permuted and isinstance(p.value, str) and (niji or p.value[:1].isdigit()):
            continue
        for _, text, s, e in values(p, "str"):
            v = spec.normalize_version(("niji" if niji else "") + text)
            if v is not None and (niji or v[:1].isdigit()):
                continue
            if niji:
                known = [k[4:] for k in spec.versions if k.startswith("niji")]
            else:
                known = [spec.label(k) for k in spec.versions if k[:1].isdigit()]
            fix = None
            if not niji and text[:1] in "vV":
                bare = spec.normalize_version(text[1:])
                if bare is not None and bare[:1].isdigit():
                    fix = Fix.safe(Edit(start=s, end=e, content=text[1:].strip()), message=f"write {text[1:].strip()}")
            yield ctx.diag(s, e, f"{written(p)} {text} is not a model version (one of {', '.join(known)})", fix)


@rule("PS116", "default-value", severity=Severity.INFO, fix=Fixable.ALWAYS, needs=("params",),
      summary="Finds a parameter set to its default value (`--s 100`, `--c 0`).")
def default_value(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a parameter set to its default (`--s 100`, `--c 0`, `--q 1`, `--ar 1:1`). The fix (safe)
    removes it.

    ## Why is this bad?
    It does nothing and makes the parameters that matter harder to see. (An explicit default does
    override a different default picked in /settings; keep it if that is why it is there.)

    ## Example
    `Viking longship in a fjord --sref 4051825409 --sw 100 --c 0`

    ## Use instead
    `Viking longship in a fjord --sref 4051825409`

    ## References
    - Midjourney docs, "Parameter List": https://docs.midjourney.com/hc/en-us/articles/32859204029709
    """
    params = ctx.prompt.params
    if not params:
        return
    defaults = ctx.index.defaults
    specs, version = ctx.spec.params, ctx.version
    counts: dict[str, int] = {}
    for p in params:
        counts[p.name] = counts.get(p.name, 0) + 1
    for p in params:
        default = defaults.get(p.name)
        value = p.value
        if default is None or value is None or p.permuted or isinstance(value, bool):
            continue
        if counts[p.name] > 1:
            continue  # `--stylize 100 --s 5000`: a duplicate is PS105's; removing the default would keep the other

        if isinstance(default, tuple):
            if not isinstance(value, tuple) or value[0] * default[1] != value[1] * default[0] or not value[0]:
                continue
        elif value != default:
            continue
        ps = specs[p.name]
        if not ps.supports(version):
            continue
        rng = ps.range_for(version)
        if rng is not None and isinstance(default, float):
            if rng.values is not None and default not in rng.values:
                continue
            if (rng.min is not None and default < rng.min) or (rng.max is not None and default > rng.max):
                continue  # the default is not even legal here (V3 stylize): PS101's business
        yield ctx.diag(p.span.start, p.span.end, f"{written(p)} {p.raw} is the default; it can go", remove(p))


@rule("PS117", "conflicting-speed-modes", severity=Severity.WARNING, needs=("params",),
      summary="Finds more than one GPU speed mode (`--fast`, `--relax`, `--turbo`) in a prompt.")
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
            yield ctx.diag(p.span.start, p.span.end, f"{written(p)} conflicts with {written(first)}: a job runs in one speed mode")


def _tokens(p: Param) -> list[tuple[str, int, int]]:
    base = p.value_span.start
    return [(m.group(), base + m.start(), base + m.end()) for m in _WORD.finditer(p.raw)]


@rule("PS118", "oref-single-url", severity=Severity.ERROR, fix=Fixable.ALWAYS, needs=("params",),
      summary="Finds `--oref` with more than one value; it takes exactly one image URL.")
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
            s, e, f"--oref takes exactly one image URL, not {len(toks)}",
            Fix.unsafe(Edit(start=toks[0][2], end=e, content=""), message="keep the first URL"),
        )


@rule("PS119", "reference-needs-url", severity=Severity.ERROR, needs=("params",),
      summary="Finds a reference value that is not an image URL (or, for `--sref`, a style code).")
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
            if bad and ctx.source[bad[-1][1]:s].isspace():
                bad[-1] = (bad[-1][0], e)
            else:
                bad.append((s, e))
        for s, e in bad:
            shown = ctx.source[s:e]
            hint = " (text after the parameters?)" if " " in shown else ""
            yield ctx.diag(s, e, f"{written(p)} takes {what}, not `{shown}`{hint}")


@rule("PS120", "iw-without-image", severity=Severity.WARNING, fix=Fixable.ALWAYS, needs=("params",),
      summary="Finds `--iw` in a prompt that has no image prompt.")
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
            yield ctx.diag(p.span.start, p.span.end, f"{written(p)} weighs image prompts, and this prompt has none", remove(p))


@rule("PS121", "raw-and-style-raw", severity=Severity.WARNING, fix=Fixable.SOMETIMES, needs=("params",),
      summary="Finds `--raw` together with `--style`, which it repeats or contradicts.")
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
            yield ctx.diag(p.span.start, p.span.end, f"{written(p)} repeats --style raw", remove(p),
                           severity=Severity.INFO)
        else:
            yield ctx.diag(p.span.start, p.span.end, f"{written(p)} means --style raw, which contradicts --style {style.raw}")


@rule("PS122", "repeat-in-relax", severity=Severity.WARNING, needs=("params",),
      summary="Finds `--relax` with `--repeat` or permutations, which need Fast or Turbo mode.")
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
        yield ctx.diag(relax.span.start, relax.span.end,
                       f"{written(relax)}: --repeat and permutations run in Fast or Turbo mode only")


@rule("PS123", "oref-incompatible", severity=Severity.ERROR, needs=("params",),
      summary="Finds `--oref` with `--draft`, `--fast` or `--q 4`, which Omni Reference rejects.")
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
