"""Small widgets, each named for what it shows. Attributes down, messages up."""

from __future__ import annotations

import difflib
from typing import Any

from rich.text import Text
from textual.message import Message
from textual.widgets import Static

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


class PromptPreview(Static):
    """The prompt as the linter sees it: each diagnostic's span underlined in its severity colour."""

    def show(self, text: str, diagnostics: list[Any]) -> None:
        rich = Text(text or " ")
        for d in diagnostics:
            start, end = d.span.start, max(d.span.end, d.span.start + 1)
            rich.stylize(f"underline {_SEVERITY_STYLE[d.severity.value]}", start, min(end, len(text)))
        self.update(rich)


class DiagnosticsView(Static):
    """The lint findings, one line each, the selected one marked."""

    def show(self, diagnostics: list[Any], selected: int) -> None:
        if not diagnostics:
            self.update(Text("✓ no findings", style="green"))
            return
        out = Text()
        for i, d in enumerate(diagnostics):
            marker = "▶ " if i == selected else "  "
            fix = " [fix]" if d.fix is not None else ""
            out.append(marker)
            out.append(f"{d.code} ", style=_SEVERITY_STYLE[d.severity.value])
            out.append(f"{d.message}{fix}\n")
        self.update(out)


class RuleDoc(Static):
    """The documentation of the selected diagnostic's rule."""


def word_diff(before: str, after: str) -> Text:
    """A word-level diff: removed words struck in red, added words in green."""
    a, b = before.split(), after.split()
    out = Text()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(" ".join(a[i1:i2]) + " ")
        if op in ("delete", "replace"):
            out.append(" ".join(a[i1:i2]) + " ", style="strike red")
        if op in ("insert", "replace"):
            out.append(" ".join(b[j1:j2]) + " ", style="bold green")
    return out


class RewriteView(Static):
    """The original and the v6 brief side by side as a word-level diff, with the changes."""

    def show(self, before: str, after: str, changes: list[Any], engine: str, note: str = "") -> None:
        out = Text()
        out.append("v6 brief", style="bold")
        out.append(f"  ({engine}{', ' + note if note else ''})\n", style="dim")
        out.append(after + "\n\n")
        out.append("diff\n", style="bold")
        out.append_text(word_diff(before, after))
        if changes:
            out.append("\n\nchanges\n", style="bold")
            for c in changes:
                out.append(f"· {c.rule}: ", style="cyan")
                out.append(f"{c.before or '∅'} → {c.after or '∅'}\n")
        self.update(out)

    def stream(self, text: str) -> None:
        self.update(Text("writing… ", style="dim") + Text(text))


class ComparisonView(Static):
    """Similarity, dropped and added terms of the brief against the original."""

    def show(self, comparison: Any | None, note: str = "") -> None:
        if comparison is None:
            self.update(Text(note or "comparison: press ctrl+k (needs promptsmith[embed])", style="dim"))
            return
        c = comparison
        out = Text()
        out.append(f"similarity {c.similarity:.2f}  ", style="bold")
        out.append(c.verdict + "\n", style="green" if c.verdict == "preserved" else "yellow")
        out.append("dropped: ", style="bold")
        out.append((", ".join(d.text for d in c.dropped) or "nothing") + "\n", style="red" if c.dropped else "")
        if c.changed:
            out.append("changed: ", style="bold")
            out.append(", ".join(f"{t.term} (lost {', '.join(p.text for p in t.lost)})" for t in c.changed) + "\n",
                       style="red")
        out.append("added:   ", style="bold")
        out.append(", ".join(a.text for a in c.added) or "nothing", style="red" if c.added else "")
        self.update(out)


class ParamsView(Static):
    """The parsed parameters, what each means, and its valid range for the version."""

    def show(self, prompt: Any, version: str) -> None:
        from promptsmith.core.spec import load_spec

        spec = load_spec()
        out = Text()
        out.append(f"parameters (read for {spec.label(version)})\n", style="bold")
        if not prompt.params:
            out.append("none — set them below\n", style="dim")
        for p in prompt.params:
            ps = spec.params.get(p.name)
            rng = ps.range_for(version) if ps else None
            out.append(f"--{p.alias} {p.raw}".rstrip() + " · ", style="cyan")
            out.append(ps.summary if ps else "unknown parameter")
            if rng is not None:
                out.append(f"  ({rng.describe()})", style="dim")
            out.append("\n")
        self.update(out)


class TokenStreamed(Message):
    """A piece of LLM output arrived (posted from the rewrite worker)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
