"""PS3xx: structure. The shape Midjourney expects: image prompts, then text, then parameters.

Sources for the family: Midjourney's "Image Prompts", "Parameter List" and "Multi-Prompts &
Weights" articles, linked from each rule's References. Settings live in rules/lint.toml.

Why over 400 lines: one small function per rule of the structure family, each with its docstring
(the rule's documentation); the family stays one module, as the registry lists it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from promptsmith.core.model import Diagnostic, Fix, Segment, Severity, edit
from promptsmith.core.parse import TEXT_AFTER_PARAMS
from promptsmith.linter.context import Context
from promptsmith.linter.helpers import in_spans, lint_settings, removal_edit
from promptsmith.linter.registry import Fixable, parser_rule, rule


@lru_cache(maxsize=8)
def _image_settings(rule_dirs: tuple[Path, ...] = ()) -> tuple[frozenset[str], tuple[str, ...]]:
    images = lint_settings(rule_dirs).get("images", {})
    exts = frozenset(x.lower().lstrip(".") for x in images.get("extensions", ("png", "gif", "jpg", "jpeg", "webp")))
    hosts = tuple(h.lower() for h in images.get("hosts", ()))
    return exts, hosts


# -- PS301 ------------------------------------------------------------------------------------------


@rule("PS301", "image-prompt-not-first", severity=Severity.WARNING, fix=Fixable.ALWAYS, needs=("images",),
      summary="Finds an image URL after the text; image prompts go first.")
def image_prompt_not_first(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds an image URL that comes after some of the text.

    ## Why is this bad?
    Midjourney takes image prompts only at the front of the prompt ("Image prompts go at the
    front of a prompt"); a URL in the middle of the text is not used as an image, and its
    characters become words of the prompt. The safe fix moves the URL to the front, after any
    image prompts already there.

    ## Example
    `a cat wearing a crown https://example.com/ref.png watercolor --iw 1.5`

    ## Use instead
    `https://example.com/ref.png a cat wearing a crown watercolor --iw 1.5`

    ## References
    - Midjourney docs, "Image Prompts": https://docs.midjourney.com/hc/en-us/articles/32040250122381
    """
    images = ctx.prompt.images
    if not images or all(im.leading for im in images):
        return
    src = ctx.source
    leading = [im for im in images if im.leading]
    at = leading[-1].span.end if leading else 0
    for im in images:
        if im.leading:
            continue
        s, e = im.span.start, im.span.end
        i = s
        while i > 0 and src[i - 1] in " \t":
            i -= 1
        url = src[s:e]
        content = " " + url if leading else url + " "
        yield ctx.diag(
            s, e,
            "an image prompt after the text is not used as an image; image prompts go first",
            Fix.safe(edit(at, at, content), edit(i, e), message="move it to the front"),
        )


# -- PS302 ------------------------------------------------------------------------------------------


@parser_rule(TEXT_AFTER_PARAMS, fix=Fixable.ALWAYS,
             summary="Finds text after the parameters, which Midjourney reads as a parameter value.")
def text_after_parameters(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds text after the parameter block: `a cat --ar 3:2 in the snow`. The parser finds it;
    this rule reports it with a fix.

    ## Why is this bad?
    Parameters "are always added to the end of a prompt". Words after a parameter are read as
    its value (or make Midjourney reject the value), so they never reach the image, and the
    parameter may be invalid. The safe fix moves the stray words to the end of the text, before
    the parameters.

    ## Example
    `a red fox --ar 3:2 in fresh snow`

    ## Use instead
    `a red fox in fresh snow --ar 3:2`

    ## References
    - Midjourney docs, "Parameter List": https://docs.midjourney.com/hc/en-us/articles/32859204029709
    """
    prompt = ctx.prompt
    if not prompt.diagnostics:
        return
    src = ctx.source
    at = prompt.params_start
    for d in prompt.diagnostics:
        if d.code != TEXT_AFTER_PARAMS.code:
            continue
        s, e = d.span.start, d.span.end
        i = s
        while i > at and src[i - 1] in " \t":
            i -= 1
        stray = src[s:e]
        content = stray + " " if at == 0 or src[at - 1].isspace() else " " + stray + " "
        yield ctx.diag(
            s, e, d.message,
            Fix.safe(edit(at, at, content), edit(i, e),
                     message="move it before the parameters"),
        )


# -- PS303 ------------------------------------------------------------------------------------------


@rule("PS303", "image-only-prompt", severity=Severity.ERROR, needs=("images",),
      summary="Finds a prompt of one image and no text, which Midjourney rejects.")
def image_only_prompt(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a prompt made of one image URL and no text.

    ## Why is this bad?
    "Prompts must have two images or one image and additional text to work": Midjourney
    rejects a lone image prompt. (Image-only prompts are also incompatible with `--stylize`
    and `--weird`.)

    ## Example
    `https://example.com/ref.png --ar 3:2`

    ## Use instead
    `https://example.com/ref.png a lighthouse on a cliff at dusk --ar 3:2`, or a second image

    ## References
    - Midjourney docs, "Image Prompts": https://docs.midjourney.com/hc/en-us/articles/32040250122381
    """
    prompt = ctx.prompt
    if len(prompt.images) != 1 or prompt.segments:
        return
    im = prompt.images[0]
    yield ctx.diag(
        im.span.start, im.span.end,
        "one image and no text: Midjourney needs two images, or an image and a text prompt",
    )


# -- PS304 ------------------------------------------------------------------------------------------


@rule("PS304", "non-image-url", severity=Severity.WARNING, needs=("images",),
      summary="Finds an image prompt URL that is not a direct link to an image file.")
def non_image_url(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds an image prompt URL that is not a direct link to an image file.
    That is a URL that does not end in `.png`, `.gif`, `.jpg`, `.jpeg` or `.webp` (a query
    string after it is fine) and is not on a Midjourney or Discord image host (`s.mj.run`,
    `cdn.midjourney.com`, `cdn.discordapp.com`, `media.discordapp.net`). Both lists are
    `[images]` in rules/lint.toml.

    ## Why is this bad?
    Image prompts "must be direct links" to an image file. A link to a web page (a Pinterest
    pin, a Google Images result, an ArtStation project) is not an image, so Midjourney cannot
    fetch it and the job fails or runs without the reference.

    ## Example
    `https://www.pinterest.com/pin/123456/ a cottage in a meadow`

    ## Use instead
    `https://i.pinimg.com/originals/ab/cd/ef.jpg a cottage in a meadow` (right-click the
    picture, "Copy image address")

    ## References
    - Midjourney docs, "Image Prompts": https://docs.midjourney.com/hc/en-us/articles/32040250122381
    """
    images = ctx.prompt.images
    if not images:
        return
    exts, hosts = _image_settings(ctx.rule_dirs)
    for im in images:
        url = im.url
        if "{" in url:
            continue  # a permuted URL; each option is its own job
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            host, parts = "", None
        if host and any(host == h or host.endswith("." + h) for h in hosts):
            continue
        path = (parts.path if parts is not None else url).rstrip(",;.)")
        name = path.rsplit("/", 1)[-1]
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext in exts:
            continue
        yield ctx.diag(
            im.span.start, im.span.end,
            f"`{url if len(url) <= 50 else url[:49] + '…'}` is not a direct link to an image "
            f"({', '.join('.' + x for x in sorted(exts))}); Midjourney cannot use a web page as an image prompt",
        )


# -- PS305 ------------------------------------------------------------------------------------------


@rule("PS305", "trailing-separator", severity=Severity.INFO, fix=Fixable.ALWAYS, needs=("separator",),
      summary="Finds a trailing `::` with no weight and nothing after it.")
def trailing_separator(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a trailing `::` separator with no weight and nothing after it.
    For example `a spirit photograph :: --ar 7:5`.

    ## Why is this bad?
    `::` splits the prompt into parts that are weighted and considered separately; a trailing
    `::` with no weight opens no new part and changes nothing, so it only suggests a part that
    was lost. (A trailing `::2` carries a weight and is left alone.) The safe fix removes it.

    ## Example
    `1920s spirit photograph of a medium summoning an apparition :: --ar 7:5`

    ## Use instead
    `1920s spirit photograph of a medium summoning an apparition --ar 7:5`

    ## References
    - Midjourney docs, "Multi-Prompts & Weights": https://docs.midjourney.com/hc/en-us/articles/32658968492557-Multi-Prompts-Weights
    """
    prompt = ctx.prompt
    if "::" not in prompt.text:
        return
    segments = ctx.text_segments
    if not segments:
        return
    last = segments[-1]
    if not last.separated or last.weight_raw is not None or not last.text:
        return
    src = ctx.source
    k = src.find("::", last.span.end)
    if k < 0:
        return
    e = k + 2
    if src[e : prompt.params_start].strip():
        return
    yield ctx.diag(
        k, e,
        "a trailing `::` with no weight and no part after it does nothing",
        Fix.safe(edit(last.span.end, e), message="remove the `::`"),
    )


# -- PS306 ------------------------------------------------------------------------------------------


@rule("PS306", "empty-prompt", severity=Severity.ERROR,
      summary="Finds a prompt with no text and no image: blank, or parameters alone.")
def empty_prompt(ctx: Context) -> Iterable[Diagnostic]:
    """## What it does
    Finds a prompt with no text and no image prompt: blank, or parameters alone.

    ## Why is this bad?
    Midjourney has nothing to draw and rejects the job; parameters only tune a prompt.

    ## Example
    `--ar 16:9 --v 6.1`

    ## Use instead
    `a foggy harbour at dawn --ar 16:9 --v 6.1`

    ## References
    - Midjourney docs (V4/V5 era), "Prompts": https://docs.midjourney.com/docs/prompts
    - Midjourney docs, "Parameter List": https://docs.midjourney.com/hc/en-us/articles/32859204029709
    """
    prompt = ctx.prompt
    if prompt.segments or prompt.images:
        return ()
    return (ctx.diag(0, len(ctx.source), "the prompt has no text and no image: there is nothing to draw"),)


# -- PS307 ------------------------------------------------------------------------------------------

_SPACES = re.compile(r"[ \t]+(?=,)|[ \t]{2,}")


@rule("PS307", "extra-whitespace", severity=Severity.INFO, fix=Fixable.ALWAYS,
      summary="Finds runs of spaces and spaces before a comma, outside quoted text.")
def extra_whitespace(ctx: Context) -> Iterable[Diagnostic]:
    """## What it does
    Finds runs of spaces and spaces before a comma (`epic , concept art`), outside quoted text.

    ## Why is this bad?
    Harmless to the model, but untidy: it makes prompts harder to compare and diff, and a
    space before a comma is usually the trace of an edit that removed a word. The safe fix
    writes one space, or none before a comma.

    ## Example
    `a gothic church lit by the full moon ,  epic clouds`

    ## Use instead
    `a gothic church lit by the full moon, epic clouds`

    ## References
    - Midjourney docs (V4/V5 era), "Prompts": https://docs.midjourney.com/docs/prompts
    """
    src = ctx.source
    if "  " not in src and " ," not in src and "\t" not in src:
        return ()
    return _extra_whitespace(ctx)


def _extra_whitespace(ctx: Context) -> Iterator[Diagnostic]:
    # the gate above has found a double space, a space before a comma or a tab
    src = ctx.source
    n = len(src)
    quotes = ctx.prompt.quotes
    for m in _SPACES.finditer(src):
        s, e = m.span()
        if s == 0 or e == n:
            continue
        if quotes and any(q.span.start < s < q.span.end for q in quotes):
            continue
        before_comma = e < n and src[e] == ","
        yield ctx.diag(
            s, e,
            "space before a comma" if before_comma else "more than one space",
            Fix.safe(edit(s, e, "" if before_comma else " ")),
        )


# -- PS308 ------------------------------------------------------------------------------------------

_REFERENCE_PARAMS = ("sref", "oref", "cref")


@rule("PS308", "reference-text-missing", severity=Severity.ERROR, needs=("params",),
      summary="Finds `--sref`, `--oref` or `--cref` in a prompt with no text.")
def reference_text_missing(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds `--sref`, `--oref` or `--cref` in a prompt that has no text.

    ## Why is this bad?
    References steer how a prompt is drawn; they are not a prompt. `--sref` "only works with
    text prompts", and Omni Reference needs "a text prompt in combination with your Omni
    Reference", so Midjourney refuses or ignores the reference.

    ## Example
    `--sref 4051825409 --v 7`

    ## Use instead
    `a koi pond in autumn --sref 4051825409 --v 7`

    ## References
    - Midjourney docs, "Style Reference": https://docs.midjourney.com/hc/en-us/articles/32180011136653
    - Midjourney docs, "Omni Reference": https://docs.midjourney.com/hc/en-us/articles/36285124473997-Omni-Reference
    - Midjourney docs, "Character Reference": https://docs.midjourney.com/hc/en-us/articles/32162917505293
    """
    prompt = ctx.prompt
    if prompt.segments or not prompt.params:
        return
    for p in prompt.params:
        if p.name in _REFERENCE_PARAMS:
            yield ctx.diag(
                p.span.start, p.span.end,
                f"`--{p.alias}` needs a text prompt to apply to; this prompt has no text",
            )


# -- PS309 ------------------------------------------------------------------------------------------

_PARAM_WORDS = re.compile(
    r"(?<![\w-])(?:aspect\s+ratio|aspect|ar)\s*(?:of\s+|[:=]\s*)?(?P<ar>\d{1,3}\s*:\s*\d{1,3})(?![\w:])"
    r"|(?<![\w:])(?P<ar2>\d{1,3}:\d{1,3})\s+aspect(?:\s+ratio)?(?![\w-])"
    r"|(?<![\w-])seed\s*(?:[:=#]\s*)?(?P<seed>\d{2,10})(?![\w.])"
    r"|(?<![\w-])(?:stylize|stylise)\s*(?:[:=]\s*)?(?P<s>\d{1,5})(?![\w.])"
    r"|(?<![\w-])chaos\s*(?:[:=]\s*)?(?P<chaos>\d{1,3})(?![\w.])"
    r"|(?<![\w-])-(?P<dash>ar|aspect|v|version|s|stylize|c|chaos|q|quality|seed|no|iw|niji|style)\s+(?P<dv>[^\s-][^\s]*)",
    re.IGNORECASE,
)
# Cheap tests that every match passes, run before the regex: a word, a one-dash flag, a ratio.
_DASH_HINT = re.compile(r"(?:^|\s)-[avscqni]")
_RATIO_HINT = re.compile(r"\d\s*:\s*\d")
_WRITTEN = {"ar": "ar", "ar2": "ar", "seed": "seed", "s": "s", "chaos": "chaos"}


@rule("PS309", "parameter-in-text", severity=Severity.WARNING, fix=Fixable.SOMETIMES, needs=("text",),
      summary="Finds a parameter written as words in the text (`aspect ratio 16:9`, `seed 1234`).")
def parameter_in_text(ctx: Context) -> Iterable[Diagnostic]:
    """## What it does
    Finds a parameter written as words in the text: `aspect ratio 16:9`, `seed 1234`.
    Also `ar 16:9`, `16:9 aspect ratio`, `stylize 250`, `chaos 20`, and one-dash forms
    (`-ar 2:3`).

    ## Why is this bad?
    Only `--name value` at the end of a prompt is a parameter. Written as words, it sets
    nothing: the image comes out 1:1 and the words `aspect ratio 16:9` go to the text encoder,
    which may letter them into the picture or read "16:9" as content. The fix (unsafe: the
    words might have been meant) removes the words and adds the parameter, unless the prompt
    already sets it.

    ## Example
    `cinematic still of a desert caravan, aspect ratio 16:9`

    ## Use instead
    `cinematic still of a desert caravan --ar 16:9`

    ## References
    - Midjourney docs, "Parameter List": https://docs.midjourney.com/hc/en-us/articles/32859204029709
    - Midjourney docs, "Aspect Ratio": https://docs.midjourney.com/hc/en-us/articles/31894244298125
    - Midjourney docs, "Seeds": https://docs.midjourney.com/hc/en-us/articles/32604356340877
    """
    low = ctx.lower_text
    if not (
        "seed" in low or "styli" in low or "chaos" in low or "aspect" in low
        or ("-" in low and _DASH_HINT.search(low)) or (":" in low and _RATIO_HINT.search(low))
    ):
        return ()
    return _parameter_in_text(ctx)


def _parameter_in_text(ctx: Context) -> Iterator[Diagnostic]:
    # the gate above has found a parameter word, a dash or a ratio in the text
    prompt = ctx.prompt
    segments = ctx.text_segments
    if not segments:
        return
    src = ctx.source
    quotes = prompt.quotes
    spec = ctx.spec
    for seg in segments:
        lo, hi = seg.span.start, seg.span.end
        for m in _PARAM_WORDS.finditer(src, lo, hi):
            s, e = m.span()
            if quotes and any(q.span.start <= s < q.span.end for q in quotes):
                continue
            if m.group("dash"):
                written, value = m.group("dash").lower(), m.group("dv")
                ps = spec.lookup(written)
                name = ps.name if ps is not None else written
            else:
                key = next(k for k in _WRITTEN if m.group(k))
                written, value = _WRITTEN[key], re.sub(r"\s+", "", m.group(key))
                ps = spec.lookup(written)
                name = ps.name if ps is not None else written
            suggestion = f"--{written} {value}"
            cut = removal_edit(prompt, lo, hi, s, e)
            fix = None
            if prompt.has(name):
                advice = f"the prompt already sets `--{written}`, so remove the words"
                if cut is not None:
                    fix = Fix.unsafe(cut, message="remove the words")
            else:
                advice = f"write `{suggestion}` at the end"
                if cut is not None:
                    at = len(src.rstrip())
                    fix = Fix.unsafe(cut, edit(at, at, " " + suggestion), message=f"write `{suggestion}`")
            yield ctx.diag(s, e, f"`{m.group()}` is read as words, not as a parameter; {advice}", fix)


# -- PS310 ------------------------------------------------------------------------------------------

def _stray_candidate(seg: Segment) -> bool:
    """Whether a segment starts or ends with a separator, or holds an empty term (PS310's gate)."""
    text = seg.text
    return bool(text) and (text[0] in ",;" or text[-1] in ",;" or ",," in text or ", ," in text)


_EMPTY_TERM = re.compile(r",(?:[ \t]*,)+")


@rule("PS310", "stray-punctuation", severity=Severity.INFO, fix=Fixable.ALWAYS, needs=("text",),
      summary="Finds a comma or semicolon that separates nothing.")
def stray_punctuation(ctx: Context) -> Iterable[Diagnostic]:
    """## What it does
    Finds a comma or semicolon that separates nothing.
    That is one dangling at the end of the text (`cat, --ar 1:1`) or before a `::`
    (`cat,::2 dog`), one opening the text or a `::` part (`, cat`), or a doubled one around an
    empty term (`mist, , concept art`). A full stop that ends a sentence is fine and is not
    reported.

    ## Why is this bad?
    The separator separates nothing: it is what is left after a term was cut or a prompt was
    assembled from pieces. It is noise for the encoder and for anyone reading the prompt. The
    safe fix removes it.

    ## Example
    `a lighthouse at dusk, stormy sea, --ar 16:9`

    ## Use instead
    `a lighthouse at dusk, stormy sea --ar 16:9`

    ## References
    - Midjourney docs (V4/V5 era), "Prompts": https://docs.midjourney.com/docs/prompts
    - Midjourney docs, "Multi-Prompts & Weights": https://docs.midjourney.com/hc/en-us/articles/32658968492557-Multi-Prompts-Weights
    """
    if not any(map(_stray_candidate, ctx.prompt.segments)):
        return ()
    return _stray_punctuation(ctx)


def _stray_punctuation(ctx: Context) -> Iterator[Diagnostic]:
    prompt = ctx.prompt
    segments = ctx.text_segments
    if not segments:
        return
    src = ctx.source
    ps = prompt.params_start
    leading_ok = all(im.leading for im in prompt.images)
    for idx, seg in enumerate(segments):
        text = seg.text
        if not text:
            continue
        lo, hi = seg.span.start, seg.span.end
        if text[0] in ",;" and ((idx == 0 and leading_ok) or (idx > 0 and segments[idx - 1].separated)):
            j = lo
            while j < hi and src[j] in ",; \t":
                j += 1
            k = j
            while k > lo and src[k - 1] in " \t":
                k -= 1
            yield ctx.diag(lo, k, f"`{src[lo:k]}` opens the text and separates nothing",
                           Fix.safe(edit(lo, j), message="remove it"))
            if j == hi:
                continue  # the whole part was punctuation
        if text[-1] in ",;" and (seg.separated or not src[hi:ps].strip()):
            i = hi
            while i > lo and src[i - 1] in ",; \t":
                i -= 1
            if i == lo:
                continue
            p = i
            while src[p] not in ",;":
                p += 1
            where = "before `::`" if seg.separated else ("before the parameters" if ps < len(src) else "at the end")
            yield ctx.diag(p, hi, f"`{src[p:hi]}` dangles {where} and separates nothing",
                           Fix.safe(edit(i, hi), message="remove it"))
        if ",," in text or ", ," in text:
            for m in _EMPTY_TERM.finditer(src, lo, hi):
                s, e = m.span()
                if s == lo or e == hi or (prompt.permutations and in_spans(s, prompt.permutations)) or (
                    prompt.quotes and in_spans(s, prompt.quotes)
                ):
                    continue  # ends are handled above; `{a, , b}` is PS011's
                yield ctx.diag(s, e, f"`{m.group()}` separates an empty term",
                               Fix.safe(edit(s, e, ","), message="remove the empty term"))
