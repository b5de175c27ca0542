"""The TUI's target switch: ctrl+p → "Switch the rewrite target" cycles Midjourney and the open
pipelines; a rewrite for an open target shows its prompt with the token count against the budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptsmith.backends.fake import HashEmbedder
from promptsmith.tui.app import PromptsmithApp
from promptsmith.tui.widgets import RewriteView, StatusLine

pytestmark = pytest.mark.slow


async def test_target_switch_and_token_count(tmp_path: Path) -> None:
    a = PromptsmithApp("old fisherman portrait, oil painting, rembrandt style, 8k --no blur",
                       history_path=tmp_path / "history.sqlite", embedder=HashEmbedder())
    async with a.run_test() as pilot:
        assert a.state.target == "mj" and "for " not in a.sub_title
        a.action_cycle_target()
        a.action_cycle_target()
        assert a.state.target == "sdxl" and a.sub_title.endswith("· for sdxl")
        await pilot.press("ctrl+r")
        await a.workers.wait_for_complete()
        await pilot.pause()
        shown = str(a.query_one(RewriteView).render())
        assert "sdxl prompt" in shown and "/77 clip tokens" in shown and "negative: blur" in shown
        assert "v6 brief" in shown  # the Midjourney brief stays below
        assert "/77 clip tokens" in str(a.query_one(StatusLine).render())
        assert a.state.last_result.target == "sdxl" and a.state.last_result.tokens.count <= 77
