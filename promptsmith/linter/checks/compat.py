"""PS4xx: version compatibility. What the chosen model (`--v`, `--niji`, or the target version)
does not support.

Which parameter works with which version comes from the spec (`rules/midjourney.toml`:
`supported`, `unsupported_note`, `replaced_by`, per-version ranges). Sources for the family:
Midjourney's "Version" article (its feature chart) and "Legacy Features" (the older models'
table), linked from each rule's References.

Why over 400 lines: one small function per version-compatibility rule, each with its docstring (the
rule's documentation), over one table read from rules/midjourney.toml.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptsmith.core.format import format_weight
from promptsmith.core.model import Diagnostic, Fix, Severity, edit
from promptsmith.core.spec import Spec
from promptsmith.linter.context import FIRST_WITHOUT_MULTIPROMPT, Context
from promptsmith.linter.helpers import is_legacy, name_span, remove, values, vlabel, written
from promptsmith.linter.registry import Fixable, rule

# The multi-prompt separator with its optional weight, as the parser reads it.
_SEP = re.compile(r"::(-?(?:\d+(?:\.\d*)?|\.\d+))?")
_TUNER = "*tuner-code"
_TUNER_CODE = re.compile(r"[A-Za-z0-9]+")
#: Multi-prompts and `::` weights work up to V6.1 and niji 6, not in V7/V8/niji 7 ("Multi-Prompts
#: & Weights", "Version");
#: `Context.version_number` maps every model to its era, niji included.
_FIRST_WITHOUT_MULTIPROMPT = FIRST_WITHOUT_MULTIPROMPT
#: Text in double quotes is drawn from V6 on (the V6 announcement; "Text Generation").
_FIRST_WITH_TEXT = 6.0


def _runs(spec: Spec, supported: frozenset[str]) -> str:
    """`V1–6.1, niji 5–6`: the versions in `supported`, as ranges in spec order."""
    out: list[str] = []
    for prefix, keys in (
        ("V", [k for k in spec.versions if k[:1].isdigit()]),
        ("niji ", [k for k in spec.versions if k.startswith("niji")]),
    ):
        run: list[str] = []
        for k in [*keys, None]:
            if k is not None and k in supported:
                run.append(k)
                continue
            if run:
                first, last = (spec.label(run[0]).removeprefix("niji "), spec.label(run[-1]).removeprefix("niji "))
                out.append(prefix + (first if first == last else f"{first}–{last}"))
                run = []
    return ", ".join(out) or "no current model"


def _mentions(note: str, ctx: Context) -> bool:
    return vlabel(ctx) in note


def _separators(ctx: Context) -> list[re.Match[str]]:
    """Every `::` separator (and image weight) before the parameters."""
    return list(_SEP.finditer(ctx.source, 0, ctx.prompt.params_start))


@rule("PS401", "unsupported-in-version", severity=Severity.ERROR, fix=Fixable.ALWAYS, needs=("params",),
      summary="Finds a parameter the prompt's model does not support (`--oref` on V6.1).")
def unsupported_in_version(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a parameter the prompt's model does not support: `--oref`, `--draft` and `--exp` before
    V7, `--stop` on V7, `--tile` on V4, `--q` and `--turbo` on V8.1, `--sref` on V5, and so on.
    The fix (unsafe) removes it. Legacy parameters are PS107's, `--cref` on V7 is PS402's.

    ## Why is this bad?
    Each model ships its own parameter set: an unsupported one is rejected or silently ignored
    (Turbo falls back to Fast), so the prompt does not do what it says.

    ## Example
    `portrait of a sailor --oref https://s.mj.run/a.png --v 6.1`

    ## Use instead
    `portrait of a sailor --oref https://s.mj.run/a.png --v 7`

    ## References
    - Midjourney docs, "Version": https://docs.midjourney.com/hc/en-us/articles/32199405667853-Version
    - Midjourney docs, "Legacy Features": https://docs.midjourney.com/hc/en-us/articles/33329788681101-Legacy-Features
    """
    params = ctx.prompt.params
    if not params:
        return
    restricted = ctx.index.restricted
    specs, version = ctx.spec.params, ctx.version
    for p in params:
        if p.name not in restricted:
            continue
        ps = specs[p.name]
        if version in ps.supported or p.permuted:  # type: ignore[operator]
            continue
        if is_legacy(ctx, p, ps):
            continue  # PS107
        if ctx.spec.disputes and ctx.spec.dispute(p.name, version):
            continue  # the sources disagree: PS410 warns
        if ps.replaced_by and ps.replaced_by in specs and specs[ps.replaced_by].supports(version):
            continue  # PS402 renames it
        note = ps.unsupported_note
        if note and _mentions(note, ctx):
            msg = note.rstrip(".")
        else:
            msg = f"{written(p)} does not work with {vlabel(ctx)} (works with {_runs(ctx.spec, ps.supported)})"  # type: ignore[arg-type]
            if note:
                msg += f"; {note.rstrip('.')}"
        yield ctx.diag(p.span.start, p.span.end, msg, remove(p, safe=False))


@rule("PS402", "cref-on-v7", severity=Severity.ERROR, fix=Fixable.ALWAYS, needs=("params",),
      summary="Finds `--cref` on V7 and later, where Omni Reference (`--oref`) replaced it.")
def cref_on_v7(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds `--cref` (character reference) on V7 and later, where Omni Reference replaced it. The
    fix (unsafe) renames it to `--oref`; a `--cw` weight must become `--ow` by hand (its scale
    differs).

    ## Why is this bad?
    `--cref` works with V6, 6.1 and niji 6 only; V7 rejects it. `--oref` does the same job but
    takes exactly one image URL.

    ## Example
    `a detective in the rain --cref https://s.mj.run/a.png --v 7`

    ## Use instead
    `a detective in the rain --oref https://s.mj.run/a.png --v 7`

    ## References
    - Midjourney docs, "Character Reference": https://docs.midjourney.com/hc/en-us/articles/32162917505293
    - Midjourney docs, "Omni Reference": https://docs.midjourney.com/hc/en-us/articles/36285124473997-Omni-Reference
    - Midjourney docs, "Version": https://docs.midjourney.com/hc/en-us/articles/32199405667853-Version
    """
    params = ctx.prompt.params
    if not params:
        return
    specs, version = ctx.spec.params, ctx.version
    for p in params:
        ps = specs.get(p.name)
        if ps is None or not ps.replaced_by or ps.supports(version) or p.permuted:
            continue
        new = specs.get(ps.replaced_by)
        if new is None or not new.supports(version):
            continue
        msg = f"{written(p)} does not work with {vlabel(ctx)}; use --{new.render} (one image URL)"
        weights = [q for q in params if (qs := specs.get(q.name)) is not None and qs.requires == ps.name]
        new_weight = next((s for s in specs.values() if s.requires == new.name), None)
        if weights and new_weight is not None:
            rng = new_weight.range_for(version)
            scale = f" ({rng.describe()})" if rng else ""
            msg += f"; {written(weights[0])} becomes --{new_weight.render}{scale}"
        s, e = name_span(p)
        yield ctx.diag(
            s, e, msg,
            Fix.unsafe(edit(s + len(p.dash), e, new.render), message=f"rename to --{new.render}"),
        )


@rule("PS403", "multi-prompt-on-v7", severity=Severity.ERROR, fix=Fixable.SOMETIMES, needs=("separator",),
      summary="Finds `::` multi-prompts and weights on V7, V8 and niji 7, which ignore them.")
def multi_prompt_on_v7(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds `::` multi-prompt separators and weights (text or image weights) on V7, V8 and niji 7.
    The fix (unsafe) turns a separator into a comma; a negative weight has no fix: move it to
    `--no`.

    ## Why is this bad?
    Multi-prompts work with versions 1–6.1 and niji 4–6 only. Newer models read the prompt as
    one natural-language description, so `::2` weights no longer weigh anything and
    `::-.5` no longer removes anything.

    ## Example
    `The Green:: Knight::2, dark fantasy --v 7`

    ## Use instead
    `The Green Knight, dark fantasy, green armour in focus --v 7` (and `--no cape` for `cape::-.5`)

    ## References
    - Midjourney docs, "Multi-Prompts & Weights": https://docs.midjourney.com/hc/en-us/articles/32658968492557-Multi-Prompts-Weights
    - Midjourney docs, "Version": https://docs.midjourney.com/hc/en-us/articles/32199405667853-Version
    """
    if "::" not in ctx.source or ctx.version_number < _FIRST_WITHOUT_MULTIPROMPT:
        return
    src = ctx.source
    images = ctx.prompt.images
    text_end = ctx.prompt.params_start
    for m in _separators(ctx):
        s, e = m.span()
        if not m.group(1) and not src[e:text_end].strip():
            continue  # a trailing `::` with no weight does nothing anywhere (PS305)
        weight = float(m.group(1)) if m.group(1) else None
        if weight is not None and weight < 0:
            yield ctx.diag(
                s, e, f"`{m.group()}` weights do not work with {vlabel(ctx)}; use --no for what to leave out"
            )
            continue
        if any(i.span.start <= s < i.span.end for i in images):
            content = ""  # an image weight: the image stays, unweighted
        else:
            content = ", " if e < len(src) and not src[e].isspace() else ","
        yield ctx.diag(
            s,
            e,
            f"`{m.group()}` multi-prompts do not work with {vlabel(ctx)}; fold the parts into plain phrases",
            Fix.unsafe(edit(s, e, content), message="drop the separator"),
        )


@rule(
    "PS404",
    "quoted-text-before-v6",
    severity=Severity.WARNING,
    needs=("quotes",),
    summary="Finds quoted text to draw in a prompt for a model older than V6.",
)
def quoted_text_before_v6(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds text in double quotes in a prompt for a model before V6 (V5.x, niji 5, V4, …).

    ## Why is this bad?
    Drawing quoted text in the image arrived with V6. Older models read the quotes as ordinary
    words, so the sign, title or label comes out as gibberish glyphs, if at all.

    ## Example
    `a neon sign that says "OPEN" --v 5.2`

    ## Use instead
    `a neon sign that says "OPEN" --v 6.1`

    ## References
    - Midjourney docs, "Text Generation": https://docs.midjourney.com/hc/en-us/articles/32502277092109
    - Midjourney, the V6 alpha announcement (Discord, 21 December 2023)
    """
    quotes = ctx.prompt.quotes
    if not quotes or ctx.version_number >= _FIRST_WITH_TEXT:
        return
    text = ctx.prompt.text_span
    for q in quotes:
        s, e = q.span.start, q.span.end
        if s <= text.start and e >= text.end:
            continue  # the whole prompt in quotes is a pasting habit, not text to draw (PS212)
        shown = ctx.source[s:e] if e - s <= 32 else ctx.source[s : s + 28] + "…"
        yield ctx.diag(s, e, f"quoted text is drawn from V6 on; {vlabel(ctx)} reads {shown} as plain words")


@rule(
    "PS405",
    "quality-2-on-v6-0",
    severity=Severity.WARNING,
    needs=("params",),
    summary="Finds `--q 2` on V6.0, which may round to 1 (the docs disagree).",
)
def quality_2_on_v6_0(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds `--q 2` on V6.0 (`--v 6`).

    ## Why is this bad?
    The sources disagree: the 2024 docs give V6.0 `.25, .5, 1` and say V6.1 brought `--q 2`
    back, the 2026 chart lists 2 for the V6 family. If the older docs are right, `--q 2` rounds
    to 1 and the extra GPU time buys nothing.

    ## Example
    `a macro photo of frost on a leaf --q 2 --v 6`

    ## Use instead
    `a macro photo of frost on a leaf --q 2 --v 6.1`

    ## References
    - Midjourney docs, "Quality": https://docs.midjourney.com/hc/en-us/articles/32176522101773
    - Midjourney docs, "Version": https://docs.midjourney.com/hc/en-us/articles/32199405667853-Version
    """
    if ctx.version != "6" or not ctx.prompt.params:
        return
    for p in ctx.prompt.params:
        if p.name == "quality" and p.value == 2:
            yield ctx.diag(
                p.span.start,
                p.span.end,
                f"{written(p)} {p.raw} may round to 1 on V6.0 (the docs disagree); V6.1 has it",
            )


@rule(
    "PS410",
    "disputed-in-version",
    severity=Severity.WARNING,
    needs=("params",),
    summary="Finds a parameter whose support on the model the sources dispute (`--oref` on V8.x).",
)
def disputed_in_version(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a parameter whose support on the prompt's model the sources disagree on, or say
    nothing about: `--oref`/`--ow`, `--draft`, `--sv` and `--no` on V8.x, `--q` on V8.2. The
    message names the doubt and its sources. The list is data: `[[disputed]]` in
    rules/midjourney.toml. It is a warning, never an error, and there is no fix: check the
    result, or the current docs.

    ## Why is this bad?
    It may not be: the parameter may work. But the Version chart, the parameter pages and the
    release notes do not agree (V8.1 runs `--oref` on V7, says the Version page; a V8.1 API
    guide lists it as a V8.1 parameter), and V8.2's own parameter list is not in the sources
    promptsmith was built from. A prompt that leans on such a parameter may silently not get
    what it asks for.

    ## Example
    `portrait of a sailor --oref https://s.mj.run/a.png --v 8.2`

    ## Use instead
    `portrait of a sailor --oref https://s.mj.run/a.png --v 7` (documented), or keep V8.2 and
    check the result.

    ## References
    - Midjourney docs, "Version": https://docs.midjourney.com/hc/en-us/articles/32199405667853-Version
    - Midjourney docs, "Omni Reference": https://docs.midjourney.com/hc/en-us/articles/36285124473997-Omni-Reference
    - Midjourney docs, "Multi-Prompts & Weights": https://docs.midjourney.com/hc/en-us/articles/32658968492557-Multi-Prompts-Weights
    - Midjourney docs, "Draft & Conversational Modes": https://docs.midjourney.com/hc/en-us/articles/35577175650957
    - Midjourney docs, "Style Reference": https://docs.midjourney.com/hc/en-us/articles/32180011136653
    - Midjourney updates, "Version 8.2": https://updates.midjourney.com/version-8-2/
    """
    spec = ctx.spec
    params = ctx.prompt.params
    if not params or not spec.disputes:
        return
    version = ctx.version
    for p in params:
        d = spec.dispute(p.name, version)
        if d is None or p.permuted:
            continue
        cited = "; ".join(f"{k}: {spec.sources[k].rpartition(': ')[2]}" for k in d.sources)
        yield ctx.diag(
            p.span.start, p.span.end, f"{written(p)} on {vlabel(ctx)} is disputed: {d.doubt} (sources: {cited})"
        )


def _known_styles(ctx: Context) -> dict[str, list[str]]:
    """Every fixed `--style` value in the spec, with the versions that take it."""
    ps = ctx.spec.params.get("style")
    out: dict[str, list[str]] = {}
    if ps is None:
        return out
    for r in ps.ranges:
        for v in r.values or ():
            if v != _TUNER:
                out.setdefault(str(v), []).extend(r.versions)
    return out


@rule(
    "PS406",
    "style-not-for-version",
    severity=Severity.ERROR,
    needs=("params",),
    summary="Finds a `--style` value the model does not have (`--style cute` on V6).",
)
def style_not_for_version(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a `--style` value the model does not have: `--style cute` (niji 5) on V6, `--style raw`
    on V5.0, `--style 4a` (V4) on V6. On V5.2 any Style Tuner code is accepted.

    ## Why is this bad?
    Style values are per model: V4 had 4a/4b/4c, niji 5 cute/expressive/original/scenic, V5.1 and
    later raw, V5.2 tuner codes. Midjourney rejects a value its model does not know.

    ## Example
    `a cozy cabin in snow --style cute --v 6.1`

    ## Use instead
    `a cozy cabin in snow --niji 5 --style cute`, or `--style raw --v 6.1`

    ## References
    - Midjourney docs, "Legacy Features": https://docs.midjourney.com/hc/en-us/articles/33329788681101-Legacy-Features
    - Midjourney docs, "Raw": https://docs.midjourney.com/hc/en-us/articles/32634113811853
    - Midjourney docs, "Version": https://docs.midjourney.com/hc/en-us/articles/32199405667853-Version
    """
    params = ctx.prompt.params
    if not params:
        return
    ps = ctx.spec.params.get("style")
    version = ctx.version
    if ps is None or not ps.supports(version):
        return  # PS401
    rng = ps.range_for(version)
    if rng is None or rng.values is None:
        return
    allowed = rng.values
    for p in params:
        if p.name != "style" or not p.raw:
            continue
        for value, text, s, e in values(p, "str"):
            if value in allowed:
                continue
            known = _known_styles(ctx)
            if _TUNER in allowed and value not in known and _TUNER_CODE.fullmatch(text):
                continue
            shown = ", ".join(str(v) if v != _TUNER else "a Style Tuner code" for v in allowed)
            msg = f"--style {text} is not a {vlabel(ctx)} style" + (
                f" (one of {shown})" if allowed else " (it has none)"
            )
            if value in known:
                msg += f"; it is a {_runs(ctx.spec, frozenset(known[str(value)]))} style"
            yield ctx.diag(s, e, msg)


@rule(
    "PS407",
    "legacy-version",
    severity=Severity.INFO,
    needs=("params",),
    summary="Finds a prompt pinned to a legacy model (`--v 1` to `--v 4`, `--niji 4`).",
)
def legacy_version(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a prompt pinned to a legacy model: `--v 1` to `--v 4`, `--niji 4`. (`--test`/`--testp`
    are reported by PS107.)

    ## Why is this bad?
    These 2022 models follow prompts loosely, cap aspect ratios at 2:1 or less and lack most
    current parameters. Often the version was copied along with an old prompt.

    ## Example
    `isometric island village --v 4`

    ## Use instead
    `isometric island village --v 7`

    ## References
    - Midjourney docs, "Legacy Features": https://docs.midjourney.com/hc/en-us/articles/33329788681101-Legacy-Features
    - Midjourney docs, "Version": https://docs.midjourney.com/hc/en-us/articles/32199405667853-Version
    """
    params = ctx.prompt.params
    if not params:
        return
    spec = ctx.spec
    for p in params:
        if p.name not in ("version", "niji") or p.permuted or not isinstance(p.value, str):
            continue
        v = p.value
        if not (spec.in_group(v, "early") or spec.in_group(v, "v4")):
            continue
        niji = v.startswith("niji")
        newest = spec.niji_default if niji else next(k for k in reversed(spec.versions) if k[:1].isdigit())
        yield ctx.diag(
            p.span.start,
            p.span.end,
            f"{written(p)} {p.raw} picks {vlabel(ctx, v)}, a legacy model; the newest is {vlabel(ctx, newest)}",
        )


@rule(
    "PS409",
    "weight-sum-not-positive",
    severity=Severity.ERROR,
    needs=("separator", "params"),
    summary="Finds multi-prompt weights (`--no` included) that sum to zero or less.",
)
def weight_sum_not_positive(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Adds up the multi-prompt weights (an unweighted part or image counts 1, each `--no` item
    −0.5) and reports a sum of zero or less. Checked for the models that have multi-prompts
    (up to V6.1 and niji 6).

    ## Why is this bad?
    Weights are normalised by their sum ("the sum of all weights must be a positive number"):
    a zero sum cannot be normalised and a negative one would flip every part into its opposite,
    so Midjourney refuses the job. `--no red` is the same as `red::-.5`, so a long `--no` list
    can tip a short prompt over.

    ## Example
    `vibrant tulip fields:: red::-1 --no yellow`

    ## Use instead
    `vibrant tulip fields::2 red::-1 --no yellow`

    ## References
    - Midjourney docs, "Multi-Prompts & Weights": https://docs.midjourney.com/hc/en-us/articles/32658968492557-Multi-Prompts-Weights
    - Midjourney docs, "No": https://docs.midjourney.com/hc/en-us/articles/32173351982093
    """
    prompt = ctx.prompt
    negative = "::-" in ctx.source
    if not negative and not prompt.params:
        return
    nos = [p for p in prompt.params if p.name == "no" and not p.permuted and p.value]
    if (not nos and not negative) or ctx.version_number >= _FIRST_WITHOUT_MULTIPROMPT:
        return
    segments = prompt.segments
    if any(s.separated for s in segments):
        parts = sum((s.weight if s.weight is not None else 1.0) if s.separated else 1.0 for s in segments)
    else:
        parts = 1.0 if any(s.text for s in segments) else 0.0
    parts += sum(i.weight if i.weight is not None else 1.0 for i in prompt.images)
    # `--no red` == `red::-.5`: a whole --no list is one part weighted -.5 (real V6/V7 prompts
    # carry five-item lists with one text part, which Midjourney runs)
    items = len(nos)
    total = parts - 0.5 * items
    if total > 0:
        return
    first = next((m for m in _separators(ctx) if m.group(1) and float(m.group(1)) < 0), None)
    if first is None and not nos:
        return
    s, e = first.span() if first else (nos[0].span.start, nos[0].span.end)
    detail = f"text and images {format_weight(parts)}" + (", --no × -.5" if items else "")
    yield ctx.diag(s, e, f"the multi-prompt weights sum to {format_weight(total)} ({detail}); it must be positive")
