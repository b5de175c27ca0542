"""PS205, PS207, PS212: text to draw, which V6 and later take from straight double quotes only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from promptsmith.core.model import Diagnostic, Fix, Severity, edit
from promptsmith.linter.checks.wording.settings import WordingSettings, wording_settings
from promptsmith.linter.context import Context
from promptsmith.linter.helpers import clip, in_spans
from promptsmith.linter.registry import Fixable, rule

_SINGLE = re.compile(r"(?<![\w'’])'(?=[^\s'])([^'\n]{2,80}?)(?<=[^\s'])'(?![\w'])")
_CURLY_SINGLE = re.compile(r"(?<![\w‘’])‘(?=[^\s‘’])([^‘’\n]{1,80}?)(?<=[^\s‘’])’(?![\w‘’])")
_LETTER = re.compile(r"[^\W\d_]")
_CUE_WORD = re.compile(r"[\w]+")


def _cued(c: WordingSettings, src: str, lo: int, s: int) -> bool:
    """Whether the words just before a quote say that it is text to draw (`a sign that says`)."""
    before = src[max(lo, s - 60) : s]
    if before.rstrip().endswith(":"):
        return True
    cut = max(before.rfind(","), before.rfind(";"), before.rfind(". "))
    if cut >= 0:
        before = before[cut + 1 :]  # the cue must be in the same clause
    words = _CUE_WORD.findall(before.lower())
    return any(w in c.text_cues for w in words[-c.cue_window :])


def _quoted_prompt(ctx: Context, q: Any) -> bool:
    """Whether a quote wraps all the text before the parameters, and it reads as a description
    (more than three words) rather than a short text to draw (PS212)."""
    segments = ctx.text_segments
    if not segments or q.span.end - q.span.start <= 2:
        return False
    return (
        q.span.start <= segments[0].span.start
        and q.span.end >= segments[-1].span.end - 1
        and len(q.text.split()) > 3
    )


@rule("PS205", "single-quoted-text", severity=Severity.WARNING, fix=Fixable.ALWAYS, needs=("apostrophe",),
      summary="Finds text to draw in single quotes, which V6 and later read as plain words.")
def single_quoted_text(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    On V6 and later, finds text to draw written in single quotes: `a sign that says 'OPEN'`. Only
    quotes after a word that announces text (`says`, `text`, `title`, `logo`, `sign` …; the
    list is `[text_quotes] cues` in rules/lint.toml) are reported, so scare quotes and
    apostrophes (`Rembrandt's`, `don't`, `'90s`) are not.

    ## Why is this bad?
    Midjourney V6+ draws the text it finds in *double* quotes; single quotes are read as
    ordinary words, so the wording is blended into the scene and the lettering comes out garbled
    or missing. The fix (unsafe: the words will now be drawn as lettering) swaps in double
    quotes; `--style raw` or a lower `--stylize` helps the lettering too.

    ## Example
    `vintage coffee shop sign that says 'Morning Brew', hand painted`

    ## Use instead
    `vintage coffee shop sign that says "Morning Brew", hand painted --style raw`

    ## References
    - Midjourney docs, "Text Generation": https://docs.midjourney.com/hc/en-us/articles/32502277092109
    - Midjourney, the V6 alpha announcement (Discord, 21 December 2023)
    """
    if ctx.version_number < 6:
        return
    prompt = ctx.prompt
    if not prompt.segments or "'" not in prompt.text:
        return
    c = wording_settings(ctx.rule_dirs)
    src = ctx.source
    quotes = prompt.quotes
    for seg in prompt.segments:
        lo, hi = seg.span.start, seg.span.end
        for m in _SINGLE.finditer(src, lo, hi):
            s, e = m.span()
            body = m.group(1)
            if not _LETTER.search(body) or (quotes and in_spans(s, quotes)) or not _cued(c, src, lo, s):
                continue
            yield ctx.diag(
                s, e,
                f"`{clip(m.group())}` is in single quotes; Midjourney draws only text in double quotes "
                "(and `--style raw` helps the lettering)",
                Fix.unsafe(edit(s, s + 1, '"'), edit(e - 1, e, '"'),
                           message="use double quotes"),
            )


@rule("PS207", "curly-quotes", severity=Severity.WARNING, fix=Fixable.ALWAYS, needs=("quotes", "apostrophe"),
      summary="Finds text to draw in curly quotes (`“OPEN”`), where Midjourney documents straight ones.")
def curly_quotes(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    On V6 and later, finds text to draw in typographic quotes: `“OPEN”` or `‘OPEN’`.
    Phones and word processors type them; the fix writes straight double quotes.

    ## Why is this bad?
    Midjourney documents straight double quotes as the marker of text to render; curly quotes are
    other characters, and single ones are read as ordinary words. The safe fix writes `"…"`.
    Single curly quotes are reported only after a word that announces text (as in PS205), so an
    apostrophe (`Rembrandt’s`) is never touched. A quote around the whole prompt is PS212's.

    ## Example
    `a neon sign that reads “OPEN LATE”, rainy street`

    ## Use instead
    `a neon sign that reads "OPEN LATE", rainy street`

    ## References
    - Midjourney docs, "Text Generation": https://docs.midjourney.com/hc/en-us/articles/32502277092109
    """
    if ctx.version_number < 6:
        return
    prompt = ctx.prompt
    src = ctx.source
    for q in prompt.quotes:
        if q.quote != "“":
            continue
        s, e = q.span.start, q.span.end
        if _quoted_prompt(ctx, q):
            continue
        yield ctx.diag(
            s, e,
            f"`{clip(src[s:e])}` uses curly quotes; write straight double quotes for text to draw",
            Fix.safe(edit(s, s + 1, '"'), edit(e - 1, e, '"'),
                     message="use straight double quotes"),
        )
    if "‘" not in src:
        return
    c = wording_settings(ctx.rule_dirs)
    for seg in prompt.segments:
        lo, hi = seg.span.start, seg.span.end
        for m in _CURLY_SINGLE.finditer(src, lo, hi):
            s, e = m.span()
            if not _LETTER.search(m.group(1)) or not _cued(c, src, lo, s):
                continue
            yield ctx.diag(
                s, e,
                f"`{clip(m.group())}` uses curly single quotes; Midjourney draws only text in straight double quotes",
                Fix.safe(edit(s, s + 1, '"'), edit(e - 1, e, '"'),
                         message="use straight double quotes"),
            )


@rule("PS212", "quoted-prompt", severity=Severity.WARNING, fix=Fixable.ALWAYS, needs=("quotes",),
      summary="Finds a prompt wholly in quotes, which V6 and later letter onto the image.")
def quoted_prompt(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    On V6 and later, finds a prompt whose whole text is wrapped in quotes.
    (`"a red fox in snow"` or `“…”`, as when a prompt is pasted from a chat or a document.)

    ## Why is this bad?
    From V6 on, quoted text is text to *draw*: the model tries to letter the whole description
    onto the image instead of depicting it. The fix (unsafe, since lettering may have been
    meant) removes the two quotes.

    ## Example
    `"a failed rocket launch at night, spiralling out of control" --ar 16:9`

    ## Use instead
    `a failed rocket launch at night, spiralling out of control --ar 16:9`

    ## References
    - Midjourney docs, "Text Generation": https://docs.midjourney.com/hc/en-us/articles/32502277092109
    """
    if ctx.version_number < 6:
        return
    prompt = ctx.prompt
    for q in prompt.quotes:
        s, e = q.span.start, q.span.end
        if _quoted_prompt(ctx, q):
            yield ctx.diag(
                s, e,
                "the whole prompt is in quotes, which V6+ reads as text to letter onto the image",
                Fix.unsafe(edit(s, s + 1), edit(e - 1, e), message="remove the quotes"),
            )
            return
