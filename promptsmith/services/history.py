"""Rewrite history across sessions: a small SQLite file in the user data directory."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path


def default_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "promptsmith" / "history.sqlite"


@dataclass(frozen=True)
class Entry:
    id: int
    at: float
    input: str
    output: str
    engine: str


class History:
    """Append and list rewrites; safe to use from worker threads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY, at REAL, input TEXT, "
                         "output TEXT, engine TEXT)")
        self._lock = threading.Lock()

    def add(self, input: str, output: str, engine: str) -> None:
        with self._lock:
            self._db.execute("INSERT INTO history (at, input, output, engine) VALUES (?, ?, ?, ?)",
                             (time.time(), input, output, engine))
            self._db.commit()

    def recent(self, limit: int = 200) -> list[Entry]:
        with self._lock:
            rows = self._db.execute("SELECT id, at, input, output, engine FROM history ORDER BY id DESC LIMIT ?",
                                    (limit,)).fetchall()
        return [Entry(*row) for row in rows]

    def close(self) -> None:
        self._db.close()
