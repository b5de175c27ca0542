"""Issue 31 at 80×24 (and 120×40): the findings are readable, the parameter fields stay on screen
after a rewrite, the help shows whole rule codes, and a toast leaves the key bar visible. Each
test reads what the terminal shows (the compositor's output), not the widgets' state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from promptsmith.backends.fake import HashEmbedder
from promptsmith.tui.app import PromptsmithApp
from promptsmith.tui.fields import PARAM_INPUTS
from promptsmith.tui.widgets import KeyBar, tui_wording

pytestmark = pytest.mark.slow
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
PROMPT = ("old fisherman portrait, dramatic lighting, oil painting, rembrandt style, masterpiece, 8k "
          "–ar 2:3 --s 5000")


def app(tmp_path: Path, prompt: str = PROMPT) -> PromptsmithApp:
    return PromptsmithApp(prompt, history_path=tmp_path / "history.sqlite", embedder=HashEmbedder(),
                          cursor_blink=False)


def screen_lines(a: PromptsmithApp) -> list[str]:
    return [line.text for line in a.screen._compositor.render_strips()]


def shown_in(a: PromptsmithApp, selector: str) -> str:
    """The words the terminal shows inside a widget's visible region (less its scrollbar), lines
    joined by spaces."""
    region = a.query_one(selector).scrollable_content_region
    lines = screen_lines(a)[region.y:region.bottom]
    return " ".join(" ".join(line[region.x:region.right].split()) for line in lines)


def on_top(a: PromptsmithApp, widget) -> bool:
    """Whether the terminal shows `widget` (or a child of it) at its top-left cell."""
    region = widget.region
    if not region or region.bottom > a.screen.size.height:
        return False
    try:
        hit, _ = a.screen.get_widget_at(region.x, region.y)
    except Exception:  # nothing there
        return False
    return hit is widget or widget in hit.ancestors


@SIZES
async def test_every_finding_can_be_read_in_full_when_selected(tmp_path: Path, size) -> None:
    a = app(tmp_path)
    async with a.run_test(size=size) as pilot:
        await pilot.pause()
        assert len(a.state.rows) >= 4
        for i, row in enumerate(a.state.rows):
            if i:
                await pilot.press("ctrl+n")
                await pilot.pause()
            assert a.state.selected == i
            shown = shown_in(a, "#findings")
            message = " ".join(tui_wording(row[0].message).split())
            assert message in shown, (row[0].code, shown)


@SIZES
async def test_the_parameter_fields_stay_on_screen_after_a_rewrite(tmp_path: Path, size) -> None:
    a = app(tmp_path)
    async with a.run_test(size=size) as pilot:
        await pilot.pause()
        fields = [a.query_one(f"#param-{name}") for name, _ in PARAM_INPUTS]
        fields += [a.query_one("#param-raw"), a.query_one("#param-version")]
        assert all(on_top(a, f) for f in fields)
        for rewrite in (lambda: pilot.press("ctrl+r"), lambda: a.run_action("rewrite")):
            await rewrite()
            await a.workers.wait_for_complete()
            await pilot.pause()
            assert a.state.last_result is not None and a.focused is a.query_one("#editor")
            hidden = [f.id for f in fields if not on_top(a, f)]
            assert not hidden, hidden


@SIZES
async def test_the_help_shows_whole_rule_codes(tmp_path: Path, size) -> None:
    from promptsmith.linter.registry import all_rules

    a = app(tmp_path)
    async with a.run_test(size=size) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        help_ = a.screen.query_one("#help")
        seen: list[str] = []
        y = 0
        while True:
            seen += screen_lines(a)
            if y >= help_.max_scroll_y:
                break
            y = min(y + max(1, help_.scrollable_content_region.height - 1), help_.max_scroll_y)
            help_.scroll_to(y=y, animate=False, immediate=True)
            await pilot.pause()
        text = "\n".join(seen)
        assert not re.search(r"PS\d{0,2}…", text), [line for line in seen if "…" in line][:5]
        missing = [r.code for r in all_rules() if not re.search(rf"\b{r.code}\b", text)]
        assert not missing, missing


@SIZES
async def test_a_toast_leaves_the_key_bar_visible(tmp_path: Path, size) -> None:
    from textual.widgets._toast import Toast

    a = app(tmp_path)
    async with a.run_test(size=size, notifications=True) as pilot:
        bar = a.query_one(KeyBar)
        before = screen_lines(a)[-bar.size.height:]
        a.notify("a notification long enough to need more than one line of the toast, " * 2, timeout=30)
        await pilot.pause()
        toasts = list(a.screen.query(Toast))
        assert toasts and all(t.region for t in toasts)
        assert not any(t.region.overlaps(bar.region) for t in toasts)
        assert screen_lines(a)[-bar.size.height:] == before
