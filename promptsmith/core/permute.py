"""Expand `{a, b}` permutation prompts into the jobs Midjourney would run."""

from __future__ import annotations

import re

from promptsmith.core.parse import _brace_end, split_options

_ESCAPED_COMMA = re.compile(r"\s*\\,")

#: Midjourney runs at most 40 jobs from one permutation prompt (its "Permutations" article).
MAX_JOBS = 40


def count_jobs(text: str, cap: int = 10_000) -> int:
    """How many jobs `text` expands to (stops counting at `cap`)."""
    return len(expand(text, cap=cap))


def expand(text: str, cap: int | None = MAX_JOBS) -> list[str]:
    """Every combination of the permutation groups in `text`, in order, at most `cap` of them.

    `\\,` inside a group is a literal comma. Unclosed groups are left as written.
    """
    limit = MAX_JOBS if cap is None else cap
    out: list[str] = []
    _expand(text, out, limit)
    return out


def _first_group(text: str) -> tuple[int, int]:
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            end = _brace_end(text, i, n)
            return (i, end) if end > 0 else (-1, -1)
        i += 1
    return -1, -1


def _expand(text: str, out: list[str], limit: int) -> None:
    """Depth first, in order, with a stack of its own: nesting depth is the user's to choose
    (`{{{…}}}` a thousand deep), Python's recursion limit is not."""
    stack = [text]
    while stack and len(out) < limit:
        text = stack.pop()
        start, end = _first_group(text)
        if start < 0:
            out.append(" ".join(_ESCAPED_COMMA.sub(",", text).split()))
            continue
        head, tail = text[:start], text[end:]
        stack.extend(head + option + tail for option in reversed(split_options(text[start + 1 : end - 1])))
