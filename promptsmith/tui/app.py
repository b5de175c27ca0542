"""The promptsmith TUI: edit a prompt with live lint, rewrite it, tune its parameters, compare,
preview, copy, and browse the history — all from the keyboard.

Every lint, fix, rewrite and compare goes through one adapter (`service`, a `TuiService` by
default; see promptsmith/tui/service.py). Slow work (rewrites with an LLM, embeddings, renders)
runs in exclusive thread workers that post messages back; the UI never blocks, and esc cancels a
running rewrite or comparison.
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
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Checkbox, Header, Input, Label, Select

from promptsmith.tui.actions import ACTIONS, PALETTE_ONLY, bindings
from promptsmith.tui.screens import HelpScreen, HistoryScreen
from promptsmith.registries import default_version
from promptsmith.tui.service import ENGINE_CHOICES, EngineChoice, TuiService, choice_for
from promptsmith.tui.widgets import (
    ComparisonView,
    DiagnosticsView,
    KeyBar,
    ParamsView,
    PasteJoined,
    PromptEditor,
    PromptPreview,
    RewriteView,
    RuleDoc,
    StatusLine,
    TokenStreamed,
    finding_rows,
    plural,
    tui_wording,
)

PARAM_INPUTS = (("stylize", "--s"), ("chaos", "--c"), ("weird", "--weird"), ("aspect", "--ar"), ("seed", "--seed"),
                ("no", "--no"))
PLACEHOLDER = "Type or paste a Midjourney prompt: findings appear as you type, ctrl+r rewrites it."


class RewriteDone(Message):
    def __init__(self, job: int, result: Any, error: str | None = None) -> None:
        super().__init__()
        self.job = job
        self.result = result
        self.error = error


class CompareDone(Message):
    def __init__(self, job: int, comparison: Any, note: str = "") -> None:
        super().__init__()
        self.job = job
        self.comparison = comparison
        self.note = note


class PreviewDone(Message):
    def __init__(self, job: int, path: str | None, note: str) -> None:
        super().__init__()
        self.job = job
        self.path = path
        self.note = note


class _Cancelled(Exception):
    """Raised from the token callback to stop a model that is writing for a cancelled rewrite."""


class PromptsmithApp(App[None]):
    """The whole workflow in one screen."""

    CSS_PATH = "app.tcss"
    TITLE = "promptsmith"
    BINDINGS = bindings()
    #: Classes on the screen by terminal width: the parameter fields take 2 or 3 columns.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    def __init__(self, prompt: str = "", *, version: str | None = None, engine: str = "rules", history_path: Path | None = None,
                 backend: str | None = None, embedder: Any = None, cursor_blink: bool = True,
                 history_size: int = 5_000, service: Any = None, session: Any = None) -> None:
        super().__init__()
        #: Every lint, fix, rewrite and compare call goes through this object.
        self.service = service if service is not None else TuiService(session, embedder=embedder)
        #: What ctrl+e cycles through (the adapter's list).
        self.engines: tuple[EngineChoice, ...] = tuple(getattr(self.service, "engines", ENGINE_CHOICES))
        self.engine = choice_for(engine, self.engines)
        self.cursor_blink = cursor_blink
        self.initial = prompt
        self.version = version or default_version()
        #: What ctrl+p → "Switch the rewrite target" cycles through (promptsmith.registries.TARGETS):
        #: `mj` is Midjourney at the --v select's version.
        self.target = str(getattr(self.service, "target", None) or "mj")
        self.read_version = self.version  # the prompt's own --v, once it is read (relint)
        self.history_path = history_path
        self.history_size = history_size
        self.backend = backend
        self.diagnostics: list[Any] = []
        self.rows: list[list[Any]] = []
        self.selected = 0
        self.last_result: Any = None
        self._brief_note = ""
        self._shown_stale: bool | None = None
        self._syncing = False
        self._streamed = ""
        self._job = 0  # the running (or last) rewrite/compare; a result of an older one is dropped
        self._working_on: str | None = None

    # -- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield PromptEditor(self.initial, id="editor", soft_wrap=True, show_line_numbers=False,
                                   placeholder=PLACEHOLDER)
                with VerticalScroll(id="findings"):
                    yield PromptPreview(id="preview-line")
                    yield DiagnosticsView(id="diagnostics")
                    yield RuleDoc(id="rule-doc")
            with VerticalScroll(id="right"):
                yield RewriteView("ctrl+r rewrites the prompt into a v6 brief", id="rewrite")
                yield ComparisonView(id="comparison")
                yield ParamsView(id="params")
                with Vertical(id="param-inputs"):
                    for name, label in PARAM_INPUTS:
                        with Horizontal(classes="field"):
                            yield Label(label, classes="field-label")
                            yield Input(id=f"param-{name}", classes="param", compact=True)
                    with Horizontal(classes="field"):
                        yield Checkbox("--raw", id="param-raw", compact=True)
                    with Horizontal(classes="field"):
                        yield Label("--v", classes="field-label")
                        yield Select([(v, v) for v in self._versions()], value=self.version, allow_blank=False,
                                     id="param-version", compact=True)
                yield Vertical(id="preview-grid")
        yield StatusLine(id="status")
        yield KeyBar(self._key_bar_items(), id="keys")

    def _key_bar_items(self) -> list[tuple[str, str, str]]:
        from textual.binding import Binding

        items = [(self.get_key_display(Binding(a.key, a.action)), a.label, a.action) for a in ACTIONS if a.in_key_bar]
        return items + [("^p", "Palette", "command_palette")]

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
        from textual.binding import Binding

        for a in ACTIONS + PALETTE_ONLY:
            key = f"key {self.get_key_display(Binding(a.key, a.action))}" if a.key else "no key"
            yield SystemCommand(a.title, key, getattr(self, f"action_{a.action}"))
        for command in super().get_system_commands(screen):
            if command.title not in ("Quit", "Keys"):  # the table's Quit and Help say the same
                yield command

    # -- the adapter's calls ---------------------------------------------------------------------
    def _versions(self) -> tuple[str, ...]:
        return self.service.versions()

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
        text = self.text
        prompt = self.service.parse(text)
        self.diagnostics = self.service.lint(prompt, self.version) if text.strip() else []
        #: The version the prompt is read for: its own --v/--niji, else the chosen one (as lint reads it).
        self.read_version = self.service.read_version(prompt, self.version)
        self.rows = finding_rows(self.diagnostics)
        self.selected = min(self.selected, max(0, len(self.rows) - 1))
        self.query_one(PromptPreview).show(text, self.diagnostics)
        empty = "no prompt yet" if not text.strip() else "✓ no findings"
        self.query_one(DiagnosticsView).show(self.rows, self.selected, empty)
        self._show_rule_doc()
        self.query_one(ParamsView).show(prompt, self.read_version)
        self._sync_inputs(prompt)
        self._show_brief()

    def _show_rule_doc(self) -> None:
        """The selected finding in full, and why its rule exists."""
        doc = self.query_one(RuleDoc)
        if not self.rows:
            doc.update("")
            return
        from promptsmith.lint.registry import get_rule

        row = self.rows[self.selected]
        d = row[0]
        rule = get_rule(d.code)
        why = " ".join(rule.doc.split("## Why is this bad?")[-1].split("##")[0].split())
        fixes = sum(x.fix is not None for x in row)
        out = Text.assemble((f"{rule.code} {rule.name}", "bold"), f" · {d.severity.value}",
                            f" · {'ctrl+f fixes it' if fixes else 'no fix'}\n", tui_wording(d.message))
        if len(row) > 1:
            out.append(f"\n(and {len(row) - 1} more like it)")
        out.append("\n\nwhy: ", style="bold")
        out.append(tui_wording(why))
        doc.update(out)

    def _sync_inputs(self, prompt: Any) -> None:
        self._syncing = True
        try:
            for name, _label in PARAM_INPUTS:
                p = prompt.param(name)
                box = self.query_one(f"#param-{name}", Input)
                value = p.raw if p is not None else ""
                if box.value != value and not box.has_focus:
                    box.value = value
            style = prompt.param("style")
            raw = prompt.has("raw") or (style is not None and style.value == "raw")
            box = self.query_one("#param-raw", Checkbox)
            if box.value != raw:
                box.value = raw
            # the --v field shows the version lint reads; the prompt's own --v is edited in the prompt
            select = self.query_one("#param-version", Select)
            own = self.read_version != self.version or any(p.name in ("version", "niji") for p in prompt.params)
            select.disabled = own
            shown = self.read_version if own else self.version
            if select.value != shown and shown in self._versions():
                select.value = shown
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
        new = set_param(self.text, name, event.input.value or None)
        if new != self.text:
            self.set_text(new)

    @on(Checkbox.Changed, "#param-raw")
    def _raw_toggled(self, event: Checkbox.Changed) -> None:
        if self._syncing:
            return
        from promptsmith.core.edit import set_param

        text = set_param(self.text, "style", None) if not event.value else self.text
        self.set_text(set_param(text, "raw", event.value or None))

    @on(Select.Changed, "#param-version")
    def _version_changed(self, event: Select.Changed) -> None:
        if event.select.disabled or str(event.value) == self.read_version:
            return  # the field showing the prompt's own --v, or an echo of syncing it
        self.version = str(event.value)
        self._show_engine()
        self.relint()

    # -- findings and fixes ----------------------------------------------------------------------
    def action_next_diagnostic(self) -> None:
        if self.rows:
            self.selected = (self.selected + 1) % len(self.rows)
            view = self.query_one(DiagnosticsView)
            view.show(self.rows, self.selected)
            self._show_rule_doc()
            # one line per row before the selected one, which takes `selected_lines`
            line = view.virtual_region.y + view.styles.padding.top + self.selected
            self.query_one("#findings", VerticalScroll).scroll_to_region(
                Region(0, line, 1, view.selected_lines), animate=False, immediate=True)

    def action_apply_fix(self) -> None:
        """Apply the selected finding's fix (safe or unsafe: the user chose it)."""
        from promptsmith.core.fix import apply_edits, close_gaps

        if not self.rows:
            self.notify("nothing to fix here")
            return
        row = self.rows[self.selected]
        chosen = next((d for d in row if d.fix is not None), None)
        if chosen is None:  # the fix key acts on the selected finding only
            self.notify(f"{row[0].code} has no fix")
            return
        self.set_text(close_gaps(apply_edits(self.text, chosen.fix.edits)))  # type: ignore[union-attr]
        self.notify(f"applied {chosen.code} {chosen.name}")

    def action_fix_all(self) -> None:
        result = self.service.fix(self.text, self.version)
        unsafe = sum(d.fix_mark == "[unsafe fix]" for row in self.rows for d in row)
        left = f"; {plural(unsafe, 'unsafe fix', 'unsafe fixes')} left (ctrl+f applies the selected one)" if unsafe else ""
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
        target = "" if self.target == "mj" else f" · for {self.target}"
        self.sub_title = f"engine: {self.engine.label} (ctrl+e) · target {self.version}{target}"

    def action_cycle_target(self) -> None:
        from promptsmith.registries import TARGETS

        names = TARGETS.names
        self.target = names[(names.index(self.target) + 1) % len(names)] if self.target in names else names[0]
        self._show_engine()
        self.notify(f"rewrite target: {self.target}" + (" (Midjourney at the --v select's version)"
                                                          if self.target == "mj" else ""))

    def action_cycle_engine(self) -> None:
        self.engine = self.engines[(self.engines.index(self.engine) + 1) % len(self.engines)]
        self._show_engine()
        self.notify(f"engine: {self.engine.label}")

    def action_rewrite(self) -> None:
        self._job += 1
        self._working_on = "rewrite"
        self._streamed = ""
        self.query_one("#right", VerticalScroll).scroll_home(animate=False)  # where the brief appears
        self.query_one(StatusLine).start(f"rewriting with {self.engine.label}")
        target = self.version if self.version in self._versions() else default_version()
        self.rewrite_worker(self._job, self.text, self.engine, target, self.target)

    @work(thread=True, exclusive=True, group="rewrite")
    def rewrite_worker(self, job: int, text: str, engine: EngineChoice, version: str, goal: str = "mj") -> None:
        def on_token(piece: str) -> None:
            if job != self._job:  # cancelled: stop the model mid-sentence
                raise _Cancelled
            self.post_message(TokenStreamed(job, piece))

        try:
            # the target only when one is chosen: an adapter without targets still works
            extra = {} if goal == "mj" else {"target": goal}
            result = self.service.rewrite(text, engine, version, on_token=on_token, **extra)
        except _Cancelled:
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app goes on
            self.post_message(RewriteDone(job, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(RewriteDone(job, result))

    def on_token_streamed(self, message: TokenStreamed) -> None:
        if message.job != self._job:
            return
        self._streamed += message.text
        self.query_one(RewriteView).stream(self._streamed, self.engine.label)
        self.query_one(StatusLine).note(f"{plural(len(self._streamed.split()), 'word')} written")

    def on_rewrite_done(self, message: RewriteDone) -> None:
        if message.job != self._job:
            return  # a cancelled or superseded rewrite
        self._working_on = None
        status = self.query_one(StatusLine)
        seconds = status.elapsed()
        if message.error:
            status.stop(Text(f"rewrite failed: {message.error}", style="red"))
            self.notify(message.error, title="rewrite failed", severity="error")  # in full: the line may be cut
            if self.last_result is not None:
                self._show_brief(force=True)
            return
        r = message.result
        self.last_result = r
        self._brief_note = f"fell back: {r.fallback}" if r.fallback else (", ".join(r.jobs) if r.jobs else "")
        self._show_brief(force=True)
        self.query_one("#right", VerticalScroll).scroll_home(animate=False)
        tokens = getattr(r, "tokens", None)
        budget = (f" · {tokens.count}/{tokens.budget} {tokens.encoder} tokens{'' if tokens.exact else ' (bound)'}"
                  + (f", {len(r.cut)} cut" if r.cut else "")) if tokens else ""
        status.stop(f"rewritten in {seconds:.1f} s · {plural(len(r.changes), 'change')} · engine {r.engine}{budget}")
        self.query_one(ComparisonView).show(None)
        self._remember(r)

    @property
    def brief_is_current(self) -> bool:
        """Whether the brief shown was written from the prompt as it is now."""
        return self.last_result is not None and self.last_result.input == self.text

    def _show_brief(self, force: bool = False) -> None:
        """Draw the brief (`force`: a new one) and mark it stale when the prompt changed since."""
        if self.last_result is None or self._working_on == "rewrite":
            return
        view = self.query_one(RewriteView)
        if force:
            view.show(self.last_result, self._brief_note)
        stale = not self.brief_is_current
        if force or stale != self._shown_stale:
            if stale and self._working_on != "compare":
                self.query_one(ComparisonView).show(None)  # a comparison of another prompt is not left on screen
            self._shown_stale = stale
            view.mark_stale(stale)

    def action_cancel(self) -> None:
        """Stop waiting for the running rewrite, comparison or render (a model that is writing
        stops; the others finish in the background and are dropped)."""
        if self._working_on is None:
            return
        what, self._working_on = self._working_on, None
        self._job += 1
        self.workers.cancel_group(self, what)
        self.query_one(StatusLine).stop(f"{what} cancelled")
        if what == "rewrite":
            if self.last_result is not None:
                self._show_brief(force=True)
            else:
                self.query_one(RewriteView).update("ctrl+r rewrites the prompt into a v6 brief")
        elif what == "compare":
            self.query_one(ComparisonView).show(None, "comparison cancelled")

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
        self._job += 1
        self._working_on = "compare"
        self.query_one(ComparisonView).show(None, "comparing…")
        self.query_one(StatusLine).start("comparing the brief with the prompt")
        self.compare_worker(self._job, self.last_result.input, self.last_result.output)

    @work(thread=True, exclusive=True, group="compare")
    def compare_worker(self, job: int, a: str, b: str) -> None:
        try:
            self.post_message(CompareDone(job, self.service.compare(a, b)))
        except Exception as exc:  # noqa: BLE001
            self.post_message(CompareDone(job, None, f"comparison unavailable: {exc}"))

    def on_compare_done(self, message: CompareDone) -> None:
        if message.job != self._job:
            return
        self._working_on = None
        status = self.query_one(StatusLine)
        c = message.comparison
        status.stop(f"compared in {status.elapsed():.1f} s · similarity {c.similarity:.2f} · {c.verdict}" if c
                    else message.note)
        view = self.query_one(ComparisonView)
        view.show(c, message.note)
        self.query_one("#right", VerticalScroll).scroll_to_widget(view, animate=False)

    def action_copy(self) -> None:
        """Copy the brief, only when it was written from the prompt as it is now."""
        if self.last_result is None:
            self.notify("no brief to copy yet: ctrl+r writes one", severity="warning")
            return
        if not self.brief_is_current:
            self.notify("the brief is stale (the prompt changed): ctrl+r rewrites it", severity="warning")
            return
        self.copy_to_clipboard(self.last_result.output)  # OSC 52: works over SSH in terminals that allow it
        self.notify("copied the brief to the clipboard")

    def action_copy_prompt(self) -> None:
        self.copy_to_clipboard(self.text)
        self.notify("copied the prompt to the clipboard")

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
        self._job += 1
        self._working_on = "preview"
        self.query_one(StatusLine).start("rendering (the editor stays live)")
        self.preview_worker(self._job, self.text)

    @work(thread=True, exclusive=True, group="preview")
    def preview_worker(self, job: int, text: str) -> None:
        from promptsmith.services.preview import preview

        try:
            result = preview(text, self.service.renderer(self.backend or ""), out_dir=Path("previews"))
            self.post_message(PreviewDone(job, result.png, f"preview: {result.png}"))
        except Exception as exc:  # noqa: BLE001
            self.post_message(PreviewDone(job, None, f"preview failed: {exc}"))

    def on_preview_done(self, message: PreviewDone) -> None:
        if message.job != self._job:
            return
        self._working_on = None
        self.query_one(StatusLine).stop(message.note)
        holder = self.query_one("#preview-grid", Vertical)
        holder.remove_children()
        if message.path is None:
            return
        try:
            from PIL import Image as PILImage
            from textual_image.widget import Image as ImageWidget  # sixel / kitty / half-cells

            holder.mount(ImageWidget(PILImage.open(message.path), id="grid-image"))
        except ImportError:  # text fallback: the path is in the status line
            from textual.widgets import Static

            holder.mount(Static(f"grid saved to {message.path} (install textual-image to see it here)"))


def run(prompt: str = "", **options: Any) -> None:
    """Start the TUI (what `promptsmith tui` calls)."""
    PromptsmithApp(prompt, **options).run()
