"""Apply fixes: non-overlapping edits, safe ones by default, iterated until nothing changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict

from promptsmith.core.model import Applicability, Diagnostic, Edit, diagnostic_order

#: Fix passes before giving up (a fix may uncover another finding, as in ruff).
MAX_PASSES = 6


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


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits (any order) to `text`."""
    out = text
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[: e.start] + e.content + out[e.end :]
    return out


def _tidy(text: str) -> str:
    """Collapse the double spaces and dangling commas that removals leave behind."""
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
    spans: list[tuple[int, int]] = []
    for d in sorted(diagnostics, key=diagnostic_order):
        fix = d.fix
        if fix is None or (fix.applicability is Applicability.UNSAFE and not unsafe):
            continue
        ranges = [(e.start, e.end) for e in fix.edits]
        if any(not (b <= s or a >= t) or (a == b == s == t) for a, b in ranges for s, t in spans):
            continue
        taken.append(d)
        edits.extend(fix.edits)
        spans.extend(ranges)
    return taken, edits


def fix_text(text: str, lint: Callable[[str], list[Diagnostic]], *, unsafe: bool = False) -> FixResult:
    """Lint, apply what can be fixed, and repeat until stable; returns the text and what changed."""
    applied: list[Diagnostic] = []
    current = text
    diags = lint(current)
    for _ in range(MAX_PASSES):
        taken, edits = choose(diags, unsafe)
        if not edits:
            break
        new = _tidy(apply_edits(current, edits))
        if new == current:
            break
        applied.extend(taken)
        current = new
        diags = lint(current)
    return FixResult(source=text, text=current, applied=tuple(applied), remaining=tuple(diags))
