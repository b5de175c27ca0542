"""How long the TUI spends per keystroke on a 500-character prompt: parse + lint + the highlighted
preview, diagnostics and parameter views (target: under one 60 Hz frame, 16 ms).

    python benchmarks/bench_tui.py

Baseline in the same run: lint alone. Measured inside a headless app (`App.run_test`).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

PROMPT = ("old fisherman portrait, dramatic lighting, oil painting, rembrandt style, masterpiece, 8k, highly detailed, "
          "weathered face, wool cap, harbour at dawn, fog, gulls, warm amber light, teal and orange, close-up, 85mm, "
          "f/1.8, bokeh, melancholic, cinematic, trending on artstation, by greg rutkowski and alphonse mucha, "
          "no text, without watermark, ultra realistic, sharp focus, rope coils on the deck, rain-wet slicker, "
          "lantern glow, distant lighthouse, salt spray, a tired smile --ar 2:3 --s 750 --c 20 --v 6.1")
assert len(PROMPT) >= 500, len(PROMPT)


async def measure() -> None:
    from promptsmith.lint.engine import lint
    from promptsmith.tui.app import PromptsmithApp

    app = PromptsmithApp(PROMPT, history_path=Path(tempfile.mkdtemp()) / "h.sqlite")
    async with app.run_test(size=(160, 45)):
        lint_only, handler = [], []
        for i in range(200):
            text = PROMPT[: len(PROMPT) - i % 20]  # typing and deleting at the end
            t0 = time.perf_counter()
            lint(text)
            lint_only.append(time.perf_counter() - t0)
            editor = app.query_one("#editor")
            editor.text = text  # what a keystroke changes
            t0 = time.perf_counter()
            app.relint()
            handler.append(time.perf_counter() - t0)
    ms = lambda xs: f"p50 {statistics.median(xs) * 1000:.2f} ms, p95 {sorted(xs)[int(0.95 * len(xs))] * 1000:.2f} ms"  # noqa: E731
    print(f"prompt of {len(PROMPT)} characters, 200 keystrokes")
    print(f"lint alone (baseline):          {ms(lint_only)}")
    print(f"TUI keystroke (lint + views):   {ms(handler)}  (frame budget 16 ms)")


if __name__ == "__main__":
    asyncio.run(measure())
