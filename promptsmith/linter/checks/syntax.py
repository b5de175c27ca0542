"""PS0xx: syntax. The parser finds most of these; each such rule reports the parser's findings of its
code, registered under the code, name and severity the parser defines (`core.parse.PARSER_FINDINGS`).

Sources for the family: Midjourney's "Parameter List", "Permutations", "Multi-Prompts & Weights",
"Image Prompts" and "Text Generation" articles; each rule's References links the ones it rests on.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptsmith.core.model import Diagnostic, Fix, Severity, edit
from promptsmith.core.parse import (
    EM_DASH,
    EMPTY_PART,
    EN_DASH,
    GLUED,
    MISSING_VALUE,
    TOO_LONG,
    UNCLOSED_ANGLE,
    UNCLOSED_BRACE,
    UNCLOSED_QUOTE,
    UNMATCHED_BRACE,
    unwrap,
)
from promptsmith.core.permute import MAX_JOBS, count_jobs
from promptsmith.linter.context import Context
from promptsmith.linter.registry import Fixable, parser_rule, rule


def _from_parser(ctx: Context) -> Iterator[Diagnostic]:
    code = ctx.rule.code  # type: ignore[union-attr]
    for d in ctx.prompt.diagnostics:
        if d.code == code:
            yield d


@parser_rule(UNCLOSED_BRACE, summary="Finds a `{` that opens a permutation group and is never closed.")
def unclosed_brace(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a `{` that opens a permutation group and is never closed.

    ## Why is this bad?
    Midjourney expands `{a, b}` into one job per option. An unclosed group cannot be expanded,
    so the job fails or the brace is read as text.

    ## Example
    `a {red, blue car --ar 3:2`

    ## Use instead
    `a {red, blue} car --ar 3:2`

    ## References
    - Midjourney docs, "Permutations": https://docs.midjourney.com/hc/en-us/articles/32761322355597
    """
    return _from_parser(ctx)


@parser_rule(UNMATCHED_BRACE, fix=Fixable.ALWAYS, summary="Finds a `}` that closes no permutation group.")
def unmatched_closing_brace(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a `}` that closes no permutation group.

    ## Why is this bad?
    A stray brace is either a typo or the end of a group whose `{` was lost; either way the
    permutation the user meant does not happen. The fix (unsafe) deletes the brace.

    ## Example
    `red car} in the rain`

    ## Use instead
    `red car in the rain`, or `{red, blue} car in the rain`

    ## References
    - Midjourney docs, "Permutations": https://docs.midjourney.com/hc/en-us/articles/32761322355597
    """
    return _from_parser(ctx)


@parser_rule(UNCLOSED_QUOTE, summary="Finds a double quote that is never closed.")
def unclosed_quote(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a double quote that is never closed.

    ## Why is this bad?
    From V6 on, text in double quotes is text to draw in the image. With one quote missing the
    model cannot tell which words are the sign's and which are the description's.

    ## Example
    `a neon sign that says "OPEN all night`

    ## Use instead
    `a neon sign that says "OPEN" all night`

    ## References
    - Midjourney docs, "Text Generation": https://docs.midjourney.com/hc/en-us/articles/32502277092109
    - Midjourney, the V6 alpha announcement (Discord, 21 December 2023)
    """
    return _from_parser(ctx)


@parser_rule(EN_DASH, fix=Fixable.ALWAYS,
             summary="Finds a parameter written with an en dash (`–ar`), which Midjourney reads as text.")
def en_dash_parameter(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds parameters written with an en dash (`–ar`) instead of two hyphens.

    ## Why is this bad?
    Midjourney accepts `--` and the em dash `—` (Apple devices turn `--` into it), but an en dash
    is a copy-and-paste mangling: the parameter is read as text, so the aspect ratio, stylize
    value and the rest silently do nothing and the words `ar 16:9` end up in the image.

    ## Example
    `a lighthouse at dusk –ar 16:9`

    ## Use instead
    `a lighthouse at dusk --ar 16:9`

    ## References
    - Midjourney docs, "Parameter List": https://docs.midjourney.com/hc/en-us/articles/32859204029709
    """
    return _from_parser(ctx)


@parser_rule(GLUED, fix=Fixable.ALWAYS, summary="Finds a parameter glued to the word before it (`photography--beta`).")
def glued_parameter(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a parameter glued to the word before it (`photography--beta`).

    ## Why is this bad?
    A parameter must be preceded by a space. Glued to a word it is part of that word, so the
    flag does nothing and the text gains a nonsense token. Prose double hyphens
    (`liquid--pink`) are not parameters and are not reported.

    ## Example
    `hard rim lighting photography--beta --ar 2:3`

    ## Use instead
    `hard rim lighting photography --beta --ar 2:3`

    ## References
    - Midjourney docs, "Parameter List": https://docs.midjourney.com/hc/en-us/articles/32859204029709
    """
    return _from_parser(ctx)


@parser_rule(MISSING_VALUE, summary="Finds a parameter that needs a value but has none (`--ar` at the end).")
def missing_parameter_value(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a parameter that needs a value but has none (`--ar` at the end of the prompt).

    ## Why is this bad?
    Midjourney rejects the job with an "invalid parameter" error.

    ## Example
    `a red fox in snow --ar`

    ## Use instead
    `a red fox in snow --ar 3:2`

    ## References
    - Midjourney docs, "Parameter List": https://docs.midjourney.com/hc/en-us/articles/32859204029709
    """
    return _from_parser(ctx)


@parser_rule(EMPTY_PART, summary="Finds a `::` separator with no text before it.")
def empty_multi_prompt_part(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a `::` separator with no text before it (`:: cat`, `dog :: ::2 cat`).

    ## Why is this bad?
    Each `::` part is weighted and considered separately; an empty part carries a weight that
    applies to nothing, which shifts the normalisation of every other weight.

    ## Example
    `space ship :: ::2 stars`

    ## Use instead
    `space ship::2 stars`

    ## References
    - Midjourney docs, "Multi-Prompts & Weights": https://docs.midjourney.com/hc/en-us/articles/32658968492557-Multi-Prompts-Weights
    """
    return _from_parser(ctx)


@parser_rule(EM_DASH, fix=Fixable.ALWAYS,
             summary="Finds a parameter written with an em dash (`—ar`), where `--` is clearer.")
def em_dash_parameter(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds parameters written with an em dash (`—ar`), which Apple devices type for `--`.

    ## Why is this bad?
    It is not wrong: Midjourney accepts it. But other tools (and other models' front ends) do
    not, and a prompt that mixes dashes is harder to read and diff. The fix writes `--`.

    ## Example
    `koi pond, ink wash —ar 2:3`

    ## Use instead
    `koi pond, ink wash --ar 2:3`

    ## References
    - Midjourney docs, "Parameter List": https://docs.midjourney.com/hc/en-us/articles/32859204029709
    """
    return _from_parser(ctx)


@parser_rule(UNCLOSED_ANGLE, fix=Fixable.ALWAYS,
             summary="Finds an image URL opened with `<` and never closed with `>`.")
def unclosed_angle_bracket(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds an image URL opened with Discord's `<` and never closed with `>`.

    ## Why is this bad?
    The URL is then read up to the next space with a stray `<`, which Midjourney may not fetch.

    ## Example
    `<https://s.mj.run/abc a cat in a hat`

    ## Use instead
    `<https://s.mj.run/abc> a cat in a hat`

    ## References
    - Midjourney docs, "Image Prompts": https://docs.midjourney.com/hc/en-us/articles/32040250122381
    """
    return _from_parser(ctx)


@rule("PS010", "single-option-permutation", severity=Severity.WARNING, fix=Fixable.ALWAYS, needs=("permutations",),
      summary="Finds a `{…}` group with one option, such as an unfilled template slot.")
def single_option_permutation(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds a `{…}` group with a single option, such as a template placeholder `{Brand Name}`.

    ## Why is this bad?
    A one-option permutation is legal but does nothing: it is almost always a template slot
    that was never filled in, so the model draws the placeholder words. The fix (unsafe) keeps
    the words and drops the braces.

    ## Example
    `a minimalist logo for {Brand Name}, flat vector`

    ## Use instead
    `a minimalist logo for Acme Coffee, flat vector`

    ## References
    - Midjourney docs, "Permutations": https://docs.midjourney.com/hc/en-us/articles/32761322355597
    """

    for group in ctx.prompt.permutations:
        if len(group.options) == 1 and group.options[0]:
            s, e = group.span.start, group.span.end
            yield ctx.diag(
                s, e,
                f"`{ctx.source[s:e]}` has one option: a template placeholder? It is drawn as written",
                Fix.unsafe(edit(s, e, unwrap(group.options[0]))),
            )


@rule("PS011", "empty-permutation-option", severity=Severity.WARNING, needs=("permutations",),
      summary="Finds an empty option in a permutation group (`{a, , b}`).")
def empty_permutation_option(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Finds an empty option in a permutation group: `{}`, `{a, , b}` or a trailing comma.

    ## Why is this bad?
    Each option is a separate paid job; an empty option runs a job without the word, which is
    rarely what was meant (and costs GPU time).

    ## Example
    `a {red, , blue} bicycle`

    ## Use instead
    `a {red, blue} bicycle`

    ## References
    - Midjourney docs, "Permutations": https://docs.midjourney.com/hc/en-us/articles/32761322355597
    """
    for group in ctx.prompt.permutations:
        if any(not o for o in group.options):
            s, e = group.span.start, group.span.end
            yield ctx.diag(s, e, f"`{ctx.source[s:e]}` has an empty option, which runs a job without it")


@rule("PS012", "too-many-permutation-jobs", severity=Severity.ERROR, needs=("permutations",),
      summary="Finds a permutation prompt that expands to more than 40 jobs.")
def too_many_permutation_jobs(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Counts the jobs a permutation prompt expands to and reports more than 40.

    ## Why is this bad?
    Midjourney runs at most 40 jobs per permutation prompt (fewer on smaller plans) and refuses
    the rest; over 5 it asks for confirmation, and every job costs GPU time.

    ## Example
    `{red, blue, green, gold, black} {car, bike, boat} {day, night, dawn}` (45 jobs)

    ## Use instead
    Split it into several prompts, or drop options.

    ## References
    - Midjourney docs, "Permutations": https://docs.midjourney.com/hc/en-us/articles/32761322355597
    """
    perms = ctx.prompt.permutations
    if len(perms) < 2 and not any(len(p.options) > MAX_JOBS for p in perms):
        return
    jobs = count_jobs(ctx.source, cap=MAX_JOBS + 1)
    if jobs > MAX_JOBS:
        s, e = perms[0].span.start, perms[-1].span.end
        yield ctx.diag(s, e, f"this prompt expands to more than {MAX_JOBS} jobs; Midjourney runs at most {MAX_JOBS}")


@parser_rule(TOO_LONG, summary="Finds a prompt over 50,000 characters, and checks nothing else in it.")
def prompt_too_long(ctx: Context) -> Iterator[Diagnostic]:
    """## What it does
    Reports a prompt longer than 50,000 characters, and checks nothing else in it.

    ## Why is this bad?
    No prompt that long is meant: it is a file pasted into one line, or a runaway generator.
    Midjourney's docs advise short prompts that concentrate on the main concepts; promptsmith
    bounds what it reads so that a 20 MB line costs its own size in memory, not gigabytes.

    ## Example
    A 20 MB line of captions joined by commas.

    ## Use instead
    One prompt per line.

    ## References
    - Midjourney docs (V4/V5 era), "Prompts": https://docs.midjourney.com/docs/prompts
    """
    return _from_parser(ctx)
