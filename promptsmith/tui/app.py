"""The promptsmith TUI: edit a prompt with live lint, rewrite it, tune its parameters, compare,
preview, copy, and browse the history — all from the keyboard.

Every lint, fix, rewrite, compare, parameter edit, history and preview call goes through one
adapter (`service`, a `TuiService` by default; see promptsmith/tui/service.py). The app's state is
one model (`state`, promptsmith/tui/state.py); each widget keeps what it shows (widgets.py,
fields.py). Slow work (rewrites with an LLM, embeddings, renders) runs in exclusive thread workers
that post messages back (messages.py); the UI never blocks, and esc cancels a running rewrite or
comparison.

Why a little over 400 lines: this is the one place where keys, widgets and workers meet, a
handler per action and per message; what they read and draw lives in the modules above.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Checkbox, Header, Input, Select

from promptsmith.registries import TARGETS, default_version
from promptsmith.tui.actions import bindings, key_bar_items, palette_commands
from promptsmith.tui.fields import ParamFields
from promptsmith.tui.messages import CompareDone, PreviewDone, RewriteDone, TokenStreamed
from promptsmith.tui.screens import HelpScreen, HistoryScreen
from promptsmith.tui.service import ENGINE_CHOICES, EngineChoice, TuiService, choice_for
from promptsmith.tui.state import TuiState
from promptsmith.tui.widgets import (
    ComparisonView,
    DiagnosticsView,
    KeyBar,
    ParamsView,
    PasteJoined,
    PreviewGrid,
    PromptEditor,
    PromptPreview,
    RewriteView,
    RuleDoc,
    StatusLine,
    finding_rows,
    plural,
)

PLACEHOLDER = "Type or paste a Midjourney prompt: findings appear as you type, ctrl+r rewrites it."


class _Cancelled(Exception):
    """Raised from the token callback to stop a model that is writing for a cancelled rewrite."""


class PromptsmithApp(App[None]):
    """The whole workflow in one screen. Its state is one model, `state` (a `TuiState`); the
    widgets keep what they show, and every lint, fix, rewrite, compare, edit, history and preview
    call goes through `service`."""

    CSS_PATH = "app.tcss"
    TITLE = "promptsmith"
    BINDINGS = bindings()  # type: ignore[assignment]
    #: Classes on the screen by terminal width: the parameter fields take 2 or 3 columns.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    def __init__(
        self,
        prompt: str = "",
        *,
        version: str | None = None,
        engine: str = "rules",
        history_path: Path | None = None,
        backend: str | None = None,
        embedder: Any = None,
        cursor_blink: bool = True,
        history_size: int = 5_000,
        service: Any = None,
        session: Any = None,
    ) -> None:
        super().__init__()
        #: Every lint, fix, rewrite, compare, edit, history and preview call goes through this object.
        self.service = service if service is not None else TuiService(session, embedder=embedder)
        engines: tuple[EngineChoice, ...] = tuple(getattr(self.service, "engines", ENGINE_CHOICES))
        self.state = TuiState(
            version=version or default_version(),
            engines=engines,
            engine=choice_for(engine, engines),
            target=str(getattr(self.service, "target", None) or "mj"),
            history_path=history_path,
            history_size=history_size,
            backend=backend,
        )
        self.cursor_blink = cursor_blink
        self.initial = prompt

    # -- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield PromptEditor(
                    self.initial, id="editor", soft_wrap=True, show_line_numbers=False, placeholder=PLACEHOLDER
                )
                with VerticalScroll(id="findings"):
                    yield PromptPreview(id="preview-line")
                    yield DiagnosticsView(id="diagnostics")
                    yield RuleDoc(id="rule-doc")
            with VerticalScroll(id="right"):
                yield RewriteView("ctrl+r rewrites the prompt into a v6 brief", id="rewrite")
                yield ComparisonView(id="comparison")
                yield ParamsView(id="params")
                yield ParamFields(self.service.versions(), self.state.version, id="param-inputs")
                yield PreviewGrid(id="preview-grid")
        yield StatusLine(id="status")
        yield KeyBar(key_bar_items(self.get_key_display), id="keys")

    def on_mount(self) -> None:
        self._show_engine()
        editor = self.query_one("#editor", PromptEditor)
        editor.cursor_blink = self.cursor_blink  # off in snapshot tests, so frames are stable
        editor.move_cursor(editor.document.end)  # typing goes on where the prompt ends
        editor.focus()
        self.query_one(StatusLine).stop("tab moves between the fields · ctrl+p lists every action · f1 help")
        self.relint()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette: every action of the table once (shown on an empty search too), then
        Textual's own that the table has no twin for (theme, screenshot, maximize)."""
        yield from palette_commands(self.get_key_display, self)
        for command in super().get_system_commands(screen):
            if command.title not in ("Quit", "Keys"):  # the table's Quit and Help say the same
                yield command

    # -- the prompt (the editor holds it) ---------------------------------------------------------
    @property
    def text(self) -> str:
        """The prompt as one line (a prompt has no line breaks)."""
        return " ".join(self.query_one("#editor", PromptEditor).text.split("\n"))

    def set_text(self, text: str) -> None:
        self.query_one("#editor", PromptEditor).load_text(text)
        self.relint()

    # -- live lint -------------------------------------------------------------------------------
    @on(PromptEditor.Changed, "#editor")
    def _edited(self) -> None:
        self.relint()

    def relint(self) -> None:
        """Lint on every keystroke (well under a frame: see benchmarks/bench_tui.py)."""
        text, state = self.text, self.state
        prompt = self.service.parse(text)
        diagnostics = self.service.lint(prompt, state.version) if text.strip() else []
        state.found(diagnostics, finding_rows(diagnostics), self.service.read_version(prompt, state.version))
        self.query_one(PromptPreview).show(text, state.diagnostics)
        empty = "no prompt yet" if not text.strip() else "✓ no findings"
        self.query_one(DiagnosticsView).show(state.rows, state.selected, empty)
        self._show_rule_doc()
        self.query_one(ParamsView).show(prompt, state.read_version)
        self.query_one(ParamFields).sync(prompt, state.version, state.read_version)
        self._show_brief()

    def _show_rule_doc(self) -> None:
        """The selected finding in full, and why its rule exists."""
        self.query_one(RuleDoc).show(self.state.rows[self.state.selected] if self.state.rows else None)

    # -- parameters from widgets -----------------------------------------------------------------
    @on(Input.Submitted, ".param")
    @on(Input.Blurred, ".param")
    def _param_entered(self, event: Input.Submitted | Input.Blurred) -> None:
        if self.query_one(ParamFields).syncing:
            return
        name = (event.input.id or "").removeprefix("param-")
        new = self.service.set_param(self.text, name, event.input.value or None)
        if new != self.text:
            self.set_text(new)

    @on(Checkbox.Changed, "#param-raw")
    def _raw_toggled(self, event: Checkbox.Changed) -> None:
        if self.query_one(ParamFields).syncing:
            return
        text = self.service.set_param(self.text, "style", None) if not event.value else self.text
        self.set_text(self.service.set_param(text, "raw", event.value or None))

    @on(Select.Changed, "#param-version")
    def _version_changed(self, event: Select.Changed) -> None:
        if event.select.disabled or str(event.value) == self.state.read_version:
            return  # the field showing the prompt's own --v, or an echo of syncing it
        self.state.version = str(event.value)
        self._show_engine()
        self.relint()

    # -- findings and fixes ----------------------------------------------------------------------
    def action_next_diagnostic(self) -> None:
        state = self.state
        if state.rows:
            state.next_finding()
            view = self.query_one(DiagnosticsView)
            view.show(state.rows, state.selected)
            self._show_rule_doc()
            # one line per row before the selected one, which takes `selected_lines`
            line = view.virtual_region.y + view.styles.padding.top + state.selected
            self.query_one("#findings", VerticalScroll).scroll_to_region(
                Region(0, line, 1, view.selected_lines), animate=False, immediate=True
            )

    def action_apply_fix(self) -> None:
        """Apply the selected finding's fix (safe or unsafe: the user chose it)."""
        if not self.state.rows:
            self.notify("nothing to fix here")
            return
        row = self.state.rows[self.state.selected]
        chosen = next((d for d in row if d.fix is not None), None)
        if chosen is None:  # the fix key acts on the selected finding only
            self.notify(f"{row[0].code} has no fix")
            return
        self.set_text(self.service.apply_fix(self.text, chosen))
        self.notify(f"applied {chosen.code} {chosen.name}")

    def action_fix_all(self) -> None:
        result = self.service.fix(self.text, self.state.version)
        unsafe = sum(d.fix_mark == "[unsafe fix]" for row in self.state.rows for d in row)
        left = (
            f"; {plural(unsafe, 'unsafe fix', 'unsafe fixes')} left (ctrl+f applies the selected one)" if unsafe else ""
        )
        if not result.applied:
            self.notify("no safe fixes to apply" + left)
            return
        self.set_text(result.text)
        self.notify(f"applied {plural(len(result.applied), 'safe fix', 'safe fixes')}" + left)

    @on(PasteJoined)
    def _paste_joined(self, event: PasteJoined) -> None:
        message = f"pasted {event.lines} lines, joined into one prompt (ctrl+z undoes)"
        self.query_one(StatusLine).stop(message)
        self.notify(message)

    # -- rewrite ---------------------------------------------------------------------------------
    def _show_engine(self) -> None:
        state = self.state
        target = "" if state.target == "mj" else f" · for {state.target}"
        self.sub_title = f"engine: {state.engine.label} (ctrl+e) · target {state.version}{target}"

    def action_cycle_target(self) -> None:
        target = self.state.next_target(TARGETS.names)
        self._show_engine()
        self.notify(
            f"rewrite target: {target}" + (" (Midjourney at the --v select's version)" if target == "mj" else "")
        )

    def action_cycle_engine(self) -> None:
        engine = self.state.next_engine()
        self._show_engine()
        self.notify(f"engine: {engine.label}")

    def action_rewrite(self) -> None:
        state = self.state
        job = state.start("rewrite")
        state.streamed = ""
        self.query_one("#right", VerticalScroll).scroll_home(animate=False)  # where the brief appears
        self.query_one(StatusLine).start(f"rewriting with {state.engine.label}")
        target = state.version if state.version in self.service.versions() else default_version()
        self.rewrite_worker(job, self.text, state.engine, target, state.target)

    @work(thread=True, exclusive=True, group="rewrite")
    def rewrite_worker(self, job: int, text: str, engine: EngineChoice, version: str, goal: str = "mj") -> None:
        def on_token(piece: str) -> None:
            if job != self.state.job:  # cancelled: stop the model mid-sentence
                raise _Cancelled
            self.post_message(TokenStreamed(job, piece))

        try:
            # the target only when one is chosen: an adapter without targets still works
            extra = {} if goal == "mj" else {"target": goal}
            result = self.service.rewrite(text, engine, version, on_token=on_token, **extra)
        except _Cancelled:
            return
        except Exception as exc:  # shown to the user, the app goes on
            self.post_message(RewriteDone(job, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(RewriteDone(job, result))

    def on_token_streamed(self, message: TokenStreamed) -> None:
        state = self.state
        if message.job != state.job:
            return
        state.streamed += message.text
        self.query_one(RewriteView).stream(state.streamed, state.engine.label)
        self.query_one(StatusLine).note(f"{plural(len(state.streamed.split()), 'word')} written")

    def on_rewrite_done(self, message: RewriteDone) -> None:
        if not self.state.finish(message.job):
            return  # a cancelled or superseded rewrite
        status = self.query_one(StatusLine)
        seconds = status.elapsed()
        if message.error:
            status.stop(Text(f"rewrite failed: {message.error}", style="red"))
            self.notify(message.error, title="rewrite failed", severity="error")  # in full: the line may be cut
            if self.state.last_result is not None:
                self._show_brief(force=True)
            return
        r = message.result
        self.state.rewritten(r)
        self._show_brief(force=True)
        self.query_one("#right", VerticalScroll).scroll_home(animate=False)
        tokens = getattr(r, "tokens", None)
        budget = (
            (
                f" · {tokens.count}/{tokens.budget} {tokens.encoder} tokens{'' if tokens.exact else ' (bound)'}"
                + (f", {len(r.cut)} cut" if r.cut else "")
            )
            if tokens
            else ""
        )
        status.stop(f"rewritten in {seconds:.1f} s · {plural(len(r.changes), 'change')} · engine {r.engine}{budget}")
        self.query_one(ComparisonView).show(None)
        self._remember(r)

    def _show_brief(self, force: bool = False) -> None:
        """Draw the brief (`force`: a new one) and mark it stale when the prompt changed since."""
        state = self.state
        if state.last_result is None or state.working_on == "rewrite":
            return
        view = self.query_one(RewriteView)
        if force:
            view.show(state.last_result, state.brief_note)
        stale = not state.brief_is_current(self.text)
        if force or stale != state.shown_stale:
            if stale and state.working_on != "compare":
                self.query_one(ComparisonView).show(None)  # a comparison of another prompt is not left on screen
            state.shown_stale = stale
            view.mark_stale(stale)

    def action_cancel(self) -> None:
        """Stop waiting for the running rewrite, comparison or render (a model that is writing
        stops; the others finish in the background and are dropped)."""
        what = self.state.cancel()
        if what is None:
            return
        self.workers.cancel_group(self, what)
        self.query_one(StatusLine).stop(f"{what} cancelled")
        if what == "rewrite":
            if self.state.last_result is not None:
                self._show_brief(force=True)
            else:
                self.query_one(RewriteView).update("ctrl+r rewrites the prompt into a v6 brief")
        elif what == "compare":
            self.query_one(ComparisonView).show(None, "comparison cancelled")

    @work(thread=True, group="history")
    def _remember(self, r: Any) -> None:
        notice = self.service.remember(r, self.state.history_path, self.state.history_size)
        if notice:
            self.call_from_thread(self.notify, notice, severity="warning")

    # -- compare / copy / history / preview / help -----------------------------------------------
    def action_compare(self) -> None:
        brief = self.state.last_result
        if brief is None:
            self.notify("rewrite first (ctrl+r)")
            return
        job = self.state.start("compare")
        self.query_one(ComparisonView).show(None, "comparing…")
        self.query_one(StatusLine).start("comparing the brief with the prompt")
        self.compare_worker(job, brief.input, brief.output)

    @work(thread=True, exclusive=True, group="compare")
    def compare_worker(self, job: int, a: str, b: str) -> None:
        try:
            self.post_message(CompareDone(job, self.service.compare(a, b)))
        except Exception as exc:
            self.post_message(CompareDone(job, None, f"comparison unavailable: {exc}"))

    def on_compare_done(self, message: CompareDone) -> None:
        if not self.state.finish(message.job):
            return
        status = self.query_one(StatusLine)
        c = message.comparison
        status.stop(
            f"compared in {status.elapsed():.1f} s · similarity {c.similarity:.2f} · {c.verdict}" if c else message.note
        )
        view = self.query_one(ComparisonView)
        view.show(c, message.note)
        self.query_one("#right", VerticalScroll).scroll_to_widget(view, animate=False)

    def action_copy(self) -> None:
        """Copy the brief, only when it was written from the prompt as it is now."""
        if self.state.last_result is None:
            self.notify("no brief to copy yet: ctrl+r writes one", severity="warning")
            return
        if not self.state.brief_is_current(self.text):
            self.notify("the brief is stale (the prompt changed): ctrl+r rewrites it", severity="warning")
            return
        self.copy_to_clipboard(self.state.last_result.output)  # OSC 52: works over SSH in terminals that allow it
        self.notify("copied the brief to the clipboard")

    def action_copy_prompt(self) -> None:
        self.copy_to_clipboard(self.text)
        self.notify("copied the prompt to the clipboard")

    def action_history(self) -> None:
        entries, notice = self.service.recent(self.state.history_path, self.state.history_size)
        if notice:
            self.notify(notice, severity="warning")

        def load(choice: str | None) -> None:
            if choice:
                self.set_text(choice)

        self.push_screen(HistoryScreen(entries), load)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_preview(self) -> None:
        if not self.state.backend:
            self.notify("no render backend: start the TUI with --backend http://HOST:PORT", severity="warning")
            return
        job = self.state.start("preview")
        self.query_one(StatusLine).start("rendering (the editor stays live)")
        self.preview_worker(job, self.text)

    @work(thread=True, exclusive=True, group="preview")
    def preview_worker(self, job: int, text: str) -> None:
        try:
            result = self.service.preview(text, self.state.backend or "", Path("previews"))
            self.post_message(PreviewDone(job, result.png, f"preview: {result.png}"))
        except Exception as exc:
            self.post_message(PreviewDone(job, None, f"preview failed: {exc}"))

    def on_preview_done(self, message: PreviewDone) -> None:
        if not self.state.finish(message.job):
            return
        self.query_one(StatusLine).stop(message.note)
        self.query_one(PreviewGrid).show(message.path)


def run(prompt: str = "", **options: Any) -> None:
    """Start the TUI (what `promptsmith tui` calls)."""
    PromptsmithApp(prompt, **options).run()
