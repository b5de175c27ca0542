"""Records: reading prompts from files and stdin, writing each one's JSON record, the per-record job.

The CLI and the Ray stages (`promptsmith.scale`) share this module, so a batch run reads and
writes every line exactly as the single-process CLI does. What is purely terminal (click,
progress bars, colour) stays in `promptsmith.cli`.

Input is one prompt per line, or JSON lines with a "prompt" field. The input format is never
guessed from content (a prompt may start with `{`): it comes from the flag, else from the file's
`.jsonl` extension, else it is text.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from promptsmith.core.model import Diagnostic
from promptsmith.core.parse import MAX_PROMPT_CHARS
from promptsmith.errors import PromptsmithError

#: The longest line read (bytes): room for the longest prompt promptsmith reads (MAX_PROMPT_CHARS,
#: up to 4 bytes each in UTF-8) and a JSON record's other fields. A longer line is never held: it
#: is skipped in chunks and answered with an error (PS013), so a file of 20 GB without a newline
#: costs a chunk of memory, not 20 GB.
MAX_LINE_BYTES = 4 * MAX_PROMPT_CHARS + 64 * 1024
_CHUNK = 64 * 1024
#: The name an inline prompt (`promptsmith lint "a cat, 8k"`) is reported under.
INLINE = "<prompt>"


@dataclass
class Record:
    """One input line: where it came from, the prompt, the other JSON fields, or why it is bad."""

    file: str
    line: int
    prompt: str
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    #: The line as read and decoded (without its line ending), so nothing is lost when a record is bad.
    raw: str = ""
    #: The line's bytes exactly as read, line ending and any byte-order mark included (for --fix).
    data: bytes = b""
    #: The line ending it had: "\n", "\r\n" or "" (the last line of a file without one).
    ending: str = ""
    #: Whether the line could not be decoded as UTF-8 (a file with one is never rewritten).
    undecodable: bool = False
    #: Whether the line was over MAX_LINE_BYTES and skipped unread (a file with one is never rewritten).
    too_long: bool = False
    #: Findings suppressed on this line: None (none), () (every rule), or rule selectors
    #: (codes, prefixes, names) from a trailing noqa comment or a JSON `"noqa"` field.
    noqa: tuple[str, ...] | None = None
    #: A text line's noqa comment as written (with the space before it), kept by --fix.
    noqa_comment: str = ""


#: A text line's suppression comment at its end, `#` then `noqa` (every rule), or `noqa:` with
#: selectors (`PS201, PS2`).
#: The `#` needs a space or the line start before it, so a hashtag inside a word is text.
NOQA = re.compile(r"(?:^|\s+)#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_-]+(?:[\s,]+[A-Za-z0-9_-]+)*))?\s*$", re.IGNORECASE)


def split_noqa(line: str) -> tuple[str, tuple[str, ...] | None, str]:
    """(the prompt, its suppressions, the comment as written) for a text line."""
    m = NOQA.search(line)
    if m is None:
        return line, None, ""
    codes = tuple(c for c in re.split(r"[\s,]+", m.group("codes") or "") if c)
    return line[: m.start()], codes, line[m.start():]


def json_noqa(value: Any) -> tuple[tuple[str, ...] | None, str | None]:
    """A JSONL record's `"noqa"` field: true (every rule), a comma string or a list of selectors;
    (suppressions, None) or (None, why the value is not one)."""
    if value is True:
        return (), None
    if value is False or value is None:
        return None, None
    if isinstance(value, str):
        return tuple(c for c in re.split(r"[\s,]+", value) if c), None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip()), None
    return None, '"noqa" must be true, a string of rule codes, or a list of them'


def input_format_for(path: str, flag: str | None) -> str:
    """`text` or `jsonl`: the flag wins, then a `.jsonl` extension."""
    if flag:
        return flag
    return "jsonl" if path.lower().endswith((".jsonl", ".ndjson")) else "text"


def _open(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise PromptsmithError(f"cannot read {path}: {exc.strerror or exc}") from exc


def read_records(path: str, fmt: str) -> Iterator[Record]:
    """Every line of `path` (`-` for stdin) as a Record, in order, blank lines included.

    Lines end at "\n" only (a lone "\r" is text, as in a JSON string); a "\r\n" ending and a
    UTF-8 byte-order mark on the first line are not part of the prompt. A line that is not UTF-8,
    gets a record with an `error` and the rest go on. (A prompt too long to read is the parser's
    to report: PS013.)
    """
    fh = _open(path)
    try:
        yield from records_from_lines(bounded_lines(fh), path, fmt)
    finally:
        if path != "-":
            fh.close()


class Overlong(NamedTuple):
    """A line over MAX_LINE_BYTES, skipped unread: its size and its ending."""

    size: int
    ending: bytes


def bounded_lines(fh: BinaryIO) -> Iterator[bytes | Overlong]:
    """The lines of `fh`, each with its ending, in memory bounded by MAX_LINE_BYTES: a longer
    line is read past in chunks and comes as an `Overlong`."""
    while True:
        data = fh.readline(MAX_LINE_BYTES + 1)
        if not data:
            return
        if len(data) <= MAX_LINE_BYTES or data.endswith(b"\n"):
            yield data
            continue
        size = len(data)
        while not data.endswith(b"\n"):
            data = fh.readline(_CHUNK)
            if not data:
                break
            size += len(data)
        ending = b"\n" if data.endswith(b"\n") else b""
        yield Overlong(size - len(ending), ending)


def records_from_lines(lines: Iterable[bytes | Overlong], path: str, fmt: str) -> Iterator[Record]:
    """`read_records` over lines already read as bytes, each with its ending (the Ray reader
    feeds a file's lines here, so a batch run reads every line as the CLI does)."""
    for number, data in enumerate(lines, start=1):
        if isinstance(data, Overlong):
            yield Record(path, number, "", too_long=True, ending=data.ending.decode("ascii"), error=(
                f"this line is {data.size:,} bytes long; promptsmith reads at most {MAX_LINE_BYTES:,} bytes of a "
                f"line ({MAX_PROMPT_CHARS:,} characters of prompt, PS013) and leaves a longer one unread"))
            continue
        body = data[:-1] if data.endswith(b"\n") else data
        ending = "\n" if data.endswith(b"\n") else ""
        if body.endswith(b"\r") and ending:
            body, ending = body[:-1], "\r\n"
        if number == 1 and body.startswith(b"\xef\xbb\xbf"):
            body = body[3:]
        try:
            line = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            rec = Record(path, number, "", error=f"not UTF-8: byte 0x{body[exc.start]:02x} at column {exc.start + 1}",
                         raw=body.decode("utf-8", "replace"), undecodable=True)
        else:
            if fmt == "jsonl":
                rec = _json_record(path, number, line)
            else:
                prompt, noqa, comment = split_noqa(line)
                rec = Record(path, number, prompt, noqa=noqa, noqa_comment=comment)
            rec.raw = line
        rec.data, rec.ending = data, ending
        yield rec


def load_json_line(line: str) -> tuple[Any, str | None]:
    """(the value, None) for a JSON line, or (None, why not): bad JSON, or nesting too deep."""
    try:
        return json.loads(line), None
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} at column {exc.colno}"
    except RecursionError:
        return None, "invalid JSON: nested too deeply"


def _json_record(path: str, number: int, line: str) -> Record:
    if not line.strip():
        return Record(path, number, "")
    obj, error = load_json_line(line)
    if error is not None:
        return Record(path, number, "", error=error)
    if not isinstance(obj, dict):
        return Record(path, number, "", error='expected a JSON object with a "prompt" field')
    prompt = obj.pop("prompt", None)
    if not isinstance(prompt, str):
        return Record(path, number, "", extra=obj, error='missing or non-string "prompt" field')
    noqa, error = json_noqa(obj.get("noqa"))
    return Record(path, number, prompt, extra=obj, noqa=noqa, error=error)


def display_name(path: str) -> str:
    """The name a file's records carry: `-` for stdin, else the path as the platform writes it."""
    return "-" if path == "-" else str(Path(path))


# -- writing ----------------------------------------------------------------------------------------
def diagnostic_dict(d: Diagnostic) -> dict[str, Any]:
    """A diagnostic as the JSON object every format and the API share."""
    return d.model_dump(mode="json")


def dumps(obj: Any, indent: int | None = None) -> str:
    """JSON for output: UTF-8 text as is, except a string with a lone surrogate (`\\ud800` read
    from JSON input), which is written escaped, as it came, rather than failing the write."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj, ensure_ascii=True, indent=indent)
    return text


def record_json(line: int, prompt: str, diags: list[Diagnostic], file: str | None = None,
                error: str | None = None, **extra: Any) -> str:
    """One jsonl record: `{"line", "prompt", "diagnostics", …}`."""
    obj: dict[str, Any] = {"line": line, "prompt": prompt, "diagnostics": [diagnostic_dict(d) for d in diags]}
    if file is not None and file != "-":
        obj["file"] = file
    if error is not None:
        obj["error"] = error
    obj.update(extra)
    return dumps(obj)


# -- the per-record job -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """One input line to rewrite: its number, the prompt, and fields to pass through (or why it is bad)."""

    line: int
    prompt: str
    extra: dict[str, Any]
    error: str | None = None

    @classmethod
    def of(cls, rec: Record) -> Job:
        """The job of a record as read."""
        return cls(rec.line, rec.prompt, rec.extra, rec.error)
