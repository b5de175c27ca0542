"""PS1xx values: types, ranges and defaults of parameter values, for the version the prompt is read for.

Every range and enum comes from the spec (`rules/midjourney.toml`, `ParamSpec.range_for`), never
from this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction
from math import floor

from promptsmith.core.format import format_weight
from promptsmith.core.model import Diagnostic, Fix, Severity, edit
from promptsmith.core.parse import read_float
from promptsmith.core.spec import Range
from promptsmith.linter.context import Context
from promptsmith.linter.helpers import RATIO, remove, values, vlabel, written
from promptsmith.linter.registry import Fixable, rule

_RATIO_TYPO = re.compile(r"(\d+)\s*[xX×/]\s*(\d+)")
_NUMERIC = frozenset({"int", "float"})
#: The longest decimal ratio PS103 rewrites in whole numbers (`2.39:1` → `239:100`); a longer one
#: is reported without a fix (its fraction would have as many digits as it has).
_EXACT_RATIO_CHARS = 24


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
                target = _closest(rng.values, value)  # type: ignore[arg-type]
            else:
                lo, hi = rng.min, rng.max
                if (value < 0 and lo is not None and lo >= 0) or _in_range(value, rng):  # type: ignore[arg-type, operator]
                    continue  # a negative value is malformed, not merely large (PS102)
                target = lo if lo is not None and value < lo else hi  # type: ignore[assignment, operator]
            new = _fmt(target, ps.type)
            yield ctx.diag(
                s, e,
                f"{written(p)} {text} is out of range for {vlabel(ctx)} ({rng.describe()})",
                Fix.unsafe(edit(s, e, new), message=f"clamp to {new}"),
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
            for value, text, s, e in values(p, t):  # type: ignore[assignment]
                if value is None:
                    number = read_float(text) if t == "int" else None
                    if number is not None:
                        new = str(floor(number + 0.5))
                        yield ctx.diag(
                            s, e, f"{written(p)} takes a whole number, not {text}",
                            Fix.unsafe(edit(s, e, new), message=f"round to {new}"),
                        )
                    else:
                        yield ctx.diag(s, e, f"{written(p)} takes a number, not `{text}`")
                elif value < 0:  # type: ignore[operator]
                    rng = ps.range_for(version) or (ps.ranges[0] if ps.ranges else None)
                    if rng is not None and rng.min is not None and rng.min >= 0:
                        yield ctx.diag(s, e, f"{written(p)} {text} cannot be negative ({rng.describe()})")
        elif t == "ratio":
            for value, text, s, e in values(p, t):  # type: ignore[assignment]
                if value is not None or RATIO.fullmatch(text):
                    continue  # decimal ratios are PS103's
                m = _RATIO_TYPO.fullmatch(text)
                fix = None
                if m:
                    new = f"{m.group(1)}:{m.group(2)}"
                    fix = Fix.safe(edit(s, e, new), message=f"write {new}")
                yield ctx.diag(s, e, f"{written(p)} takes W:H in whole numbers, not `{text}`", fix)
        elif t == "str" and ps.name != "style":  # --style values depend on the version (PS406)
            rng = ps.range_for(version)
            if rng is None or not rng.values:
                continue
            for value, text, s, e in values(p, t):  # type: ignore[assignment]
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
            if len(text) > _EXACT_RATIO_CHARS:  # as a fraction it would be just as long: no fix to offer
                yield ctx.diag(s, e, f"{written(p)} {text} has decimals; Midjourney takes whole numbers")
                continue
            a, b = Fraction(m.group(1)), Fraction(m.group(2))
            if a == 0 or b == 0:
                continue
            r = a / b
            new = f"{r.numerator}:{r.denominator}"
            yield ctx.diag(
                s, e, f"{written(p)} {text} has decimals; Midjourney takes whole numbers: {new}",
                Fix.safe(edit(s, e, new), message=f"write {new}"),
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
                Fix.unsafe(edit(s, e, new), message=f"use {new}"),
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
                s,
                e,
                f"{written(p)} {text} is not a {vlabel(ctx)} quality ({rng.describe()}); Midjourney rounds it to {new}",
                Fix.unsafe(edit(s, e, new), message=f"write {new}"),
            )


@rule(
    "PS116",
    "default-value",
    severity=Severity.INFO,
    fix=Fixable.ALWAYS,
    needs=("params",),
    summary="Finds a parameter set to its default value (`--s 100`, `--c 0`).",
)
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
