"""SVG snapshots of the main screens (pytest-textual-snapshot); update with --snapshot-update.
Each at 140×40 and at the 80×24 every control must fit."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
APP = Path(__file__).parent / "snapshot_app.py"
SIZES = pytest.mark.parametrize("size", [(140, 40), (80, 24)], ids=["140x40", "80x24"])


async def _rewrite(pilot) -> None:
    await pilot.press("ctrl+r")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@SIZES
def test_main_screen(snap_compare, size) -> None:
    assert snap_compare(str(APP), terminal_size=size)


@SIZES
def test_rewrite_view(snap_compare, size) -> None:
    assert snap_compare(str(APP), run_before=_rewrite, terminal_size=size)


def test_stale_brief(snap_compare) -> None:
    async def rewrite_then_edit(pilot) -> None:
        await _rewrite(pilot)
        await pilot.press("end", *" at dawn")
        await pilot.pause()

    assert snap_compare(str(APP), run_before=rewrite_then_edit, terminal_size=(140, 40))


def test_empty_start(snap_compare) -> None:
    assert snap_compare(str(Path(__file__).parent / "snapshot_app.py"), terminal_size=(80, 24),
                        run_before=lambda pilot: pilot.app.set_text(""))


def test_help_screen(snap_compare) -> None:
    assert snap_compare(str(APP), press=["f1"], terminal_size=(140, 40))


# -- issue 31 at 80×24 and 120×40: each state the small terminal got wrong ----------------------------
SMALL = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


@SMALL
def test_toast_above_the_key_bar(snap_compare, size) -> None:
    def toast(pilot) -> None:
        pilot.app.notify("applied PS201 filler-quality-token: a toast long enough to take two lines", timeout=60)

    assert snap_compare(str(APP), run_before=toast, terminal_size=size)


@SMALL
def test_help_rules_with_whole_codes(snap_compare, size) -> None:
    async def help_at_the_rules(pilot) -> None:
        await pilot.press("f1")
        await pilot.pause()
        help_ = pilot.app.screen.query_one("#help")
        help_.scroll_to(y=help_.max_scroll_y // 2, animate=False, immediate=True)  # into the rules
        await pilot.pause()

    assert snap_compare(str(APP), run_before=help_at_the_rules, terminal_size=size)


@SMALL
def test_parameter_fields_after_a_rewrite(snap_compare, size) -> None:
    async def rewrite_by_action(pilot) -> None:  # the palette's way in; ctrl+r is test_rewrite_view
        await pilot.app.run_action("rewrite")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(str(APP), run_before=rewrite_by_action, terminal_size=size)


@SMALL
def test_selected_finding_in_full(snap_compare, size) -> None:
    # the third finding, selected with ctrl+n, wraps in full; the others stay one line each
    assert snap_compare(str(APP), press=["ctrl+n", "ctrl+n"], terminal_size=size)
