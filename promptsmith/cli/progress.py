"""A progress bar on stderr for long runs: count, bar, rate and time left (rich, loaded only when shown)."""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any


def count_lines(path: str) -> int | None:
    """How many records a file holds (its lines), read fast in binary; None for stdin or a pipe."""
    if path == "-" or not os.path.isfile(path):
        return None
    lines, last = 0, b"\n"
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return None
    return lines + (last != b"\n")


class Progress:
    """`with Progress(total, "rewritten") as bar: bar.advance()`; prints nothing when not shown.

    On a terminal it is rich's live bar: done/total, the bar, the percentage, prompts per second
    and the time left (a pulsing bar, the count and the rate when the total is unknown, as for
    stdin). It redraws at most ten times a second, so a fast run does not pay for it.
    """

    def __init__(self, total: int | None, verb: str, *, show: bool) -> None:
        self.total = total
        self.verb = verb
        self.show = show
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if not self.show:
            return self
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            ProgressColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:,.0f}/s" if speed else "–/s", style="progress.data.speed")

        columns: list[Any] = [TextColumn(f"[bold]{self.verb}"), BarColumn(), MofNCompleteColumn()]
        columns += (
            [TaskProgressColumn(), Rate(), TimeRemainingColumn()] if self.total else [Rate(), TimeElapsedColumn()]
        )
        self._bar = RichProgress(*columns, console=Console(stderr=True), refresh_per_second=10, transient=False)
        self._bar.__enter__()
        self._task = self._bar.add_task(self.verb, total=self.total)
        return self

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, exc, tb)
