"""PS2xx: wording. What the words of a prompt ask for, and how the model's text encoder reads them.

The V6+ advice (filler, keyword soup) rests on how the models read text: V5 and older read the
prompt through a CLIP-style encoder (77-token window, bag-of-keywords behaviour), V6+ through an
encoder that reads grammar, so junk tokens and comma soup stop helping and start costing.
Sources for the family: the V6 alpha announcement (December 2023), Midjourney's "No", "Multi-Prompts
& Weights" and "Text Generation" articles, the CLIP paper (Radford et al., 2021) and Imagen
(Saharia et al., 2022) on what a T5 encoder adds; each rule's References links them. Settings live
in rules/lint.toml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from operator import eq
from pathlib import Path
from typing import Any

from promptsmith.core.lexicon import normalize
from promptsmith.core.model import Applicability, Diagnostic, Fix, Severity, diagnostic, edit, make_fix
from promptsmith.errors import RuleDataError
from promptsmith.lint.context import Context
from promptsmith.lint.helpers import (
    clause_edges, clip, in_spans, lint_settings, removal_edit, segment_terms,
)
from promptsmith.lint.registry import Fixable, rule

SAFE = Applicability.SAFE

# -- settings (rules/lint.toml) -------------------------------------------------------------------


def _alternation(words: list[str]) -> str:
    """A regex alternation of phrases, longest first, spaces matching any run of whitespace."""
    ordered = sorted({w.lower() for w in words if w}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered) or r"(?!x)x"


class _Compiled:
    """Patterns and sets derived from the settings, built once per rule directory set."""

    def __init__(self, s: dict[str, Any]) -> None:
        neg = s.get("negation", {})
        self.neg_max_words = int(neg.get("max_words", 3))
        self.neg_not_nouns = frozenset(w.lower() for w in neg.get("not_nouns", ()))
        neg_words = _alternation(neg.get("words", ["no", "without"]))
        conn = _alternation(neg.get("connectors", ["with"]))
        # "no X" at the end of a term: X is up to a few words, letters first (no "no. 5").
        self.negation = re.compile(
            rf"(?:(?<=\s)|^)(?:(?P<conn>{conn})\s+)?(?P<neg>{neg_words})\s+"
            rf"(?P<x>[^\W\d_][\w'’&-]*(?:\s+[^\W\d_][\w'’&-]*|\s+&)*)$",
            re.IGNORECASE,
        )
        self.negation_words = tuple(w.lower() + " " for w in neg.get("words", ["no", "without"]))
        soup = s.get("keyword_soup", {})
        self.soup_min_terms = int(soup.get("min_terms", 5))
        self.soup_max_mean = float(soup.get("max_mean_words", 3.5))
        self.soup_max_share = float(soup.get("max_phrase_share", 0.2))
        self.function_words = frozenset(w.lower() for w in soup.get("function_words", ()))
        length = s.get("length", {})
        self.v6_words = int(length.get("v6_words", 120))
        self.legacy_words = int(length.get("legacy_words", 60))
        sites = s.get("sites", {})
        # matched on lower-cased text; the words before a name are checked by hand (a regex
        # that starts with a literal alternation is much faster than one with an optional prefix)
        self.sites = re.compile(
            rf"(?P<site>{_alternation(sites.get('names', []))})"
            rf"(?:\s*(?:{_alternation(sites.get('after', []))}))?(?![\w-])"
        )
        self.site_before = tuple(
            sorted({" ".join(b.lower().split()) + " " for b in sites.get("before", [])}, key=len, reverse=True)
        )
        # cheap substring tests first (a name split by two spaces is missed, and that is fine)
        self.site_anchors = tuple({" ".join(n.lower().split()) for n in sites.get("names", []) if n.strip()})
        self.site_keys = _covering_keys(self.site_anchors)
        self.filler_attributive = frozenset(
            w.lower() for w in s.get("filler", {}).get("attributive", ())
        )
        self.repeat_allowed = frozenset(w.lower() for w in s.get("repeated_word", {}).get("allowed", ()))
        cues = s.get("text_quotes", {}).get("cues", [])
        self.text_cues = frozenset(c.lower() for c in cues)
        self.cue_window = int(s.get("text_quotes", {}).get("window", 3))
        #: (written filler, version label) → (attributive?, message, fix message): the same few
        #: dozen tokens recur in every prompt, so PS201 works out their lookups and messages once.
        self.filler_messages: dict[tuple[str, str], tuple[bool, str, str]] = {}


def _covering_keys(names: tuple[str, ...]) -> tuple[str, ...]:
    """Few substrings such that every name holds one (the longest word of each name, minus any
    word that holds a shorter key): `art station`, `artstation` → `station`. A text that holds
    none of them holds no name, so PS210's gate tests fewer substrings than there are names."""
    words = {max(n.split(), key=len) for n in names}
    return tuple(sorted(w for w in words if not any(k != w and k in w for k in words)))


@lru_cache(maxsize=8)
def _compiled(rule_dirs: tuple[Path, ...] = ()) -> _Compiled:
    try:
        return _Compiled(lint_settings(rule_dirs))
    except (TypeError, ValueError, AttributeError, re.error) as exc:
        raise RuleDataError(
            f"lint.toml has a setting of the wrong type ({exc}); compare it with the built-in rules/lint.toml"
        ) from exc


def _has_repeated_term(ctx: Context) -> bool:
    """A quick test (C-level only) that some comma term of the text comes twice."""
    keys = list(filter(None, map(str.strip, ctx.comma_terms)))
    low = ctx.lower_text
    if "  " in low or "\t" in low:
        keys = [" ".join(k.split()) for k in keys]
    return len(set(keys)) != len(keys)


# -- PS201 ------------------------------------------------------------------------------------------


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
    code, name, severity = r.code, r.name, r.severity
    seen = _compiled(ctx.rule_dirs).filler_messages
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
    attributive = key in _compiled(ctx.rule_dirs).filler_attributive
    return attributive, f"`{written}` is filler on {label}: {why}", f"remove `{written}`"


# -- PS202 ------------------------------------------------------------------------------------------

_ARTICLE = re.compile(r"^(?:a|an|the|any)\s+", re.IGNORECASE)
_AND = re.compile(r"\s*(?:\band\b|\bor\b|&|\bnor\b)\s*", re.IGNORECASE)


def _negated_items(c: _Compiled, x: str) -> list[str] | None:
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


def _negation_at_end(c: _Compiled, text: str) -> tuple[re.Match[str] | None, list[str] | None]:
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
    if not prompt.segments or not any(map(ctx.lower_text.__contains__, _compiled(ctx.rule_dirs).negation_words)):
        return ()
    return _negation_in_text(ctx)


def _negation_in_text(ctx: Context) -> Iterator[Diagnostic]:
    # the gate above has checked for text and a negation word
    prompt = ctx.prompt
    c = _compiled(ctx.rule_dirs)
    src = ctx.source
    quotes = prompt.quotes
    segments = prompt.segments
    no_params = [p for p in prompt.params_named("no") if not p.permuted]
    already = {normalize(w) for p in no_params for w in (p.value or ())} if no_params else set()
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


# -- PS203 ------------------------------------------------------------------------------------------


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


# -- PS204 ------------------------------------------------------------------------------------------

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
    c = _compiled(ctx.rule_dirs)
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


# -- PS205 / PS207 / PS212: quotes ----------------------------------------------------------------

_SINGLE = re.compile(r"(?<![\w'’])'(?=[^\s'])([^'\n]{2,80}?)(?<=[^\s'])'(?![\w'])")
_CURLY_SINGLE = re.compile(r"(?<![\w‘’])‘(?=[^\s‘’])([^‘’\n]{1,80}?)(?<=[^\s‘’])’(?![\w‘’])")
_LETTER = re.compile(r"[^\W\d_]")
_CUE_WORD = re.compile(r"[\w]+")


def _cued(c: _Compiled, src: str, lo: int, s: int) -> bool:
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
    c = _compiled(ctx.rule_dirs)
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
    c = _compiled(ctx.rule_dirs)
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


# -- PS206 ------------------------------------------------------------------------------------------

_NONSPACE = re.compile(r"\S+")


@rule("PS206", "prompt-too-long", severity=Severity.INFO, needs=("text",),
      summary="Finds text past the words a model weighs: 120 on V6 and later, 60 before.")
def prompt_too_long(ctx: Context) -> Iterable[Diagnostic]:
    """## What it does
    Reports the words of the text past a limit: 120 words on V6 and later, 60 on V5 and older.
    Only the text counts, not URLs or parameters; the limits are `[length]` in rules/lint.toml.

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
    c = _compiled(ctx.rule_dirs)
    if (len(ctx.prompt.text) + 1) // 2 <= (c.v6_words if ctx.version_number >= 6 else c.legacy_words):
        return ()  # too short to hold more words than the limit (a word and a space each)
    return _prompt_too_long(ctx)


def _prompt_too_long(ctx: Context) -> Iterator[Diagnostic]:
    c = _compiled(ctx.rule_dirs)
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


# -- PS208 ------------------------------------------------------------------------------------------

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
    c = _compiled(ctx.rule_dirs)
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


# -- PS210 ------------------------------------------------------------------------------------------


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
    if not prompt.segments or not any(map(ctx.lower_text.__contains__, _compiled(ctx.rule_dirs).site_keys)):
        return ()
    return _site_name_as_style(ctx)


def _site_name_as_style(ctx: Context) -> Iterator[Diagnostic]:
    # the gate above has found text holding one of the names' covering keys
    prompt = ctx.prompt
    c = _compiled(ctx.rule_dirs)
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


# -- PS211 ------------------------------------------------------------------------------------------

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
    found = []
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
            msg = f"`{clip(m.group())}` is Stable Diffusion emphasis; Midjourney reads the brackets as text (use `::` weights)"
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
            msg = (f"`{clip(m.group())}`: square brackets mean nothing to Midjourney "
                   "(a Stable Diffusion de-emphasis, or a template slot?)")
            fix = Fix.unsafe(edit(s, e, words), message="drop the brackets")
        yield ctx.diag(s, e, msg, fix)
