"""Apply fixes: non-overlapping edits, safe ones by default, iterated until nothing changes."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Generator, Sequence

from pydantic import BaseModel, ConfigDict

from promptsmith.core.model import Applicability, Diagnostic, Edit, Prompt, build, diagnostic_order
from promptsmith.core.parse import EM_DASH, EN_DASH, GLUED, UNCLOSED_ANGLE, parse
from promptsmith.core.spec import Spec

#: A runaway guard, not a convergence limit: fixes go on until the text stops changing (or comes
#: back to a text it was before), which takes 1–3 passes on real prompts; only a text built to
#: chain hundreds of fixes (each uncovering the next, as in ruff) can reach it.
MAX_PASSES = 200


class FixResult(BaseModel):
    """The fixed text and the diagnostics whose fixes were applied, pass by pass."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    source: str
    text: str
    applied: tuple[Diagnostic, ...] = ()
    remaining: tuple[Diagnostic, ...] = ()

    @property
    def changed(self) -> bool:
        return self.text != self.source


#: Parser findings whose fixes only make a prompt say what it meant: `–ar` and `—ar` for `--ar`,
#: a flag glued to the word before it, an image URL whose `<` is never closed.
SYNTAX_FIXES = (EN_DASH.code, GLUED.code, EM_DASH.code, UNCLOSED_ANGLE.code)


def parse_mended(text: str, spec: Spec | None = None) -> tuple[Prompt, list[Diagnostic]]:
    """Parse `text` with its syntax slips (SYNTAX_FIXES) mended: (the prompt as meant, the findings
    mended, located in `text`). A text without them is parsed once."""
    prompt = parse(text, spec)
    mended = [d for d in prompt.diagnostics if d.code in SYNTAX_FIXES and d.fix is not None]
    if not mended:
        return prompt, []
    return parse(apply_edits(text, [e for d in mended for e in d.fix.edits]), spec), mended  # type: ignore[union-attr]


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits (any order) to `text`, in time linear in the text and the edits."""
    pieces: list[str] = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:  # overlapping edits: the last one (by position) wins, as it always has
            return _apply_overlapping(text, edits)
        pieces.append(text[pos : e.start])
        pieces.append(e.content)
        pos = e.end
    pieces.append(text[pos:])
    return "".join(pieces)


def _apply_overlapping(text: str, edits: Sequence[Edit]) -> str:
    out = text
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[: e.start] + e.content + out[e.end :]
    return out


def close_gaps(text: str) -> str:
    """`text` without the double spaces and dangling commas that removals leave behind: what
    every fix pass (and a fix applied by hand) does to the text it made."""
    import re

    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\s+,", ",", text)
    text = re.sub(r",(\s*,)+", ",", text)
    text = re.sub(r"^[\s,]+", "", text)
    text = re.sub(r",\s*(?=--|—|$)", " ", text)
    return text.strip()


def choose(diagnostics: Sequence[Diagnostic], unsafe: bool) -> tuple[list[Diagnostic], list[Edit]]:
    """The diagnostics whose fixes can be applied together (first come, no overlaps)."""
    taken: list[Diagnostic] = []
    edits: list[Edit] = []
    spans = _Spans()
    for d in sorted(diagnostics, key=diagnostic_order):
        fix = d.fix
        if fix is None or (fix.applicability is Applicability.UNSAFE and not unsafe):
            continue
        ranges = [(e.start, e.end) for e in fix.edits]
        if any(spans.clashes(a, b) for a, b in ranges):
            continue
        taken.append(d)
        edits.extend(fix.edits)
        spans.add(ranges)
    return taken, edits


class _Spans:
    """The ranges of the edits taken so far, which never overlap (one may end where the next
    starts; two insertions may not share a point): a clash is found by bisection, so choosing
    among k fixes costs k log k, not k²."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []  # by (start, end); their ends ascend as well
        self.points: set[int] = set()
        self.ordered = True  # False once one fix's own edits overlap: then every range is checked

    def clashes(self, a: int, b: int) -> bool:
        if a == b and a in self.points:
            return True
        if not self.ordered:
            return any(not (b <= s or a >= t) for s, t in self.ranges)
        j = bisect_left(self.ranges, (b, -1))  # the ranges that start before b; the last ends last
        return j > 0 and self.ranges[j - 1][1] > a

    def add(self, ranges: list[tuple[int, int]]) -> None:
        for a, b in ranges:
            j = bisect_right(self.ranges, (a, b))
            if (j > 0 and self.ranges[j - 1][1] > a) or (j < len(self.ranges) and b > self.ranges[j][0]):
                self.ordered = False
            self.ranges.insert(j, (a, b))
            if a == b:
                self.points.add(a)


def fix_passes(text: str, lint: Callable[[str], list[Diagnostic]], *, unsafe: bool = False,
               tidy: Callable[[str], str] | None = None) -> Generator[tuple[str, list[Diagnostic], str], None,
                                                                      list[Diagnostic]]:
    """Lint, apply what can be fixed together, and repeat until the text is stable.

    Stable means a pass changes nothing, or makes a text an earlier pass read (fixes that undo
    each other): then it stops at that text, so fixing the result again gives the same text.
    Yields each pass as (the text it read, the diagnostics whose fixes it applied, the text it
    made); the spans of those diagnostics point into the text it read. Returns the findings of the
    last text. `tidy` cleans each new text (`close_gaps` when None).
    """
    tidy = tidy or close_gaps
    current = text
    seen = {text}
    diags = lint(current)
    for _ in range(MAX_PASSES):
        taken, edits = choose(diags, unsafe)
        if not edits:
            break
        new = tidy(apply_edits(current, edits))
        if new == current:
            break
        yield current, taken, new
        current = new
        diags = lint(current)
        if new in seen:
            break  # a cycle: it ends at the first text that came back
        seen.add(new)
    return diags


def fix_text(text: str, lint: Callable[[str], list[Diagnostic]], *, unsafe: bool = False) -> FixResult:
    """Lint, apply what can be fixed, and repeat until stable; returns the text and what changed."""
    applied: list[Diagnostic] = []
    current = text
    passes = fix_passes(text, lint, unsafe=unsafe)
    while True:
        try:
            _, taken, current = next(passes)
        except StopIteration as done:
            remaining = done.value
            break
        applied.extend(taken)
    return build(FixResult, source=text, text=current, applied=tuple(applied), remaining=tuple(remaining))
