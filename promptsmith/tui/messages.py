"""What the app's workers post back to it (messages up): a piece of a model's text, a finished
rewrite, comparison or preview. Each carries the number of the job that sent it, so the app drops
the result of a job it no longer waits for."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class TokenStreamed(Message):
    """A piece of LLM output arrived (posted from the rewrite worker `job`)."""

    def __init__(self, job: int, text: str) -> None:
        super().__init__()
        self.job = job
        self.text = text


class RewriteDone(Message):
    """A rewrite finished: its result, or the error it failed with."""

    def __init__(self, job: int, result: Any, error: str | None = None) -> None:
        super().__init__()
        self.job = job
        self.result = result
        self.error = error


class CompareDone(Message):
    """A comparison finished: the comparison, or a note saying why there is none."""

    def __init__(self, job: int, comparison: Any, note: str = "") -> None:
        super().__init__()
        self.job = job
        self.comparison = comparison
        self.note = note


class PreviewDone(Message):
    """A preview finished: the grid's path (None when it failed) and what to say about it."""

    def __init__(self, job: int, path: str | None, note: str) -> None:
        super().__init__()
        self.job = job
        self.path = path
        self.note = note
