"""SVG snapshots of the main screens (pytest-textual-snapshot); update with --snapshot-update."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
APP = Path(__file__).parent / "snapshot_app.py"


def test_main_screen(snap_compare) -> None:
    assert snap_compare(str(APP), terminal_size=(140, 40))


def test_rewrite_view(snap_compare) -> None:
    async def rewrite(pilot) -> None:
        await pilot.press("ctrl+r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(str(APP), run_before=rewrite, terminal_size=(140, 40))


def test_help_screen(snap_compare) -> None:
    assert snap_compare(str(APP), press=["f1"], terminal_size=(140, 40))
