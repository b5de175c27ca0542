"""PS203, PS204, PS206, PS208: how the terms are put together: repeats, keyword soup and length."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from operator import eq

from promptsmith.core.model import Diagnostic, Fix, Severity, edit
from promptsmith.core.tokens import ENCODERS, clip_count, clip_overflow
from promptsmith.linter.checks.wording.settings import wording_settings
from promptsmith.linter.context import Context
from promptsmith.linter.helpers import clip, in_spans, removal_edit, segment_terms
from promptsmith.linter.registry import Fixable, rule


def _has_repeated_term(ctx: Context) -> bool:
    """A quick test (C-level only) that some comma term of the text comes twice."""
    keys = list(filter(None, map(str.strip, ctx.comma_terms)))
    low = ctx.lower_text
    if "  " in low or "\t" in low:
        keys = [" ".join(k.split()) for k in keys]
    return len(set(keys)) != len(keys)


@rule("PS203", "duplicated-term", severity=Severity.WARNING, fix=Fixable.SOMETIMES, needs=("comma",),
      summary="Finds a comma term written twice in the same part of the prompt.")
def duplicated_term(ctx: Context) -> Iterable[Diagnostic]:
    """## What it does
    Finds a comma term written twice in the same part of the prompt (case and spacing ignored).

    ## Why is this bad?
    A repeat is nearly always a copy-and-paste slip in a long keyword list. It is not a reliable
    way to add emphasis: the encoder just sees the tokens twice, which shifts attention in
    ways the writer did not choose; a `::` weight says how much emphasis is wanted. The safe fix
    removes the later copy.

    ## Example
    `portrait of a witch, intricate, highly detailed, sharp focus, intricate`

    ## Use instead
    `portrait of a witch, intricate, highly detailed, sharp focus`, or `portrait of a witch::2 …`

    ## References
    - Midjourney docs (V4/V5 era), "Prompts": https://docs.midjourney.com/docs/prompts
    - Midjourney docs, "Multi-Prompts & Weights": https://docs.midjourney.com/hc/en-us/articles/32658968492557-Multi-Prompts-Weights
    """
    if not ctx.prompt.segments or not _has_repeated_term(ctx):
        return ()
    return _duplicated_term(ctx)


def _duplicated_term(ctx: Context) -> Iterator[Diagnostic]:
    # the gate above has found a repeated comma term
    prompt = ctx.prompt
    segments = prompt.segments
    src = ctx.source
    quotes = prompt.quotes
    for seg in segments:
        seen: set[str] = set()
        for text, ts, te in segment_terms(src, seg):
            if "{" in text or "}" in text or (quotes and in_spans(ts, quotes)):
                continue
            key = " ".join(text.lower().split())
            if key not in seen:
                seen.add(key)
                continue
            cut = removal_edit(prompt, seg.span.start, seg.span.end, ts, te)
            yield ctx.diag(
                ts, te,
                f"`{clip(text)}` is already in this prompt",
                Fix.safe(cut, message="remove the repeat") if cut else None,
            )


@rule("PS204", "keyword-soup", severity=Severity.INFO, needs=("comma",),
      summary="Finds text that is a comma list of keywords with no sentence in it, on V6 and later.")
def keyword_soup(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    On V6 and later, reports text that is a comma list of keywords with no sentence in it.
    That is: at least five fragments, about three words each on average, and (almost) none
    holding a preposition or verb (thresholds and the word list are in rules/lint.toml,
    `[keyword_soup]`).

    ## Why is this bad?
    Keyword lists were engineering for CLIP: its 77-token window and contrastive training reward
    packing the important nouns early, and it ignores grammar anyway. V6+ reads the prompt with
    an encoder that understands syntax and relations ("a red cube *on* a blue sphere"), and
    Midjourney's guidance for V6 is to "relearn" prompting and describe the scene explicitly. A
    soup leaves the relations between the keywords to chance. No fix: `promptsmith rewrite`
    turns the list into a brief.

    ## Example
    `samurai, cherry blossoms, dramatic, cinematic lighting, 35mm, moody --v 6.1`

    ## Use instead
    `A samurai standing under falling cherry blossoms, a moody cinematic 35mm photograph with
    dramatic lighting. --v 6.1`

    ## References
    - Midjourney, the V6 alpha announcement (Discord, 21 December 2023)
    - Radford et al., "Learning Transferable Visual Models From Natural Language Supervision" (CLIP, 2021): https://arxiv.org/abs/2103.00020
    - Saharia et al., "Photorealistic Text-to-Image Diffusion Models with Deep Language Understanding" (Imagen, 2022): https://arxiv.org/abs/2205.11487
    """
    prompt = ctx.prompt
    text = prompt.text
    c = wording_settings(ctx.rule_dirs)
    if text.count(",") + text.count(";") + 1 < c.soup_min_terms or prompt.quotes:
        return  # too few fragments; quoted text to render is a deliberate instruction
    if ctx.version_number < 6:
        return
    frags = list(map(str.split, ctx.comma_terms))
    n = len(frags) - frags.count([])
    if n < c.soup_min_terms or sum(map(len, frags)) > c.soup_max_mean * n:
        return
    # fragments holding a function word (an empty fragment is disjoint from everything)
    phrases = len(frags) - sum(map(c.function_words.isdisjoint, frags))
    if phrases > c.soup_max_share * n:
        return
    segments = prompt.segments
    if not segments or segments[0].span.start >= prompt.params_start:
        return
    last = segments[-1]
    if last.span.start >= prompt.params_start:  # stray text after the parameters is not the prompt's
        last = ctx.text_segments[-1]
    s, e = segments[0].span.start, last.span.end
    yield ctx.diag(
        s, e,
        f"keyword soup: {n} comma-separated keywords and next to no sentence; {ctx.version_text} follows a plain "
        "description better (`promptsmith rewrite` writes one)",
    )


_NONSPACE = re.compile(r"\S+")


@rule("PS206", "prompt-too-long", severity=Severity.INFO, needs=("text",),
      summary="Finds text past the words a model weighs: 120 on V6 and later, 60 before.")
def prompt_too_long(ctx: Context) -> Iterable[Diagnostic]:
    """## What it does
    Reports the words of the text past a limit: 120 words on V6 and later, 60 on V5 and older.
    Only the text counts, not URLs or parameters; the limits are `[length]` in rules/lint.toml.
    With an SD-family target (`--target sd15`, `sdxl`) it counts real CLIP tokens instead (the
    BPE CLIP uses, start and end tokens included) and reports the text past token 77; with a
    T5-family target (`flux`, `sd3`, `qwen-image`) it checks an upper bound against 512.

    ## Why is this bad?
    CLIP-style text encoders, which V5-era models and Stable Diffusion use, read a 77-token
    window: in SD 1.x token 78 on was simply invisible, and 60 English words are already about
    75–80 tokens. That is where the community's "~60 words" rule for V4/V5 comes from, with
    influence fading after 20–40 words. V6 reads much longer prompts (the V6 announcement:
    "longer prompts"), but Midjourney's own advice stays "super-long prompts aren't always
    better; concentrate on the main concepts": late words still weigh less, and detail piled on
    detail makes the model drop some. 120 words leaves V6 room for a full paragraph. No fix.

    ## Example
    A 150-word paragraph listing every prop in the room, on V6.1.

    ## Use instead
    The subject, its setting, medium, light and mood in two or three sentences; move
    exclusions to `--no`.

    ## References
    - Midjourney docs (V4/V5 era), "Prompts": https://docs.midjourney.com/docs/prompts
    - Midjourney, the V6 alpha announcement (Discord, 21 December 2023)
    - Radford et al., "Learning Transferable Visual Models From Natural Language Supervision" (CLIP, 2021): https://arxiv.org/abs/2103.00020
    - Rombach et al., "High-Resolution Image Synthesis with Latent Diffusion Models" (Stable Diffusion, 2022): https://arxiv.org/abs/2112.10752
    """
    if ctx.encoder is not None:
        return _too_many_tokens(ctx)
    c = wording_settings(ctx.rule_dirs)
    if (len(ctx.prompt.text) + 1) // 2 <= (c.v6_words if ctx.version_number >= 6 else c.legacy_words):
        return ()  # too short to hold more words than the limit (a word and a space each)
    return _prompt_too_long(ctx)


def _too_many_tokens(ctx: Context) -> Iterator[Diagnostic]:
    """For an open target (`--target sd15` …): the text past the encoder's real token budget."""

    enc = ENCODERS[ctx.encoder or ""]
    text = ctx.prompt.text
    if len(text) + 2 <= enc.budget:
        return  # every token covers a character or more
    count = enc.count(text)
    segments = ctx.text_segments
    if count <= enc.budget or not segments:
        return
    src = ctx.source
    start = None
    left = enc.budget
    for seg in segments:
        piece = src[seg.span.start : seg.span.end]
        if enc.exact:
            at = clip_overflow(piece, left)
            if at is not None:
                start = seg.span.start + at
                break
            left -= clip_count(piece) - 2
        else:  # a bound of a character or byte a token: cut where the characters run out
            if len(piece) + 2 > left:
                start = seg.span.start + max(0, left - 2)
                break
            left -= len(piece) + 1
    if start is None:
        return
    if enc.exact:
        msg = (f"the text is {count} CLIP tokens; an SD-family CLIP encoder reads {enc.budget} (start and end "
               "included) and never sees the rest (`promptsmith rewrite --target` fits the brief)")
    else:
        msg = (f"the text may be up to {count} {enc.name} tokens (an upper bound); the pipeline reads "
               f"{enc.budget} and cuts the rest")
    yield ctx.diag(start, segments[-1].span.end, msg)


def _prompt_too_long(ctx: Context) -> Iterator[Diagnostic]:
    c = wording_settings(ctx.rule_dirs)
    limit = c.v6_words if ctx.version_number >= 6 else c.legacy_words
    count = ctx.word_count
    if count <= limit:
        return
    src = ctx.source
    segments = ctx.text_segments
    seen = 0
    start = None
    for seg in segments:
        for m in _NONSPACE.finditer(src, seg.span.start, seg.span.end):
            seen += 1
            if seen == limit + 1:
                start = m.start()
                break
        if start is not None:
            break
    if start is None or not segments:
        return
    yield ctx.diag(
        start, segments[-1].span.end,
        f"the text has {count} words; past about {limit} words on {ctx.version_text} the rest carries "
        "little weight: keep the main concepts",
    )


_REPEAT = re.compile(r"(?<![\w'’-])([^\W\d_][\w'’]*)(?:\s+\1)+(?![\w'’-])", re.IGNORECASE)


@rule("PS208", "repeated-word", severity=Severity.WARNING, fix=Fixable.SOMETIMES, needs=("text",),
      summary="Finds a word written twice or more in a row (`the the`, `very very`).")
def repeated_word(ctx: Context) -> Iterable[Diagnostic]:
    """## What it does
    Finds a word written twice or more in a row: `the the`, `very very very`. Names and idioms
    that double a word (`Bora Bora`, `Jar Jar`, `Mahi Mahi`, `so so`; `[repeated_word]` in
    rules/lint.toml) are allowed; text in quotes (text to draw) is left alone.

    ## Why is this bad?
    `the the` is a typo. `very very very beautiful` was a habit from CLIP-era prompting, where
    repeating a token nudged its weight; it is an imprecise dial at best, and on V6+ the model
    reads it as emphatic prose. Say what "more" means (`radiant`, `breathtaking`) or weight the
    part with `::`. The safe fix keeps one copy.

    ## Example
    `portrait of a a very very very beautiful woman`

    ## Use instead
    `portrait of a radiant woman`

    ## References
    - Midjourney docs (V4/V5 era), "Prompts": https://docs.midjourney.com/docs/prompts
    - Midjourney docs, "Multi-Prompts & Weights": https://docs.midjourney.com/hc/en-us/articles/32658968492557-Multi-Prompts-Weights
    """
    prompt = ctx.prompt
    if not prompt.segments:
        return ()
    words = ctx.lower_text.replace(",", " ").replace(".", " ").split()
    if not any(map(eq, words, words[1:])):
        return ()
    return _repeated_word(ctx)


def _repeated_word(ctx: Context) -> Iterator[Diagnostic]:
    # the gate above has found two equal words in a row
    prompt = ctx.prompt
    c = wording_settings(ctx.rule_dirs)
    src = ctx.source
    quotes = prompt.quotes
    for seg in prompt.segments:
        for m in _REPEAT.finditer(src, seg.span.start, seg.span.end):
            word = m.group(1)
            if word.lower() in c.repeat_allowed or (quotes and in_spans(m.start(), quotes)):
                continue
            s, e = m.span()
            first_end = m.start() + len(word)
            yield ctx.diag(
                s, e,
                f"`{word}` is repeated",
                Fix.safe(edit(first_end, e), message=f"keep one `{word}`"),
            )
