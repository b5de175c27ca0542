"""Expand `{a, b}` permutation prompts into the jobs Midjourney would run."""

from __future__ import annotations

import re

from promptsmith.core.parse import _brace_end, split_options

_ESCAPED_COMMA = re.compile(r"\s*\\,")

#: Midjourney runs at most 40 jobs from one permutation prompt (its "Permutations" article).
MAX_JOBS = 40


def count_jobs(text: str, cap: int = 10_000) -> int:
    """How many jobs `text` expands to (at most `cap`): `len(expand(text, cap))`, counted in one
    pass over the text, without building a job (a group's count is the sum of its options', an
    option's the product of the groups in it), so `{{{…a…}}}` costs its length, not its square."""
    # frames[k] = [jobs of the option being read, jobs of the group's options read so far]
    frames: list[list[int]] = [[1, 0]]
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            frames.append([1, 0])
        elif len(frames) > 1 and c == ",":
            frame = frames[-1]
            frame[1], frame[0] = min(cap, frame[1] + frame[0]), 1
        elif len(frames) > 1 and c == "}":
            option, group = frames.pop()
            outer = frames[-1]
            outer[0] = min(cap, outer[0] * min(cap, group + option))
        i += 1
    # a group never closed is left as written (one job), and so is all that follows it
    return min(cap, frames[0][0])


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
