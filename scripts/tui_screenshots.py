"""Regenerate the README's TUI screenshots (docs/main-screen.svg, docs/rewrite-view.svg) from the
real app, headless, at 140×40:

    python scripts/tui_screenshots.py
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"
PROMPT = "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, masterpiece, 8k –ar 2:3 --s 5000"


async def main() -> None:
    from promptsmith.tui.app import PromptsmithApp

    app = PromptsmithApp(PROMPT, history_path=Path(tempfile.mkdtemp()) / "history.sqlite", cursor_blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        app.save_screenshot("main-screen.svg", str(DOCS))
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.save_screenshot("rewrite-view.svg", str(DOCS))
    for name in ("main-screen.svg", "rewrite-view.svg"):
        print(f"wrote {DOCS / name}")


if __name__ == "__main__":
    asyncio.run(main())
