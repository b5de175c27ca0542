"""The real app in a real terminal: tmux runs `promptsmith tui`, send-keys types, capture-pane reads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def _wait_for(session: str, needle: str, timeout: float = 30) -> str:
    end = time.time() + timeout
    screen = ""
    while time.time() < end:
        screen = _tmux("capture-pane", "-p", "-t", session)
        if needle in screen:
            return screen
        time.sleep(0.3)
    raise AssertionError(f"{needle!r} never appeared; screen was:\n{screen}")


def test_tui_in_a_real_terminal(tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed (apt-get install tmux)")
    exe = Path(sys.executable).parent / "promptsmith"
    session = f"ps-{os.getpid()}"
    env = f"XDG_DATA_HOME={tmp_path} HF_HUB_OFFLINE=1 TERM=xterm-256color"
    _tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "45", f"env {env} {exe} tui")
    try:
        _wait_for(session, "promptsmith")
        _tmux("send-keys", "-t", session, "-l", "old fisherman portrait, oil painting, 8k --s 5000")
        screen = _wait_for(session, "PS101")
        assert "PS201" in screen
        _tmux("send-keys", "-t", session, "C-r")
        screen = _wait_for(session, "changes")  # the rewrite view is filled in
        flat = " ".join(" ".join(line.replace("│", " ").split()) for line in screen.splitlines())
        assert "v6 brief" in flat and "filler-quality-token" in flat and "fisherman" in flat
        _tmux("send-keys", "-t", session, "C-q")
        time.sleep(1)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
