"""Pilot tests of issue 18's TUI behaviour: the key bar, the palette, wording, the brief's state,
the LLM's progress and cancellation, history and paste. The services are real; the LLM is the
scripted fake generator (the real model has its own tests in tests/backends)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual import events

from promptsmith.backends.fake import HashEmbedder, ScriptedGenerator
from promptsmith.tui.actions import ACTIONS
from promptsmith.tui.app import PromptsmithApp
from promptsmith.tui.service import ENGINE_CHOICES, TuiService
from promptsmith.tui.widgets import DiagnosticsView, KeyBar, PromptEditor, RewriteView, StatusLine

pytestmark = pytest.mark.slow

FISHERMAN = "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, 8k"
WRITTEN = "A portrait of an old fisherman, an oil painting in the style of Rembrandt with dramatic lighting."


def app(tmp_path: Path, prompt: str = "", **options) -> PromptsmithApp:
    options.setdefault("embedder", HashEmbedder())
    return PromptsmithApp(prompt, history_path=tmp_path / "history.sqlite", cursor_blink=False, **options)


def plain(widget) -> str:
    return str(widget.render())


def screen_text(a: PromptsmithApp) -> str:
    """What the terminal shows, line by line (the compositor's output, as in a screenshot)."""
    return "\n".join(line.text for line in a.screen._compositor.render_strips())


# -- layout and key bar -----------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(80, 24), (140, 42)])
async def test_every_main_action_is_in_the_key_bar_in_one_order(tmp_path: Path, size) -> None:
    a = app(tmp_path, FISHERMAN)
    async with a.run_test(size=size) as pilot:
        labels = [a.label for a in ACTIONS]
        for focus in ("#editor", "#param-stylize", "#param-raw", "#param-version", "#right"):
            a.query_one(focus).focus()
            await pilot.pause()
            bar = a.query_one(KeyBar)
            shown = " ".join(screen_text(a).splitlines()[-bar.size.height:])
            positions = [shown.index(f" {label}") for label in labels]
            assert positions == sorted(positions), (focus, shown)
        assert bar.size.height == (2 if size[0] == 80 else 1)


@pytest.mark.parametrize("size", [(80, 24), (140, 42)])
async def test_every_control_fits_the_width_and_scrolls_into_view(tmp_path: Path, size) -> None:
    a = app(tmp_path, FISHERMAN)
    async with a.run_test(size=size) as pilot:
        await pilot.press("ctrl+r")
        await a.workers.wait_for_complete()
        controls = ["#editor", *(f"#param-{n}" for n in ("stylize", "chaos", "weird", "aspect", "seed", "no")),
                    "#param-raw", "#param-version"]
        for selector in controls:
            widget = a.query_one(selector)
            widget.focus()
            await pilot.pause()
            region = widget.region
            assert region.width > 0 and region.right <= size[0], selector
            # above the status line (and so the key bar): its row, not a fixed 3, as the key bar is
            # 1 line at 140 columns and the parameter fields sit on the pane's last row
            assert a.screen.find_widget(widget).region.bottom <= a.query_one(StatusLine).region.y, selector


async def test_tab_reaches_every_control(tmp_path: Path) -> None:
    a = app(tmp_path, FISHERMAN)
    async with a.run_test(size=(80, 24)) as pilot:
        seen = []
        for _ in range(20):
            seen.append(a.focused.id if a.focused else None)
            await pilot.press("tab")
        for wanted in ("editor", "param-stylize", "param-weird", "param-no", "param-raw", "param-version"):
            assert wanted in seen


# -- palette and wording ---------------------------------------------------------------------------
async def test_the_palette_lists_every_action_once_on_an_empty_search(tmp_path: Path) -> None:
    from textual.command import CommandList

    a = app(tmp_path, "a cat")
    async with a.run_test(size=(140, 42)) as pilot:
        titles = [c.title for c in a.get_system_commands(a.screen)]
        assert len(titles) == len(set(titles))
        for action in ACTIONS:
            assert titles.count(action.title) == 1
        assert "Quit" not in titles and "Keys" not in titles  # the table's own say the same
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        options = a.screen.query_one(CommandList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        for action in ACTIONS:
            assert sum(action.title in s for s in shown) == 1, (action.title, shown)


async def test_an_empty_start_shows_a_placeholder_not_a_finding(tmp_path: Path) -> None:
    a = app(tmp_path)
    async with a.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert a.state.diagnostics == []
        assert "no prompt yet" in plain(a.query_one(DiagnosticsView))
        assert "PS306" not in screen_text(a) and "Type or paste a Midjourney prompt" in screen_text(a)


async def test_counts_are_singular_and_findings_name_the_key(tmp_path: Path) -> None:
    a = app(tmp_path, "cat, dog, tree, car, house, sun, moon")
    async with a.run_test(size=(140, 42)) as pilot:
        shown = plain(a.query_one(DiagnosticsView)) + plain(a.query_one("#rule-doc"))
        assert "PS204" in shown and "ctrl+r" in shown and "promptsmith rewrite" not in shown
        a.set_text("A red fox in the snow. --s 5000")
        await pilot.press("ctrl+r")
        await a.workers.wait_for_complete()
        await pilot.pause()
        assert "\n1 change\n" in plain(a.query_one(RewriteView))
        assert "· 1 change ·" in plain(a.query_one(StatusLine))


async def test_repeats_of_one_finding_collapse_into_one_line(tmp_path: Path) -> None:
    a = app(tmp_path, ", ".join(["a red cat"] * 40))
    async with a.run_test(size=(140, 42)) as pilot:
        await pilot.pause()
        repeats = [d for d in a.state.diagnostics if d.code == "PS203"]
        assert len(repeats) == 39
        lines = [line for line in plain(a.query_one(DiagnosticsView)).splitlines() if "PS203" in line]
        assert len(lines) == 1 and "×39" in lines[0] and "38 more like it" in lines[0]
        # ctrl+f acts on the selected line
        a.state.selected = next(i for i, row in enumerate(a.state.rows) if row[0].code == "PS203")
        await pilot.press("ctrl+f")  # the collapsed line's fix still applies
        await pilot.pause()
        assert len([d for d in a.state.diagnostics if d.code == "PS203"]) == 38


# -- the brief -------------------------------------------------------------------------------------
async def test_an_edit_marks_the_brief_stale_and_copy_takes_only_a_current_one(tmp_path: Path) -> None:
    a = app(tmp_path, "a cat, 8k")
    async with a.run_test(size=(140, 42)) as pilot:
        await pilot.press("ctrl+y")
        assert a.clipboard == ""  # no brief yet: nothing copied
        await pilot.press("ctrl+r")
        await a.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("ctrl+y")
        assert a.clipboard == "A cat."
        a.copy_to_clipboard("")
        await pilot.press(*" on a mat")
        await pilot.pause()
        view = a.query_one(RewriteView)
        assert view.border_title == "stale · ctrl+r rewrites" and view.has_class("-stale")
        assert "stale · ctrl+r rewrites" in screen_text(a)
        await pilot.press("ctrl+y")
        assert a.clipboard == ""
        await pilot.press("ctrl+r")
        await a.workers.wait_for_complete()
        await pilot.pause()
        assert not view.border_title and not view.has_class("-stale")
        await pilot.press("ctrl+y")
        assert a.clipboard == a.state.last_result.output and "mat" in a.clipboard


async def test_the_change_list_describes_the_ranked_sentence(tmp_path: Path) -> None:
    service = TuiService(generator=ScriptedGenerator(prefer="lit by"))
    a = app(tmp_path, FISHERMAN, service=service, engine="llm rank")
    async with a.run_test(size=(140, 42)) as pilot:
        await pilot.press("ctrl+r")
        await a.workers.wait_for_complete()
        await pilot.pause()
        assert "lit by dramatic lighting" in a.state.last_result.output
        shown = " ".join(plain(a.query_one(RewriteView)).split())
        assert "natural-language-brief:" in shown
        assert (
            shown.split("natural-language-brief:")[1]
            .split("→")[1]
            .strip()
            .startswith(
                "A portrait of an old fisherman, an oil painting in the style of Rembrandt, lit by dramatic lighting."
            )
        )


class GatedGenerator(ScriptedGenerator):
    """The scripted fake, writing two words and then waiting (as a slow model would) until the
    test opens the gate; for watching the progress and cancelling."""

    def __init__(self, writes: list[str]) -> None:
        super().__init__(writes=writes)
        self.gate = threading.Event()
        self.stopped = threading.Event()

    def generate(self, prompt: str, *, on_token=None, **options) -> str:
        text = self.writes.pop(0)
        words = text.split(" ")
        try:
            for i, word in enumerate(words):
                if i == 2:
                    self.gate.wait(10)
                on_token(word + " ")
        except BaseException:
            self.stopped.set()  # the app stopped the model mid-sentence
            raise
        return text

    def locked(self, prompt: str, lock, *, max_tokens: int = 160, on_token=None):
        """The span-locked write: the same gated words, each through the lock."""
        states, out = lock.start(), []
        pieces = [w if i == 0 else " " + w for i, w in enumerate(self.writes.pop(0).split(" "))]
        try:
            for i, piece in enumerate(pieces):
                if i == 2:
                    self.gate.wait(10)
                for part in [piece[:-1], piece[-1]] if piece[-1:] in ",." else [piece]:
                    states = lock.advance(states, part)
                    out.append(part)
                    on_token(part)
        except BaseException:
            self.stopped.set()
            raise
        return "".join(out) if lock.finished(states) else None


async def test_llm_write_streams_shows_progress_and_esc_cancels(tmp_path: Path) -> None:
    gen = GatedGenerator([WRITTEN, WRITTEN])
    a = app(tmp_path, FISHERMAN, service=TuiService(generator=gen), engine="llm write")
    async with a.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause(0.4)
        status = plain(a.query_one(StatusLine))
        assert status[0] in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏" and "llm write" in status and " s · " in status and "esc cancels" in status
        assert "2 words written" in status
        assert "A portrait" in plain(a.query_one(RewriteView))  # the streamed words
        editor = a.query_one(PromptEditor)
        editor.focus()
        await pilot.press("x")  # the UI is live while the model writes
        await pilot.pause()
        assert a.text.endswith("x")
        await pilot.press("backspace")
        await pilot.press("escape")
        await pilot.pause()
        assert "rewrite cancelled" in plain(a.query_one(StatusLine))
        gen.gate.set()
        await a.workers.wait_for_complete()
        await pilot.pause()
        assert gen.stopped.is_set() and a.state.last_result is None
        assert "rewrite cancelled" in plain(a.query_one(StatusLine))
        # and a rewrite after the cancelled one runs to the end
        gen.gate.set()
        await pilot.press("ctrl+r")
        await a.workers.wait_for_complete()
        await pilot.pause()
        assert a.state.last_result is not None, plain(a.query_one(StatusLine))
        assert a.state.last_result.jobs == ["write"]
        assert "rewritten in" in plain(a.query_one(StatusLine))


def test_the_engine_switch_takes_its_choices_from_the_adapter(tmp_path: Path) -> None:
    service = TuiService(engines=ENGINE_CHOICES[:1])
    a = PromptsmithApp("x", history_path=tmp_path / "h.sqlite", service=service, engine="llm")
    assert a.state.engines == ENGINE_CHOICES[:1] and a.state.engine.label == "rules"


# -- history and paste -----------------------------------------------------------------------------
async def test_history_entries_use_the_modals_width(tmp_path: Path) -> None:
    from promptsmith.services.history import History

    long = (
        "a weathered old fisherman mending nets on a wooden pier at dawn, fog over the harbour, "
        "gulls, warm amber light"
    )  # 110 characters
    history = History(tmp_path / "history.sqlite", 100)
    history.add(long, "A brief.", "rules")
    history.close()
    a = app(tmp_path)
    async with a.run_test(size=(140, 42)) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert long in screen_text(a)


async def test_a_multi_line_paste_is_joined_and_says_so(tmp_path: Path) -> None:
    a = app(tmp_path)
    async with a.run_test(size=(80, 24)) as pilot:
        editor = a.query_one(PromptEditor)
        # as the terminal driver does: the app hands a paste to the focused widget
        a.post_message(events.Paste("a lighthouse at dusk\n\nstormy sea, 8k\n--ar 3:2\n"))
        await pilot.pause()
        assert (editor.text, a.text) == ("a lighthouse at dusk stormy sea, 8k --ar 3:2",) * 2
        assert "pasted 3 lines, joined into one prompt" in plain(a.query_one(StatusLine))
        a.post_message(events.Paste("one line"))
        await pilot.pause()
        assert editor.text.endswith("--ar 3:2one line")


# -- one session ------------------------------------------------------------------------------------
async def test_the_tui_lints_and_rewrites_with_the_sessions_settings(tmp_path: Path) -> None:
    """The session the CLI hands over: its ignore and its rule directories reach the TUI's lint
    and rewrite; the engine switch lists the registries' engines."""
    from promptsmith.registries import ENGINES
    from promptsmith.session import Session
    from promptsmith.settings import Settings

    rules = tmp_path / "my-rules" / "rewrite"
    rules.mkdir(parents=True)
    (rules / "v5-to-v6.toml").write_text("[rules.filler-quality-token]\nenabled = false\n")
    session = Session(Settings(ignore=("PS201",), rule_dirs=(tmp_path / "my-rules",)))
    a = app(tmp_path, "a red fox, 8k", session=session)
    async with a.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "PS201" not in [d.code for d in a.state.diagnostics]
        result = a.service.rewrite("a red fox, 8k", a.state.engines[0], a.state.version)
        assert "8k" in result.output  # the rule directory switched filler removal off
    assert {c.engine for c in ENGINE_CHOICES} == set(ENGINES.names)
