"""The TUI's state in one model: the version, engine and target chosen, the findings and the one
selected, the last brief, the work running, and where the history and the render server are.

The app changes it in its handlers and draws the widgets from it; each widget keeps only what it
shows (the editor its text, the status line its clock). No textual import here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptsmith.tui.service import EngineChoice


@dataclass
class TuiState:
    """What the TUI knows besides the prompt text (which the editor holds)."""

    #: The version chosen in the --v select: what a prompt without its own --v is read for.
    version: str
    #: What ctrl+e cycles through, and the engine chosen.
    engines: tuple[EngineChoice, ...]
    engine: EngineChoice
    #: What a rewrite is for (promptsmith.registries.TARGETS): `mj` is Midjourney at `version`.
    target: str = "mj"
    #: The version the prompt is read for: its own --v/--niji, else `version` (as lint reads it).
    read_version: str = ""
    #: The prompt's findings, and the rows the list shows them in (a rule found often is one row).
    diagnostics: list[Any] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    #: The row selected (ctrl+n moves it, ctrl+f fixes it).
    selected: int = 0
    #: The last rewrite (a RewriteResult) and the note shown with it (its jobs, or why it fell back).
    last_result: Any = None
    brief_note: str = ""
    #: Whether the brief on screen is marked stale (None until it is first drawn).
    shown_stale: bool | None = None
    #: The model's text so far, while it writes.
    streamed: str = ""
    #: The running (or last) rewrite, comparison or preview; a result of an older job is dropped.
    job: int = 0
    working_on: str | None = None
    #: Where the rewrites are remembered (None: the default file), and how many are kept.
    history_path: Path | None = None
    history_size: int = 5_000
    #: The render server for previews (`--backend URL`), if any.
    backend: str | None = None

    def __post_init__(self) -> None:
        self.read_version = self.read_version or self.version

    def found(self, diagnostics: list[Any], rows: list[list[Any]], read_version: str) -> None:
        """The findings of a new lint; the selection stays on its row, or the last one."""
        self.diagnostics = diagnostics
        self.read_version = read_version
        self.rows = rows
        self.selected = min(self.selected, max(0, len(rows) - 1))

    def next_finding(self) -> None:
        """Select the next row, round to the first."""
        self.selected = (self.selected + 1) % len(self.rows)

    def next_engine(self) -> EngineChoice:
        """Choose the next engine, round to the first."""
        self.engine = self.engines[(self.engines.index(self.engine) + 1) % len(self.engines)]
        return self.engine

    def next_target(self, names: Sequence[str]) -> str:
        """Choose the next of the target `names` (the first when the current one is not among them)."""
        self.target = names[(names.index(self.target) + 1) % len(names)] if self.target in names else names[0]
        return self.target

    def start(self, what: str) -> int:
        """A new job (`rewrite`, `compare` or `preview`) is running: its number (older ones' results
        are dropped from now on)."""
        self.job += 1
        self.working_on = what
        return self.job

    def cancel(self) -> str | None:
        """Stop waiting for the running job: what it was, or None when nothing was running."""
        if self.working_on is None:
            return None
        what, self.working_on = self.working_on, None
        self.job += 1
        return what

    def finish(self, job: int) -> bool:
        """Whether `job`'s result is the one waited for; if so, nothing is running any more."""
        if job != self.job:
            return False
        self.working_on = None
        return True

    def rewritten(self, result: Any) -> None:
        """Keep a new brief, with its note: why it fell back, else the LLM jobs that ran."""
        self.last_result = result
        self.brief_note = f"fell back: {result.fallback}" if result.fallback else (
            ", ".join(result.jobs) if result.jobs else "") + (
            f"; repaired the draft: {'; '.join(result.repairs)}" if result.repairs else "")

    def brief_is_current(self, text: str) -> bool:
        """Whether the brief was written from `text` (the prompt as it is now)."""
        return self.last_result is not None and self.last_result.input == text
