"""PS201, PS210: words that describe nothing the model can draw: quality filler and art-site names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from promptsmith.core.lexicon import normalize
from promptsmith.core.model import Applicability, Diagnostic, Fix, Severity, diagnostic, make_fix
from promptsmith.linter.checks.wording.settings import wording_settings
from promptsmith.linter.context import Context
from promptsmith.linter.helpers import clause_edges, in_spans, removal_edit
from promptsmith.linter.registry import Fixable, rule

SAFE = Applicability.SAFE


def _filler_matches(ctx: Context, lo: int, hi: int) -> list[tuple[int, int]]:
    return [(lo + a, lo + b) for a, b in ctx.lexicon.filler_spans(ctx.source[lo:hi])]


@rule("PS201", "filler-quality-token", severity=Severity.WARNING, fix=Fixable.SOMETIMES, needs=("text",),
      summary="Finds quality filler (`8k`, `masterpiece`, `award winning`) on V6 and later.")
def filler_quality_token(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds quality filler (`8k`, `masterpiece`, `award winning` …) in the text, on V6 and later.
    The terms are those of the filler lexicon (rules/lexicon/filler.toml): `4k`, `trending on
    artstation`, `ultra detailed`, `photorealistic` and more. One finding per occurrence; a few
    filler words count only as a comma term of their own, since inside a longer term they
    describe something (`smooth gradients`; `[filler] attributive` in rules/lint.toml).

    ## Why is this bad?
    These tokens were a trick for CLIP-conditioned models (Stable Diffusion 1.x, Midjourney V4/V5):
    CLIP's text embedding pulls toward images whose captions held such words, which tended to be
    polished ones. V6+ reads the prompt with an encoder that understands grammar and takes every
    word as something to draw, so filler steers nothing and spends the model's attention on
    noise: the V6 announcement says "Avoid 'junk' like 'award winning, photorealistic, 4k, 8k'".
    Quality is set by `--stylize`, `--quality` and a precise description. Not checked for V5 and
    older, where the advice does not apply. The safe fix removes the term with one adjoining
    comma (a whole comma term) or one adjoining space (a phrase inside a longer term).

    ## Example
    `old fisherman portrait, dramatic lighting, oil painting, masterpiece, 8k --v 6.1`

    ## Use instead
    `old fisherman portrait, dramatic lighting, oil painting --v 6.1`

    ## References
    - Midjourney, the V6 alpha announcement (Discord, 21 December 2023)
    - Radford et al., "Learning Transferable Visual Models From Natural Language Supervision" (CLIP, 2021): https://arxiv.org/abs/2103.00020
    - Saharia et al., "Photorealistic Text-to-Image Diffusion Models with Deep Language Understanding" (Imagen, 2022): https://arxiv.org/abs/2205.11487
    """
    if ctx.version_number < 6:
        return
    segments = ctx.prompt.segments
    if not segments:
        return
    lex = ctx.lexicon
    src = ctx.source
    prompt = ctx.prompt
    quotes = prompt.quotes
    label = ctx.version_text
    r = ctx.rule
    code, name, severity = r.code, r.name, r.severity  # type: ignore[union-attr]
    seen = wording_settings(ctx.rule_dirs).filler_messages
    for seg in segments:
        lo, hi = seg.span.start, seg.span.end
        for a, b in lex.filler_spans(src[lo:hi]):
            s, e = lo + a, lo + b
            if quotes and in_spans(s, quotes):
                continue  # text to render is verbatim
            written = src[s:e]
            known = seen.get((written, label))
            if known is None:
                known = _filler_words(ctx, written, label)
                if len(seen) > 4096:
                    seen.clear()
                seen[written, label] = known
            is_attributive, message, fix_message = known
            if is_attributive:
                _, left, _, right = clause_edges(src, lo, hi, s, e)
                if not (left and right):
                    continue  # `smooth gradients`, `a vintage aesthetic`: it describes something here
            cut = removal_edit(prompt, lo, hi, s, e)
            yield diagnostic(code, name, severity, message, s, e, make_fix(SAFE, (cut,), fix_message) if cut else None)


def _filler_words(ctx: Context, written: str, label: str) -> tuple[bool, str, str]:
    """For one filler token as written: whether it is attributive, the message and the fix's."""
    key = normalize(written)
    reasons = ctx.lexicon.reason
    why = reasons.get(key) or reasons.get(key.replace("-", " ")) or "quality words carry no describable content"
    attributive = key in wording_settings(ctx.rule_dirs).filler_attributive
    return attributive, f"`{written}` is filler on {label}: {why}", f"remove `{written}`"


@rule("PS210", "site-name-as-style", severity=Severity.WARNING, fix=Fixable.SOMETIMES, needs=("text",),
      summary="Finds an art-site name (`artstation`, `pixiv`) used as a style or a quality.")
def site_name_as_style(ctx: Context) -> Iterable[Diagnostic]:
    """## What it does
    Finds art-site names (`artstation`, `pixiv`, `deviantart` …) used as a style or a quality.
    The names and the words around them (`trending on`, `hq`) are `[sites]` in
    rules/lint.toml. On V6+, where PS201 already reports a site name that is in the filler
    lexicon, this rule stays quiet about it.

    ## Why is this bad?
    A site name is a CLIP-era shortcut: the encoder linked it with the kind of picture those
    sites were full of, so it dragged in a vague "polished digital art" look. It names no
    medium or style the reader can picture, and V6+ reads it literally (a web page, a logo, a
    watermark). Name the style instead: `digital painting`, `concept art`, `anime key visual`.
    The fix (unsafe) removes the phrase.

    ## Example
    `castle on a cliff, by greg rutkowski, fantasy, artstation`

    ## Use instead
    `castle on a cliff, fantasy concept art by greg rutkowski`

    ## References
    - Midjourney, the V6 alpha announcement (Discord, 21 December 2023)
    - Radford et al., "Learning Transferable Visual Models From Natural Language Supervision" (CLIP, 2021): https://arxiv.org/abs/2103.00020
    """
    prompt = ctx.prompt
    if not prompt.segments or not any(map(ctx.lower_text.__contains__, wording_settings(ctx.rule_dirs).site_keys)):
        return ()
    return _site_name_as_style(ctx)


def _site_name_as_style(ctx: Context) -> Iterator[Diagnostic]:
    # the gate above has found text holding one of the names' covering keys
    prompt = ctx.prompt
    c = wording_settings(ctx.rule_dirs)
    low = ctx.lower_text
    present = [a for a in c.site_anchors if a in low]
    if not present:
        return
    src = ctx.source
    lsrc = src.lower()
    if len(lsrc) != len(src):
        return  # lower-casing changed the length (rare scripts): spans would not line up
    quotes = prompt.quotes
    v6 = ctx.version_number >= 6
    lex = ctx.lexicon
    for seg in prompt.segments:
        lo, hi = seg.span.start, seg.span.end
        # candidate starts: where a site name present in the text occurs in this segment
        starts = set()
        for a in present:
            k = lsrc.find(a, lo, hi)
            while k >= 0:
                starts.add(k)
                k = lsrc.find(a, k + 1, hi)
        fillers: list[tuple[int, int]] | None = None
        last_end = lo
        for ss in sorted(starts):
            if ss < last_end or (ss > lo and (lsrc[ss - 1].isalnum() or lsrc[ss - 1] in "_-")):
                continue  # inside the previous match, or part of a longer word
            m = c.sites.match(lsrc, ss, hi)
            if m is None or (quotes and in_spans(ss, quotes)):
                continue
            e, site_end = m.end(), m.end("site")
            last_end = e
            if v6:
                # PS201 reports a site name that is itself a filler term and stands as a word
                bare = site_end == hi or not (lsrc[site_end].isalnum() or lsrc[site_end] in "_-")
                if not (bare and lex.slot(m.group("site")) == "filler"):
                    if fillers is None:
                        fillers = _filler_matches(ctx, lo, hi)
                    bare = any(a < site_end and ss < b for a, b in fillers)
                if bare:
                    continue
            s = ss
            window = " ".join(lsrc[max(lo, ss - 24) : ss].split()[-2:]) + " "
            for before in c.site_before:
                if window.endswith(before) and (len(window) == len(before) or window[-len(before) - 1] == " "):
                    # walk back over the words of the phrase in the source
                    k = ss
                    for _ in range(len(before.split())):
                        k = lsrc.rfind(" ", lo, len(lsrc[:k].rstrip())) + 1 or lo
                    s = max(lo, k)
                    break
            cut = removal_edit(prompt, lo, hi, s, e)
            yield ctx.diag(
                s, e,
                f"`{src[s:e]}` names a website, not a style: say what the picture should look like "
                f"(`digital painting`, `concept art`) instead of `{src[ss:site_end]}`",
                Fix.unsafe(cut, message=f"remove `{src[s:e]}`") if cut else None,
            )
