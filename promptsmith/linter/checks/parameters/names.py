"""PS1xx names: parameters given twice, unknown, retired, or picking the model twice or wrongly."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from math import gcd

from promptsmith.core.model import Diagnostic, Fix, Param, Severity, edit
from promptsmith.linter.context import Context
from promptsmith.linter.helpers import is_legacy, name_span, remove, values, vlabel, written
from promptsmith.linter.registry import Fixable, rule


def _wh_pair(ctx: Context) -> tuple[Param, Param] | None:
    """The legacy `--w W --h H` pair when both are whole positive numbers."""
    w, h = ctx.prompt.param("width"), ctx.prompt.param("height")
    if w is None or h is None:
        return None
    if not (isinstance(w.value, int) and isinstance(h.value, int) and w.value > 0 and h.value > 0):
        return None
    return w, h


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
                Fix.unsafe(edit(s + len(p.dash), e, close[0]), message=f"rename to --{close[0]}"),
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
            fix = Fix.unsafe(edit(s + len(p.dash), e, tspec.render), message=f"use --{tspec.render}")
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
            edit(first.span.start, first.span.end, f"--ar {ar}"),
            edit(second.span.start, second.span.end),
            message=f"use --ar {ar}",
        )
    yield ctx.diag(
        first.span.start, second.span.end,
        f"{written(w)} {w.raw} {written(h)} {h.raw} is the retired pixel size; write --ar {ar}", fix,
    )


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
                    fix = Fix.safe(edit(s, e, text[1:].strip()), message=f"write {text[1:].strip()}")
            yield ctx.diag(s, e, f"{written(p)} {text} is not a model version (one of {', '.join(known)})", fix)
