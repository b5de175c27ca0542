"""How long the TUI spends per keystroke on a 500-character prompt: parse + lint + the highlighted
preview, diagnostics and parameter views (target: under one 60 Hz frame, 16 ms).

    python benchmarks/bench_tui.py

Baseline in the same run: lint alone. Measured inside a headless app (`App.run_test`), without and
with a brief on screen (then each keystroke also checks whether the brief is stale).
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
    from promptsmith.linter.engine import lint
    from promptsmith.tui.app import PromptsmithApp

    app = PromptsmithApp(PROMPT, history_path=Path(tempfile.mkdtemp()) / "h.sqlite")
    async with app.run_test(size=(160, 45)) as pilot:
        editor = app.query_one("#editor")

        def keystrokes() -> tuple[list[float], list[float]]:
            lint_only, handler = [], []
            for i in range(200):
                text = PROMPT[: len(PROMPT) - i % 20]  # typing and deleting at the end
                t0 = time.perf_counter()
                lint(text)
                lint_only.append(time.perf_counter() - t0)
                editor.text = text  # what a keystroke changes
                t0 = time.perf_counter()
                app.relint()
                handler.append(time.perf_counter() - t0)
            return lint_only, handler

        lint_only, handler = keystrokes()
        await pilot.press("ctrl+r")  # a brief on screen: every keystroke also checks whether it is stale
        await app.workers.wait_for_complete()
        await pilot.pause()
        _, with_brief = keystrokes()
    ms = lambda xs: f"p50 {statistics.median(xs) * 1000:.2f} ms, p95 {p95(xs) * 1000:.2f} ms"  # noqa: E731
    print(f"prompt of {len(PROMPT)} characters, 200 keystrokes each")
    print(f"lint alone (baseline):            {ms(lint_only)}")
    print(f"TUI keystroke (lint + views):     {ms(handler)}  ({p95(handler) / p95(lint_only):.1f}× lint; "
          "target p95 ≤ 4 ms, frame budget 16 ms)")
    print(f"TUI keystroke, brief on screen:   {ms(with_brief)}  ({p95(with_brief) / p95(lint_only):.1f}× lint)")


def p95(xs: list[float]) -> float:
    return sorted(xs)[int(0.95 * len(xs))]


if __name__ == "__main__":
    asyncio.run(measure())
