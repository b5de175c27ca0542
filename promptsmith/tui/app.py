"""The promptsmith TUI: edit a prompt with live lint, rewrite it, tune its parameters, compare,
preview, copy, and browse the history — all from the keyboard.

Slow work (rewrites with an LLM, embeddings, renders) runs in exclusive thread workers that call
the same services as the CLI and post messages back; the UI never blocks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Input, Label, ListItem, ListView, Markdown, Select, Static, Switch, TextArea

from promptsmith.tui.widgets import (
    ComparisonView,
    DiagnosticsView,
    ParamsView,
    PromptPreview,
    RewriteView,
    RuleDoc,
    TokenStreamed,
)

ENGINES = ("rules", "llm", "auto")
PARAM_INPUTS = (("stylize", "--s"), ("chaos", "--c"), ("weird", "--weird"), ("aspect", "--ar"), ("seed", "--seed"),
                ("no", "--no"))


class RewriteDone(Message):
    def __init__(self, result: Any, error: str | None = None) -> None:
        super().__init__()
        self.result = result
        self.error = error


class CompareDone(Message):
    def __init__(self, comparison: Any, note: str = "") -> None:
        super().__init__()
        self.comparison = comparison
        self.note = note


class PreviewDone(Message):
    def __init__(self, path: str | None, note: str) -> None:
        super().__init__()
        self.path = path
        self.note = note


class HelpScreen(ModalScreen[None]):
    """Keys and rules."""

    BINDINGS = [Binding("escape,q,f1", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        from promptsmith.lint.registry import all_rules

        keys = "\n".join(f"| `{b.key}` | {b.description} |" for b in PromptsmithApp.BINDINGS if b.show or b.description)
        rules = "\n".join(f"| {r.code} | {r.name} | {r.summary} |" for r in all_rules())
        yield VerticalScroll(Markdown(
            "# promptsmith\n\nEdit the prompt on the left: findings update as you type. "
            "Everything is also in the command palette (ctrl+p).\n\n| key | action |\n|---|---|\n" + keys
            + "\n\n## Rules\n\n| code | name | what it finds |\n|---|---|---|\n" + rules), id="help")


class HistoryScreen(ModalScreen[str | None]):
    """Earlier rewrites (this session and before); enter loads one into the editor."""

    BINDINGS = [Binding("escape", "dismiss_none", "Close")]

    def __init__(self, entries: list[Any]) -> None:
        super().__init__()
        self.entries = entries

    def compose(self) -> ComposeResult:
        items = [ListItem(Label(f"{e.input[:70]}\n  → {e.output[:70]}"), name=str(i)) for i, e in enumerate(self.entries)]
        yield Vertical(Label("history — enter loads the prompt, escape closes", id="history-title"),
                       ListView(*items, id="history-list") if items else Label("no history yet"), id="history")

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        self.dismiss(self.entries[int(event.item.name or 0)].input)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class PromptsmithCommands(Provider):
    """The command palette's actions."""

    COMMANDS = (
        ("Rewrite the prompt", "rewrite"), ("Apply all safe fixes", "fix_all"), ("Apply the selected fix", "apply_fix"),
        ("Compare the brief with the original", "compare"), ("Copy the brief", "copy"), ("Show history", "history"),
        ("Cycle engine (rules / llm / auto)", "cycle_engine"), ("Preview (render backend)", "preview"), ("Help", "help"),
    )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action in self.COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), getattr(self.app, f"action_{action}"), help=title)


class PromptsmithApp(App[None]):
    """The whole workflow in one screen."""

    CSS_PATH = "app.tcss"
    TITLE = "promptsmith"
    COMMANDS = App.COMMANDS | {PromptsmithCommands}
    # priority: the editor would otherwise take these keys (ctrl+k kills a line, ctrl+e ends one…)
    BINDINGS = [
        Binding("ctrl+r", "rewrite", "Rewrite", priority=True),
        Binding("ctrl+f", "apply_fix", "Fix", priority=True),
        Binding("ctrl+shift+f", "fix_all", "Fix all", show=False, priority=True),
        Binding("ctrl+n", "next_diagnostic", "Next finding", priority=True),
        Binding("ctrl+k", "compare", "Compare", priority=True),
        Binding("ctrl+e", "cycle_engine", "Engine", priority=True),
        Binding("ctrl+y", "copy", "Copy", priority=True),
        Binding("ctrl+o", "history", "History", priority=True),
        Binding("ctrl+g", "preview", "Preview", show=False, priority=True),
        Binding("f1", "help", "Help", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, prompt: str = "", *, version: str = "6.1", engine: str = "rules", history_path: Path | None = None,
                 backend: str | None = None, embedder: Any = None, cursor_blink: bool = True,
                 history_size: int = 5_000) -> None:
        super().__init__()
        self.cursor_blink = cursor_blink
        self.initial = prompt
        self.version = version
        self.engine = engine if engine in ENGINES else "rules"
        self.history_path = history_path
        self.history_size = history_size
        self.backend = backend
        self.embedder = embedder
        self.diagnostics: list[Any] = []
        self.selected = 0
        self.last_result: Any = None
        self._syncing = False
        self._streamed = ""

    # -- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield TextArea(self.initial, id="editor", soft_wrap=True, show_line_numbers=False)
                yield PromptPreview(id="preview-line")
                yield DiagnosticsView(id="diagnostics")
                yield RuleDoc(id="rule-doc")
            with VerticalScroll(id="right"):
                yield RewriteView("ctrl+r rewrites the prompt into a v6 brief", id="rewrite")
                yield ComparisonView(id="comparison")
                yield ParamsView(id="params")
                with Horizontal(id="param-inputs"):
                    for name, label in PARAM_INPUTS:
                        yield Input(placeholder=label, id=f"param-{name}", classes="param")
                    yield Label("raw", classes="switch-label")
                    yield Switch(id="param-raw")
                    yield Select([(v, v) for v in _versions()], value=self.version, allow_blank=False, id="param-version")
                yield Static(id="status")
                yield Vertical(id="preview-grid")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"engine: {self.engine} · target {self.version}"
        editor = self.query_one("#editor", TextArea)
        editor.cursor_blink = self.cursor_blink  # off in snapshot tests, so frames are stable
        editor.focus()
        self.relint()

    # -- live lint -------------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self.query_one("#editor", TextArea).text

    def set_text(self, text: str) -> None:
        self.query_one("#editor", TextArea).load_text(text)
        self.relint()

    @on(TextArea.Changed, "#editor")
    def _edited(self) -> None:
        self.relint()

    def relint(self) -> None:
        """Lint on every keystroke (well under a frame: see benchmarks/bench_tui.py)."""
        from promptsmith.core.parse import parse
        from promptsmith.lint.engine import lint

        text = " ".join(self.text.split("\n"))
        prompt = parse(text)
        self.diagnostics = lint(prompt, version=self.version)
        self.selected = min(self.selected, max(0, len(self.diagnostics) - 1))
        self.query_one(PromptPreview).show(text, self.diagnostics)
        self.query_one(DiagnosticsView).show(self.diagnostics, self.selected)
        self._show_rule_doc()
        self.query_one(ParamsView).show(prompt, self.version)
        self._sync_inputs(prompt)

    def _show_rule_doc(self) -> None:
        doc = self.query_one(RuleDoc)
        if not self.diagnostics:
            doc.update("")
            return
        from promptsmith.lint.registry import get_rule

        rule = get_rule(self.diagnostics[self.selected].code)
        why = " ".join(rule.doc.split("## Why is this bad?")[-1].split("##")[0].split())
        doc.update(f"[b]{rule.code} {rule.name}[/b]: {why}")

    def _sync_inputs(self, prompt: Any) -> None:
        self._syncing = True
        try:
            for name, _label in PARAM_INPUTS:
                p = prompt.param(name)
                box = self.query_one(f"#param-{name}", Input)
                value = p.raw if p is not None else ""
                if box.value != value and not box.has_focus:
                    box.value = value
            raw = prompt.has("raw") or (prompt.param("style") is not None and prompt.param("style").value == "raw")
            switch = self.query_one("#param-raw", Switch)
            if switch.value != raw:
                switch.value = raw
        finally:
            self._syncing = False

    # -- parameters from widgets -----------------------------------------------------------------
    @on(Input.Submitted, ".param")
    @on(Input.Blurred, ".param")
    def _param_entered(self, event: Input.Submitted | Input.Blurred) -> None:
        if self._syncing:
            return
        from promptsmith.core.edit import set_param

        name = (event.input.id or "").removeprefix("param-")
        new = set_param(" ".join(self.text.split("\n")), name, event.input.value or None)
        if new != self.text:
            self.set_text(new)

    @on(Switch.Changed, "#param-raw")
    def _raw_toggled(self, event: Switch.Changed) -> None:
        if self._syncing:
            return
        from promptsmith.core.edit import set_param

        text = set_param(" ".join(self.text.split("\n")), "style", None) if not event.value else self.text
        self.set_text(set_param(text, "raw", event.value or None))

    @on(Select.Changed, "#param-version")
    def _version_changed(self, event: Select.Changed) -> None:
        self.version = str(event.value)
        self.sub_title = f"engine: {self.engine} · target {self.version}"
        self.relint()

    # -- fixes -----------------------------------------------------------------------------------
    def action_next_diagnostic(self) -> None:
        if self.diagnostics:
            self.selected = (self.selected + 1) % len(self.diagnostics)
            self.query_one(DiagnosticsView).show(self.diagnostics, self.selected)
            self._show_rule_doc()

    def action_apply_fix(self) -> None:
        """Apply the selected finding's fix (safe or unsafe: the user chose it)."""
        from promptsmith.core.fix import _tidy, apply_edits

        fixable = [d for d in self.diagnostics if d.fix is not None]
        if not fixable:
            self.notify("nothing to fix here")
            return
        chosen = self.diagnostics[self.selected] if self.diagnostics[self.selected].fix else fixable[0]
        text = " ".join(self.text.split("\n"))
        self.set_text(_tidy(apply_edits(text, chosen.fix.edits)))
        self.notify(f"applied {chosen.code} {chosen.name}")

    def action_fix_all(self) -> None:
        import promptsmith as ps

        result = ps.fix(" ".join(self.text.split("\n")), version=self.version)
        self.set_text(result.text)
        self.notify(f"applied {len(result.applied)} safe fixes")

    # -- rewrite ---------------------------------------------------------------------------------
    def action_cycle_engine(self) -> None:
        self.engine = ENGINES[(ENGINES.index(self.engine) + 1) % len(ENGINES)]
        self.sub_title = f"engine: {self.engine} · target {self.version}"
        self.notify(f"engine: {self.engine}")

    def action_rewrite(self) -> None:
        self.query_one("#status", Static).update("rewriting…")
        self._streamed = ""
        self.rewrite_worker(" ".join(self.text.split("\n")), self.engine, self.version)

    @work(thread=True, exclusive=True, group="rewrite")
    def rewrite_worker(self, text: str, engine: str, version: str) -> None:
        from promptsmith.services.rewrite import rewrite

        target = version if version in _versions() else "6.1"
        try:
            result = rewrite(text, engine=engine, target_version=target,
                             on_token=lambda piece: self.post_message(TokenStreamed(piece)))
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app goes on
            self.post_message(RewriteDone(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(RewriteDone(result))

    def on_token_streamed(self, message: TokenStreamed) -> None:
        self._streamed += message.text
        self.query_one(RewriteView).stream(self._streamed)

    def on_rewrite_done(self, message: RewriteDone) -> None:
        status = self.query_one("#status", Static)
        if message.error:
            status.update(f"[red]rewrite failed: {message.error}[/red]")
            return
        r = message.result
        self.last_result = r
        note = f"fell back: {r.fallback}" if r.fallback else (", ".join(r.jobs) if r.jobs else "")
        self.query_one(RewriteView).show(r.input, r.output, r.changes, r.engine, note)
        status.update(f"rewritten · {len(r.changes)} changes · engine {r.engine}")
        self.query_one(ComparisonView).show(None)
        self._remember(r)

    @work(thread=True, group="history")
    def _remember(self, r: Any) -> None:
        from promptsmith.services.history import History

        history = History(self.history_path, self.history_size)
        history.add(r.input, r.output, r.engine)
        history.close()
        if history.notice:
            self.call_from_thread(self.notify, history.notice, severity="warning")

    # -- compare / copy / history / preview / help -----------------------------------------------
    def action_compare(self) -> None:
        if self.last_result is None:
            self.notify("rewrite first (ctrl+r)")
            return
        self.query_one(ComparisonView).show(None, "comparing…")
        self.compare_worker(self.last_result.input, self.last_result.output)

    @work(thread=True, exclusive=True, group="compare")
    def compare_worker(self, a: str, b: str) -> None:
        from promptsmith.services.compare import compare

        try:
            self.post_message(CompareDone(compare(a, b, embedder=self.embedder)))
        except Exception as exc:  # noqa: BLE001
            self.post_message(CompareDone(None, f"comparison unavailable: {exc}"))

    def on_compare_done(self, message: CompareDone) -> None:
        self.query_one(ComparisonView).show(message.comparison, message.note)

    def action_copy(self) -> None:
        text = self.last_result.output if self.last_result else " ".join(self.text.split("\n"))
        self.copy_to_clipboard(text)  # OSC 52: works over SSH in terminals that allow it
        self.notify("copied to the clipboard")

    def action_history(self) -> None:
        from promptsmith.services.history import History

        history = History(self.history_path, self.history_size)
        entries = history.recent()
        history.close()
        if history.notice:
            self.notify(history.notice, severity="warning")

        def load(choice: str | None) -> None:
            if choice:
                self.set_text(choice)

        self.push_screen(HistoryScreen(entries), load)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_preview(self) -> None:
        if not self.backend:
            self.notify("no render backend: start the TUI with --backend http://HOST:PORT", severity="warning")
            return
        self.query_one("#status", Static).update("rendering… (the editor stays live)")
        self.preview_worker(" ".join(self.text.split("\n")))

    @work(thread=True, exclusive=True, group="preview")
    def preview_worker(self, text: str) -> None:
        from promptsmith.backends.http import HttpRenderer
        from promptsmith.services.preview import preview

        try:
            result = preview(text, HttpRenderer(self.backend or ""), out_dir=Path("previews"))
            self.post_message(PreviewDone(result.png, f"preview: {result.png}"))
        except Exception as exc:  # noqa: BLE001
            self.post_message(PreviewDone(None, f"preview failed: {exc}"))

    def on_preview_done(self, message: PreviewDone) -> None:
        self.query_one("#status", Static).update(message.note)
        holder = self.query_one("#preview-grid", Vertical)
        holder.remove_children()
        if message.path is None:
            return
        try:
            from PIL import Image as PILImage
            from textual_image.widget import Image as ImageWidget  # sixel / kitty / half-cells

            holder.mount(ImageWidget(PILImage.open(message.path), id="grid-image"))
        except ImportError:  # text fallback: the path is in the status line
            holder.mount(Static(f"grid saved to {message.path} (install textual-image to see it here)"))


def run(prompt: str = "", **options: Any) -> None:
    """Start the TUI (what `promptsmith tui` calls)."""
    PromptsmithApp(prompt, **options).run()


def _versions() -> tuple[str, ...]:
    """The versions a rewrite can target, from the parameter table (newest first)."""
    from promptsmith.services.rewrite import target_versions

    return tuple(v for v in reversed(target_versions()) if v not in ("test", "testp"))
