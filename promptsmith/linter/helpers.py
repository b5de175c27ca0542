"""What the rule families share: naming parameters in messages, typed values, fixes that remove
text cleanly, and the lint settings of `rules/lint.toml`.

Per-prompt facts (the lower-cased text, the comma terms, the version) are on `Context`; this
module holds functions of their arguments only, and the settings, which are static data loaded
once per rule directory set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptsmith.core.fragments import fragments as ledger_fragments
from promptsmith.core.model import Edit, Fix, Param, Prompt, Segment, edit
from promptsmith.core.parse import read_float, read_int, read_ratio
from promptsmith.core.resources import merged_rule_file
from promptsmith.core.spec import ParamSpec

if TYPE_CHECKING:
    from promptsmith.linter.context import Context

INT = re.compile(r"[+-]?\d+")
FLOAT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
RATIO = re.compile(r"(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)")


# -- settings (rules/lint.toml) -------------------------------------------------------------------
@lru_cache(maxsize=8)
def lint_settings(rule_dirs: tuple[Path, ...] = ()) -> dict[str, Any]:
    """rules/lint.toml merged with the user's: tables merge key by key, later files win."""
    return merged_rule_file("lint.toml", rule_dirs)


# -- parameters in messages and fixes --------------------------------------------------------------
def vlabel(ctx: Context, version: str | None = None) -> str:
    """`V6.1`, `niji 6`, `test`: a version as people write it in prose (the prompt's by default)."""
    if version is None:
        return ctx.version_text
    return prose_version(ctx.spec.label(version))


def prose_version(label: str) -> str:
    """A spec label as prose: `6.1` → `V6.1`; `niji 6` and `test` stay."""
    return "V" + label if label[:1].isdigit() else label


def name_span(p: Param) -> tuple[int, int]:
    """The dash and name of a parameter, without its value."""
    s = p.span.start
    return s, s + len(p.dash) + len(p.alias)


def written(p: Param) -> str:
    """The parameter as the user named it, with a canonical dash: `--s`, `--Wallpaper`."""
    return "--" + p.alias


def remove(p: Param, message: str | None = None, *, safe: bool = True) -> Fix:
    """A fix that deletes the whole parameter (the fixer tidies the spaces left behind)."""
    cut = edit(p.span.start, p.span.end)
    msg = message or f"remove {written(p)}"
    return Fix.safe(cut, message=msg) if safe else Fix.unsafe(cut, message=msg)


def is_legacy(ctx: Context, p: Param, pspec: ParamSpec) -> bool:
    """Legacy in the spec, or `--hd` outside V8 (where the name meant the 2022 HD model)."""
    if pspec.legacy:
        return True
    # The spec has one `hd` entry (the V8.1 2K flag); before V8 the same name was the legacy model.
    return pspec.name == "hd" and not ctx.version_in("v8")


def typed(ptype: str, text: str) -> object:
    """A value (or one permutation option) typed the way the parser types a whole value."""
    if ptype == "int":
        return read_int(text)
    if ptype == "float":
        return read_float(text)
    if ptype == "ratio":
        return read_ratio(text)
    if ptype == "str":
        return text.lower()
    return text


def values(p: Param, ptype: str) -> tuple[tuple[object, str, int, int], ...] | list[tuple[object, str, int, int]]:
    """(typed value, text, start, end) of the value, or of each option of a `{…}` value."""
    end = p.span.end
    raw = p.raw
    if not p.permuted:
        return ((p.value, raw, end - len(raw), end),)
    if not (raw.startswith("{") and raw.endswith("}")) or raw.count("{") != 1:
        return ()  # nested or partial permutations: too ambiguous to check option by option
    out = []
    pos = end - len(raw) + 1
    for part in raw[1:-1].split(","):
        text = part.strip()
        if text:
            s = pos + len(part) - len(part.lstrip())
            out.append((typed(ptype, text), text, s, s + len(text)))
        pos += len(part) + 1
    return out


# -- text ------------------------------------------------------------------------------------------
def text_segments(prompt: Prompt) -> list[Segment]:
    """The text segments before the parameter block (stray text after it is PS302's business)."""
    ps = prompt.params_start
    return [s for s in prompt.segments if s.span.start < ps]


def segment_terms(src: str, seg: Segment) -> Iterator[tuple[str, int, int]]:
    """The ledger's terms of one segment (`promptsmith.core.fragments.fragments`: commas, sentence
    stops, groups kept whole), as (text, start, end) in the source, a trailing stop dropped."""
    base = seg.span.start
    for f in ledger_fragments(src[base : seg.span.end]):
        text = f.text.rstrip(".!")
        if text:
            yield text, base + f.start, base + f.start + len(text)


def in_spans(pos: int, spans: tuple[Any, ...]) -> bool:
    """Whether `pos` falls inside one of the parts' spans (quotes, permutations)."""
    return any(part.span.start <= pos < part.span.end for part in spans)
    return False


def clause_edges(src: str, lo: int, hi: int, s: int, e: int) -> tuple[int, bool, int, bool]:
    """Around `[s, e)` in the part `[lo, hi)`: where the spaces before and after it end, and
    whether a clause boundary (part edge, comma, semicolon, sentence end) is on each side."""
    i = s
    while i > lo and src[i - 1] in " \t":
        i -= 1
    left = i == lo or src[i - 1] in ",;\n" or (src[i - 1] in ".!?" and i < s)
    j = e
    while j < hi and src[j] in " \t":
        j += 1
    right = j == hi or src[j] in ",;\n" or (src[j] in ".!?" and (j + 1 == hi or src[j + 1].isspace()))
    return i, left, j, right


def removal_edit(prompt: Prompt, lo: int, hi: int, s: int, e: int) -> Edit | None:
    """An edit that removes `[s, e)` from the text part `[lo, hi)` without leaving debris.

    A whole clause (between commas, semicolons or sentence ends) goes with one adjoining
    separator: the one after it, or the one before it when it ends the part. A phrase inside a
    longer clause goes with one adjoining space. None when the phrase is the whole part (removing
    it would empty a `::` part or the prompt) or sits in a `{…}` permutation.
    """
    if prompt.permutations and in_spans(s, prompt.permutations):
        return None
    src = prompt.source
    i, left, j, right = clause_edges(src, lo, hi, s, e)
    if left and right:
        if j < hi:
            k = j + 1
            while k < hi and src[k] in " \t\n":
                k += 1
            if k < hi:
                return edit(s, k)
        if i > lo:
            return edit(i - 1, e)
        return None
    if left or (not right and j > e):
        return edit(s, j)
    return edit(i, e)


def clip(text: str, limit: int = 40) -> str:
    """`text`, shortened with an ellipsis to at most `limit` characters, for messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
