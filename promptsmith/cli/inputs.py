"""Reading prompts from files and stdin: one prompt per line, or JSON lines with a "prompt" field.

The input format is never guessed from content (a prompt may start with `{`): it comes from the
flag, else from the file's `.jsonl` extension, else it is text.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptsmith.errors import PromptsmithError


@dataclass
class Record:
    """One input line: where it came from, the prompt, the other JSON fields, or why it is bad."""

    file: str
    line: int
    prompt: str
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    #: The line as read (without its newline), so nothing is lost when a record is bad.
    raw: str = ""


def input_format_for(path: str, flag: str | None) -> str:
    """`text` or `jsonl`: the flag wins, then a `.jsonl` extension."""
    if flag:
        return flag
    return "jsonl" if path.lower().endswith((".jsonl", ".ndjson")) else "text"


def _open(path: str) -> io.TextIOBase:
    if path == "-":
        # Read stdin as UTF-8 whatever the locale, and never die on a bad byte.
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
    try:
        return open(path, encoding="utf-8", errors="replace", newline=None)  # noqa: SIM115
    except OSError as exc:
        raise PromptsmithError(f"cannot read {path}: {exc.strerror or exc}") from exc


def read_records(path: str, fmt: str) -> Iterator[Record]:
    """Every line of `path` (`-` for stdin) as a Record, in order, blank lines included."""
    fh = _open(path)
    try:
        for number, raw in enumerate(fh, start=1):
            line = raw.rstrip("\r\n")
            rec = _json_record(path, number, line) if fmt == "jsonl" else Record(path, number, line)
            rec.raw = line
            yield rec
    finally:
        if path != "-":
            fh.close()


def _json_record(path: str, number: int, line: str) -> Record:
    if not line.strip():
        return Record(path, number, "")
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return Record(path, number, "", error=f"invalid JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(obj, dict):
        return Record(path, number, "", error='expected a JSON object with a "prompt" field')
    prompt = obj.pop("prompt", None)
    if not isinstance(prompt, str):
        return Record(path, number, "", extra=obj, error='missing or non-string "prompt" field')
    return Record(path, number, prompt, extra=obj)


def stdin_is_interactive() -> bool:
    return sys.stdin is None or sys.stdin.isatty()


def display_name(path: str) -> str:
    return "-" if path == "-" else str(Path(path))
