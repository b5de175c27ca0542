"""The TUI's history file: recovers from a bad file, stays private, stays small."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from promptsmith.services.history import History


def test_a_new_history_is_private_and_keeps_entries(tmp_path: Path) -> None:
    path = tmp_path / "h" / "history.sqlite"
    h = History(path)
    h.add("a cat, 8k", "A cat.", "rules")
    assert [e.output for e in h.recent()] == ["A cat."] and not h.notice
    h.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("damage", ["corrupt", "truncated", "directory"])
def test_a_bad_history_file_is_moved_aside_with_a_notice(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "history.sqlite"
    if damage == "directory":
        path.mkdir()
    else:
        good = History(path)
        for i in range(50):
            good.add(f"prompt {i}", f"Brief {i}.", "rules")
        good.close()
        data = path.read_bytes()
        path.write_bytes(b"not a database at all" * 100 if damage == "corrupt" else data[: len(data) // 3])
    h = History(path)
    h.add("a fox", "A fox.", "rules")
    assert [e.output for e in h.recent()][0] == "A fox."  # noqa: RUF015
    if damage != "truncated" or h.notice:  # a truncated file sqlite can still read is kept
        assert "moved to history.sqlite.broken-" in h.notice
        assert any(p.name.startswith("history.sqlite.broken-") for p in tmp_path.iterdir())
    h.close()


def test_a_locked_history_is_left_alone_and_this_session_keeps_its_own(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    History(path).close()
    holder = sqlite3.connect(str(path))
    holder.execute("BEGIN EXCLUSIVE")
    try:
        h = History(path)
        h.add("a fox", "A fox.", "rules")
        assert "locked" in h.notice and [e.output for e in h.recent()] == ["A fox."]
        h.close()
    finally:
        holder.rollback()
        holder.close()
    assert [p.name for p in tmp_path.iterdir()] == ["history.sqlite"]  # not moved aside


def test_the_history_is_pruned_to_its_size(tmp_path: Path) -> None:
    h = History(tmp_path / "history.sqlite", max_entries=10)
    for i in range(250):
        h.add(f"p{i}", f"B{i}.", "rules")
    count = h._db.execute("SELECT count(*) FROM history").fetchone()[0]
    assert count <= 10 + 100 and h.recent(1)[0].output == "B249."
    h.close()
