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


#: Entries kept by default; older ones are pruned (config key `history-size`).
MAX_ENTRIES = 5_000


class History:
    """Append and list rewrites; safe to use from worker threads.

    A history file that cannot be read (corrupt, truncated, a directory in its place) is moved
    aside as `history.sqlite.broken-<time>` and a fresh one started; `notice` says so. One that
    another process holds locked is left alone, and this session keeps its history in memory.
    The file is created readable by its owner only (0600), and pruned to `max_entries`.
    """

    def __init__(self, path: Path | None = None, max_entries: int = MAX_ENTRIES) -> None:
        self.path = path or default_path()
        self.max_entries = max(1, max_entries)
        self.notice = ""
        self._lock = threading.Lock()
        self._adds = 0
        try:
            self._db = self._open(self.path)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            self.notice = f"the history at {self.path} is locked by another program; this session's is not kept"
            self._db = self._schema(sqlite3.connect(":memory:", check_same_thread=False))

    def _open(self, path: Path) -> sqlite3.Connection:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return self._connect(path)
        except (sqlite3.DatabaseError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
            if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
                raise
            aside = path.with_name(f"{path.name}.broken-{int(time.time())}")
            try:
                os.replace(path, aside)
            except OSError as move:
                self.notice = f"the history at {path} cannot be read ({exc}) nor moved aside ({move.strerror})"
                return self._schema(sqlite3.connect(":memory:", check_same_thread=False))
            self.notice = f"the history at {path} could not be read ({exc}); it was moved to {aside.name}"
            return self._connect(path)

    def _connect(self, path: Path) -> sqlite3.Connection:
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # owner only: prompts are private
        db = sqlite3.connect(str(path), check_same_thread=False, timeout=1.0)
        try:
            self._schema(db)
            db.execute("SELECT id, at, input, output, engine FROM history ORDER BY id DESC LIMIT 1").fetchall()
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
    def _schema(db: sqlite3.Connection) -> sqlite3.Connection:
        db.execute("CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY, at REAL, input TEXT, "
                   "output TEXT, engine TEXT)")
        return db

    def add(self, input: str, output: str, engine: str) -> None:
        with self._lock:
            try:
                cur = self._db.execute("INSERT INTO history (at, input, output, engine) VALUES (?, ?, ?, ?)",
                                       (time.time(), input, output, engine))
                self._adds += 1
                if cur.lastrowid and (self._adds == 1 or self._adds % 100 == 0):
                    self._db.execute("DELETE FROM history WHERE id <= ?", (cur.lastrowid - self.max_entries,))
                self._db.commit()
            except sqlite3.DatabaseError as exc:  # locked for long, or the disk is full: not worth a crash
                self.notice = f"the history could not be saved: {exc}"

    def recent(self, limit: int = 200) -> list[Entry]:
        with self._lock:
            try:
                rows = self._db.execute("SELECT id, at, input, output, engine FROM history ORDER BY id DESC LIMIT ?",
                                        (limit,)).fetchall()
            except sqlite3.DatabaseError as exc:
                self.notice = f"the history could not be read: {exc}"
                return []
        return [Entry(*row) for row in rows]

    def close(self) -> None:
        self._db.close()
