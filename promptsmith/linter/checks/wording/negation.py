"""PS202, PS211: exclusions and weights written the wrong way: "no X" in the text, and Stable
Diffusion's weight, emphasis and negative-prompt syntax."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from promptsmith.core.lexicon import normalize
from promptsmith.core.model import Diagnostic, Fix, Severity, edit
from promptsmith.linter.checks.wording.settings import WordingSettings, wording_settings
from promptsmith.linter.context import Context
from promptsmith.linter.helpers import clip, in_spans, removal_edit, segment_terms
from promptsmith.linter.registry import Fixable, rule

_ARTICLE = re.compile(r"^(?:a|an|the|any)\s+", re.IGNORECASE)
_AND = re.compile(r"\s*(?:\band\b|\bor\b|&|\bnor\b)\s*", re.IGNORECASE)


def _negated_items(c: WordingSettings, x: str) -> list[str] | None:
    """The things a "no X" phrase excludes, or None when X is not a short list of nouns."""
    items = []
    for part in _AND.split(x):
        part = _ARTICLE.sub("", part.strip())
        if not part:
            continue
        words = part.split()
        if words[0].lower() in c.neg_not_nouns or "'" in words[0][-2:] or "’" in words[0][-2:]:
            return None
        if any(w.lower() in c.function_words or w.lower() in ("of", "for", "to", "by", "as") for w in words):
            return None
        items.append(part)
    if not items or sum(len(i.split()) for i in items) > c.neg_max_words:
        return None
    return items


def _negation_at_end(c: WordingSettings, text: str) -> tuple[re.Match[str] | None, list[str] | None]:
    """The "no X" phrase that ends a term and what it excludes, trying each negation word."""
    pos = 0
    while True:
        m = c.negation.search(text, pos)
        if m is None:
            return None, None
        neg, x = m.group("neg"), m.group("x")
        # a Japanese title: `Kimetsu no Yaiba`, `Sen to Chihiro no Kamikakushi`
        before = text[: m.start("neg")].split()
        if not (neg.islower() and x[:1].isupper() and before and before[-1][:1].isupper()):
            items = _negated_items(c, x)
            if items is not None:
                return m, items
        pos = m.start("neg") + 1


@rule("PS202", "negation-in-text", severity=Severity.WARNING, fix=Fixable.SOMETIMES, needs=("text",),
      summary="Finds \"no X\" or \"without X\" in the text, which tends to add X; `--no X` excludes it.")
def negation_in_text(ctx: Context) -> Iterable[Diagnostic]:
    """## What it does
    Finds "no X" and "without X" in the text, which tend to add X to the image.
    X is a short noun phrase standing as its own comma term (`no people`) or ending one
    (`a beach without boats`).

    ## Why is this bad?
    The text encoder sees the word X and the image is conditioned on it; the negation is a small
    word that attention barely weighs, so "no people" tends to *add* people. `--no X` is what
    excludes: it is exactly a multi-prompt part `X::-0.5`, a negative weight that pushes the
    image away from X (the CFG-style difference between conditioned and unconditioned
    predictions, run the other way). The fix (unsafe: check that the words were a negation)
    removes the phrase and adds X to `--no`, appending to an existing `--no`. Idioms that negate
    nothing drawable (`no one`, `no longer`, `without a doubt`; list in rules/lint.toml) and
    Japanese titles (`Kimetsu no Yaiba`) are not reported; "not X" is left alone, too often prose.

    ## Example
    `empty beach at dawn, no people, pastel colors --no birds`

    ## Use instead
    `empty beach at dawn, pastel colors --no birds, people`

    ## References
    - Midjourney docs, "No": https://docs.midjourney.com/hc/en-us/articles/32173351982093
    - Midjourney docs, "Multi-Prompts & Weights": https://docs.midjourney.com/hc/en-us/articles/32658968492557-Multi-Prompts-Weights
    - Ho and Salimans, "Classifier-Free Diffusion Guidance" (2022): https://arxiv.org/abs/2207.12598
    """
    prompt = ctx.prompt
    if not prompt.segments or not any(map(ctx.lower_text.__contains__, wording_settings(ctx.rule_dirs).negation_words)):
        return ()
    return _negation_in_text(ctx)


def _negation_in_text(ctx: Context) -> Iterator[Diagnostic]:
    # the gate above has checked for text and a negation word
    prompt = ctx.prompt
    c = wording_settings(ctx.rule_dirs)
    src = ctx.source
    quotes = prompt.quotes
    segments = prompt.segments
    no_params = [p for p in prompt.params_named("no") if not p.permuted]
    already = {normalize(w) for p in no_params for w in (p.value or ())} if no_params else set()  # type: ignore[arg-type, union-attr]
    for seg, (text, ts, te) in ((g, t) for g in segments for t in segment_terms(src, g)):
        if not any(w in text.lower() for w in c.negation_words):
            continue
        m, items = _negation_at_end(c, text)
        if m is None or items is None:
            continue
        s = ts + m.start()
        if quotes and in_spans(s, quotes):
            continue
        phrase = m.group()
        fix = None
        cut = removal_edit(prompt, seg.span.start, seg.span.end, s, te)
        if cut is not None:
            new = [i for i in items if normalize(i) not in already]
            edits = [cut]
            if new:
                if no_params:
                    last = no_params[-1]
                    at = last.span.end
                    edits.append(edit(at, at, (", " if last.raw else " ") + ", ".join(new)))
                else:
                    at = len(src.rstrip())
                    edits.append(edit(at, at, " --no " + ", ".join(new)))
            fix = Fix.unsafe(*edits, message=f"move `{', '.join(items)}` to `--no`")
        shown = ", ".join(items)
        yield ctx.diag(
            s, te,
            f"`{phrase}` puts `{shown}` into the prompt: the encoder reads the word, not the negation; "
            f"use `--no {shown}`",
            fix,
        )


# Bracket syntax (tested when the text has a bracket) and section labels (when it has a colon).
_SD = re.compile(
    r"(?P<weighted>\((?P<wtext>[^():\n]+):\s*(?P<weight>-?\d+(?:\.\d+)?)\))"
    r"|(?P<emph>\({2,}(?P<etext>[^()\n]+)\){2,})"
    r"|(?P<lora><(?i:lora|lyco|hypernet|embedding):[^>\s]*>)"
    r"|(?P<bracket>\[(?P<btext>[^\[\]\n]+)\])"
)
_SD_LABELS = re.compile(
    r"(?P<neg>\bnegative prompt\s*:)"
    r"|(?P<meta>\b(?:steps|sampler|cfg scale|clip skip|model hash|denoising strength)\s*:\s*[\w.]+)",
    re.IGNORECASE,
)
_SD_LABEL_WORDS = ("prompt", "steps", "sampler", "cfg", "clip skip", "model hash", "denoising")


@rule("PS211", "negative-prompt-syntax", severity=Severity.WARNING, fix=Fixable.SOMETIMES, needs=("markup",),
      summary="Finds Stable Diffusion syntax (`(word:1.2)`, `<lora:…>`, `Negative prompt:`).")
def negative_prompt_syntax(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds Stable Diffusion prompt syntax pasted into a Midjourney prompt.
    That is attention weights `(word:1.2)`, emphasis `((word))`, de-emphasis `[word]`, network
    tags `<lora:name:0.8>`, a `Negative prompt:` section and generation settings (`Steps: 30`,
    `CFG scale: 7`).

    ## Why is this bad?
    Midjourney has none of this syntax: the brackets, colons and numbers are read as text, so the
    weights do nothing and the stray tokens dilute the prompt, and everything after
    "Negative prompt:" is drawn rather than avoided. Midjourney weights parts with
    `text::1.2` (a multi-prompt, V6 and older) and excludes with `--no X` (a −0.5 weight).
    The fix (unsafe) keeps the words and drops the brackets and tags; a negative-prompt section
    and settings have to be rewritten by hand.

    ## Example
    `portrait of a knight, (dramatic lighting:1.3), ((intricate armor)), <lora:armor_v2:0.8>`

    ## Use instead
    `portrait of a knight in intricate armor::1.5 dramatic lighting::1.3`, or plain words with
    `--no` for exclusions

    ## References
    - AUTOMATIC1111 Stable Diffusion web UI wiki, "Features" (attention/emphasis syntax): https://github.com/AUTOMATIC1111/stable-diffusion-webui/wiki/Features
    - Midjourney docs, "No": https://docs.midjourney.com/hc/en-us/articles/32173351982093
    - Midjourney docs, "Multi-Prompts & Weights": https://docs.midjourney.com/hc/en-us/articles/32658968492557-Multi-Prompts-Weights
    """
    prompt = ctx.prompt
    text = prompt.text
    if not prompt.segments:
        return
    patterns = []
    if "(" in text or "[" in text or "<" in text:
        patterns.append(_SD)
    if ":" in text:
        low = text.lower()
        if any(map(low.__contains__, _SD_LABEL_WORDS)):
            patterns.append(_SD_LABELS)
    if not patterns:
        return
    src = ctx.source
    quotes = prompt.quotes
    found = []  # type: ignore[var-annotated]
    for pattern in patterns:
        for seg in prompt.segments:
            found.extend((m, seg) for m in pattern.finditer(src, seg.span.start, seg.span.end))
    if len(patterns) > 1:
        found.sort(key=lambda ms: ms[0].start())
    for m, seg in found:
        s, e = m.span()
        if quotes and in_spans(s, quotes):
            continue
        groups = m.groupdict()
        fix = None
        if groups.get("weighted"):
            words = m.group("wtext").strip()
            msg = (f"`{m.group()}` is a Stable Diffusion weight; Midjourney reads it as text "
                   f"(a multi-prompt weight is `{words}::{m.group('weight')}`)")
            fix = Fix.unsafe(edit(s, e, words), message="drop the weight syntax")
        elif groups.get("emph"):
            words = m.group("etext").strip()
            msg = (
                f"`{clip(m.group())}` is Stable Diffusion emphasis; "
                "Midjourney reads the brackets as text (use `::` weights)"
            )
            fix = Fix.unsafe(edit(s, e, words), message="drop the brackets")
        elif groups.get("lora"):
            msg = f"`{m.group()}` is a Stable Diffusion network tag; Midjourney has no LoRAs"
            cut = removal_edit(prompt, seg.span.start, seg.span.end, s, e)
            fix = Fix.unsafe(cut, message="remove the tag") if cut else None
        elif groups.get("neg"):
            msg = "a Stable Diffusion `Negative prompt:` section is drawn, not avoided; move those words to `--no`"
        elif groups.get("meta"):
            msg = f"`{m.group()}` is a Stable Diffusion setting; Midjourney reads it as text"
        else:
            words = m.group("btext").strip()
            msg = (
                f"`{clip(m.group())}`: square brackets mean nothing to Midjourney "
                "(a Stable Diffusion de-emphasis, or a template slot?)"
            )
            fix = Fix.unsafe(edit(s, e, words), message="drop the brackets")
        yield ctx.diag(s, e, msg, fix)
