"""Small widgets, each named for what it shows. Attributes down, messages up."""

from __future__ import annotations

import difflib
import time
from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual import events
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static, TextArea

from promptsmith.core.spec import load_spec
from promptsmith.linter.registry import get_rule

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
#: Findings name the CLI's commands; inside the TUI the same thing is a key.
_IN_TUI = {"`promptsmith rewrite`": "ctrl+r", "promptsmith rewrite": "ctrl+r"}
#: A rule with this many findings on one prompt shows them as one line with a count.
COLLAPSE_AT = 3
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 change`, `2 changes`."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def tui_wording(text: str) -> str:
    """A finding's text as the TUI says it: keys instead of CLI commands."""
    for cli, key in _IN_TUI.items():
        if cli in text:
            text = text.replace(cli, key)
    return text


def finding_rows(diagnostics: Sequence[Any], collapse_at: int = COLLAPSE_AT) -> list[list[Any]]:
    """The findings as the list shows them: one row each, except that a rule found `collapse_at`
    times or more is one row (where it is first found) holding every finding of that rule."""
    by_code: dict[str, list[Any]] = {}
    for d in diagnostics:
        by_code.setdefault(d.code, []).append(d)
    if all(len(group) < collapse_at for group in by_code.values()):
        return [[d] for d in diagnostics]
    rows: list[list[Any]] = []
    for d in diagnostics:
        group = by_code[d.code]
        if len(group) < collapse_at:
            rows.append([d])
        elif group[0] is d:
            rows.append(group)
    return rows


class PromptPreview(Static):
    """The prompt as the linter sees it: each diagnostic's span underlined in its severity colour."""

    def show(self, text: str, diagnostics: list[Any]) -> None:
        rich = Text(text or " ")
        for d in diagnostics:
            start, end = d.span.start, max(d.span.end, d.span.start + 1)
            rich.stylize(f"underline {_SEVERITY_STYLE[d.severity.value]}", start, min(end, len(text)))
        self.update(rich)


class DiagnosticsView(Static):
    """The lint findings, one line each (repeats of one rule as one line with a count), the
    selected one marked; `[*]` marks a safe fix and `[unsafe fix]` an unsafe one, as in the CLI.

    Every line is cut to the width (CSS nowrap, ellipsis) but the selected finding's, which is
    wrapped here, in full, under its code (at 80 columns a finding is often longer than the pane),
    so each finding can be read by selecting it (ctrl+n)."""

    rows: Sequence[list[Any]] = ()
    selected = 0
    _empty = "✓ no findings"
    #: Lines the selected finding takes (1 plus its wrapped lines), for scrolling it into view.
    selected_lines = 1

    def show(self, rows: list[list[Any]], selected: int, empty: str = "✓ no findings") -> None:
        self.rows, self.selected, self._empty = rows, selected, empty
        self._draw()

    def on_resize(self) -> None:
        if self.rows:
            self._draw()

    def _draw(self) -> None:
        if not self.rows:
            self.selected_lines = 1
            self.update(Text(self._empty, style="green" if self._empty.startswith("✓") else "dim"))
            return
        width = self.content_size.width
        out = Text()
        for i, row in enumerate(self.rows):
            d = row[0]
            line = Text()
            line.append(f"{d.code} ", style=_SEVERITY_STYLE[d.severity.value])
            if len(row) > 1:
                line.append(f"×{len(row)} ", style="bold")
            marked = next((x for x in row if x.fix is not None), None)
            if marked is not None:
                line.append(f"{marked.fix_mark} ", style="bold")  # the mark the CLI writes, from one place
            more = f" (and {len(row) - 1} more like it)" if len(row) > 1 else ""
            line.append(f"{tui_wording(d.message)}{more}")
            if width <= 2:  # not laid out yet: the next resize draws it to the width
                out.append("▶ " if i == self.selected else "  ")
                out.append_text(line)
            elif i == self.selected:  # in full, wrapped under its code
                wrapped = line.wrap(self.app.console, width - 2, overflow="fold")
                self.selected_lines = len(wrapped)
                for j, part in enumerate(wrapped):
                    out.append("▶ " if j == 0 else "  ")
                    part.rstrip()
                    out.append_text(part)
                    if j < len(wrapped) - 1:
                        out.append("\n")
            else:  # cut to the width with an ellipsis by the CSS (text-wrap: nowrap)
                out.append("  ")
                out.append_text(line)
            out.append("\n")
        self.update(out)


class RuleDoc(Static):
    """The selected finding in full, and why its rule exists."""

    def show(self, row: Sequence[Any] | None) -> None:
        """`row`: the selected row's findings (one, or a rule's repeats); None when there are none."""
        if not row:
            self.update("")
            return

        d = row[0]
        rule = get_rule(d.code)
        why = " ".join(rule.doc.split("## Why is this bad?")[-1].split("##")[0].split())
        fixes = sum(x.fix is not None for x in row)
        out = Text.assemble(
            (f"{rule.code} {rule.name}", "bold"),
            f" · {d.severity.value}",
            f" · {'ctrl+f fixes it' if fixes else 'no fix'}\n",
            tui_wording(d.message),
        )
        if len(row) > 1:
            out.append(f"\n(and {len(row) - 1} more like it)")
        out.append("\n\nwhy: ", style="bold")
        out.append(tui_wording(why))
        self.update(out)


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
    """The v6 brief, the word-level diff from the prompt, and every change with its rule."""

    def show(self, result: Any, note: str = "") -> None:
        r = result
        out = Text()
        tokens = getattr(r, "tokens", None)
        if getattr(r, "pipeline_args", None) and tokens is not None:  # an open pipeline's dialect first
            over = tokens.count > tokens.budget
            out.append(f"{r.target} prompt", style="bold")
            out.append(
                f"  ({tokens.count}/{tokens.budget} {tokens.encoder} tokens"
                f"{'' if tokens.exact else ', an upper bound'})\n",
                style="red" if over else "dim",
            )
            out.append(r.prompt + "\n")
            if r.negative_prompt:
                out.append("negative: ", style="bold")
                out.append(r.negative_prompt + "\n")
            for c in r.cut:
                out.append("✂ cut: ", style="yellow")
                out.append(f"{c.term} ({c.reason})\n")
            out.append("\n")
        out.append("v6 brief", style="bold")
        out.append(f"  ({r.engine}{', ' + note if note else ''})\n", style="dim")
        out.append(r.output + "\n\n")
        out.append("diff\n", style="bold")
        out.append_text(word_diff(r.input, r.output))
        if r.changes:
            out.append(f"\n\n{plural(len(r.changes), 'change')}\n", style="bold")
            for c in r.changes:
                out.append(f"· {c.rule}: ", style="cyan")
                out.append(f"{c.before or '∅'} → {c.after or '∅'}\n")
        self.update(out)

    def mark_stale(self, stale: bool) -> None:
        """Say on the box's border that the prompt changed since this brief (cheap: no redraw of
        the brief, so a keystroke that flips it stays fast)."""
        self.set_class(stale, "-stale")
        self.border_title = "stale · ctrl+r rewrites" if stale else None

    def stream(self, text: str, label: str) -> None:
        """The model's text so far, as it writes."""
        self.update(Text(f"{label} is writing…\n", style="dim") + Text(text))


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
            out.append(
                ", ".join(f"{t.term} (lost {', '.join(p.text for p in t.lost)})" for t in c.changed) + "\n", style="red"
            )
        out.append("added:   ", style="bold")
        out.append(", ".join(a.text for a in c.added) or "nothing", style="red" if c.added else "")
        self.update(out)


class ParamsView(Static):
    """The parsed parameters, what each means, and its valid range for the version."""

    def show(self, prompt: Any, version: str) -> None:
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


class StatusLine(Static):
    """One line under the panes: what is running (a spinner, the elapsed time, esc to cancel) or
    what last happened."""

    #: Seconds for the elapsed time (the snapshot tests freeze it, so frames are stable).
    clock = staticmethod(time.perf_counter)

    def on_mount(self) -> None:
        self._label = ""
        self._started = 0.0
        self._frame = 0
        self._extra = ""
        self._timer = self.set_interval(0.1, self._tick, pause=True)

    @property
    def busy(self) -> bool:
        return bool(self._label)

    def start(self, label: str) -> None:
        """Show `label` with a spinner and the seconds since now, until `stop`."""
        self._label, self._started, self._frame, self._extra = label, self.clock(), 0, ""
        self._tick()
        self._timer.resume()

    def note(self, extra: str) -> None:
        """Add a detail to the running line (tokens written so far)."""
        self._extra = extra

    def stop(self, message: str | Text) -> None:
        self._label = ""
        self._timer.pause()
        self.update(message)

    def elapsed(self) -> float:
        return self.clock() - self._started

    def _tick(self) -> None:
        if not self._label:
            return
        self._frame += 1
        spin = _SPINNER[self._frame % len(_SPINNER)]
        extra = f" · {self._extra}" if self._extra else ""
        self.update(
            Text.assemble(
                (spin + " ", "bold"), f"{self._label} · {self.elapsed():.1f} s{extra} · ", ("esc", "bold"), " cancels"
            )
        )


class KeyBar(Widget):
    """The main actions in one fixed order, wrapped onto a second line when the terminal is
    narrow (every key stays visible at 80 columns). Each is clickable."""

    def __init__(self, items: Sequence[tuple[str, str, str]], **kwargs: Any) -> None:
        """`items`: (key as shown, label, action) in the order to show them."""
        super().__init__(**kwargs)
        self.items = list(items)

    def _lines(self, width: int) -> list[list[tuple[str, str, str]]]:
        lines: list[list[tuple[str, str, str]]] = [[]]
        used = 0
        for item in self.items:
            size = len(item[0]) + 1 + len(item[1]) + 2
            if lines[-1] and used + size - 2 > width:
                lines.append([])
                used = 0
            lines[-1].append(item)
            used += size
        return lines

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        rows = []
        for line in self._lines(self.content_size.width or 80):
            rows.append(
                Content("  ").join(
                    Content.assemble((key, "bold $accent"), " ", (label, f"@click=app.{action}"))
                    for key, label, action in line
                )
            )
        return Content("\n").join(rows)


class PreviewGrid(Vertical):
    """The preview's grid image, under the brief (sixel, kitty or half-cells, with textual-image
    installed; else a line saying where the PNG is)."""

    def show(self, path: str | None) -> None:
        """The grid at `path`; nothing when there is none (a preview that failed)."""
        self.remove_children()
        if path is None:
            return
        try:
            from PIL import Image as PILImage
            from textual_image.widget import Image as ImageWidget  # sixel / kitty / half-cells

            self.mount(ImageWidget(PILImage.open(path), id="grid-image"))
        except ImportError:  # text fallback: the path is in the status line
            self.mount(Static(f"grid saved to {path} (install textual-image to see it here)"))


class PasteJoined(Message):
    """A paste of several lines went into the editor as one prompt."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.lines = lines


class PromptEditor(TextArea):
    """The prompt editor. A prompt is one line: a multi-line paste is joined into one (and says so
    with `PasteJoined`), so what the linter reads is what the editor shows."""

    async def _on_paste(self, event: events.Paste) -> None:
        lines = [line.strip() for line in event.text.splitlines() if line.strip()]
        if len(lines) < 2 or self.read_only:
            return  # TextArea's own paste handler inserts it
        event.prevent_default()
        result = self.replace(" ".join(lines), *self.selection)
        self.move_cursor(result.end_location)
        self.post_message(PasteJoined(len(lines)))
