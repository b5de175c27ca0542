"""What the commands share: the click context settings, the `--workers` type, the settings and
session of a command, and the terminal checks on stdin."""

from __future__ import annotations

import sys


def stdin_is_interactive() -> bool:
    """Whether stdin is a terminal (or missing): then there is nothing piped in to read."""
    return sys.stdin is None or sys.stdin.isatty()
