"""`promptsmith lint`: stream records through the linter and print them in the chosen format."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from promptsmith.cli.inputs import Record, display_name, input_format_for, read_records
from promptsmith.cli.output import dumps, github_line, record_json, sarif, text_block
from promptsmith.config import Config
from promptsmith.core.fix import fix_text
from promptsmith.core.model import Applicability, Diagnostic
from promptsmith.lint.engine import Linter


def _unique(paths: list[str]) -> list[str]:
    """The paths in order, each file once (`lint --fix a.txt a.txt` must not fix it twice)."""
    seen: set[str] = set()
    out = []
    for path in paths:
        key = path if path == "-" else os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out


def _records(paths: list[str], input_format: str | None) -> Iterator[tuple[str, Record]]:
    for path in paths:
        fmt = input_format_for(path, input_format)
        for rec in read_records(path, fmt):
            yield fmt, rec


def run_lint(paths: list[str], config: Config, *, fmt: str, fix: bool, unsafe: bool,
             input_format: str | None, colour: bool | None) -> int:
    """Lint every record; returns the exit status (0 clean, 1 findings, 2 bad input)."""
    linter = Linter(version=config.target_version, select=config.select, ignore=config.ignore,
                    rule_dirs=config.rule_dirs)
    out = sys.stdout
    err = sys.stderr
    use_colour = out.isatty() if colour is None else colour
    found = fixed_count = fixable = bad_input = 0
    collected: list[tuple[str, int, Diagnostic]] = []
    json_records: list[str] = []
    # --fix on files rewrites them once all their lines are read; stdin is echoed fixed.
    fixed_files = _FixedFiles()

    for input_fmt, rec in _records(_unique(paths), input_format):
        name = display_name(rec.file)
        if rec.error:
            bad_input += 1
            click.echo(f"{name}:{rec.line}: error: {rec.error}", err=True)
            if fix:
                fixed_files.add(rec, None)
            if fmt == "jsonl":
                out.write(record_json(rec.line, "", [], file=name, error=rec.error, **rec.extra) + "\n")
            continue
        prompt_text = rec.prompt
        if fix and prompt_text.strip():
            result = fix_text(prompt_text, linter.lint, unsafe=unsafe)
            fixed_count += len(result.applied)
            prompt_text = result.text
            diags = list(result.remaining)
        else:
            diags = linter.lint(prompt_text) if prompt_text.strip() else []
        if fix:
            fixed_files.add(rec, _line_for(rec, input_fmt, prompt_text) if prompt_text != rec.prompt else None)
        found += len(diags)
        fixable += sum(1 for d in diags if d.fix is not None and
                       (d.fix.applicability is Applicability.SAFE or unsafe))
        if fmt == "jsonl":  # every input line gets its record, an empty prompt too
            out.write(record_json(rec.line, prompt_text, diags, file=name, **rec.extra) + "\n")
            out.flush()
        elif fmt == "json":
            json_records.append(record_json(rec.line, prompt_text, diags, file=name, **rec.extra))
        elif fmt == "text":
            stream = err if (fix and rec.file == "-") else out
            for d in diags:
                stream.write(text_block(name, rec.line, prompt_text, d, use_colour) + "\n\n")
        elif fmt == "github":
            for d in diags:
                out.write(github_line(name, rec.line, d) + "\n")
        else:
            collected.extend((name, rec.line, d) for d in diags)

    if fmt == "json":
        out.write("[" + ",\n ".join(json_records) + "]\n")
    elif fmt == "sarif":
        from promptsmith.lint.registry import Rule

        rules: list[Rule] = list(linter.rules)
        out.write(sarif(collected, rules) + "\n")

    if fix:
        bad_input += fixed_files.write(echo_stdin=fmt == "text")

    if fmt == "text":
        summary_stream = err if (fix and "-" in paths) else out
        _summary(summary_stream, found, fixed_count, fixable, fix, unsafe)
    if bad_input:
        return 2
    return 1 if found else 0


def _line_for(rec: Record, input_fmt: str, text: str) -> str:
    """The fixed line: the text, or the JSON object with its "prompt" replaced (keys in their order)."""
    if input_fmt == "jsonl":
        obj = json.loads(rec.raw)
        obj["prompt"] = text
        return dumps(obj)
    return text


class _FixedFiles:
    """What `--fix` writes back: every byte it did not fix stays as it was read (encoding, line
    endings, the final newline, a byte-order mark); a file with a line it could not decode is
    left alone; each changed file is written once, through a temporary file and an atomic rename,
    with its mode kept; a file that cannot be written is reported and the rest are still written."""

    def __init__(self) -> None:
        self.files: dict[str, list[bytes]] = {}
        self.changed: set[str] = set()
        self.undecodable: dict[str, int] = {}

    def add(self, rec: Record, new_text: str | None) -> None:
        lines = self.files.setdefault(rec.file, [])
        if rec.undecodable:
            self.undecodable.setdefault(rec.file, rec.line)
        if new_text is None:
            lines.append(rec.data)
            return
        bom = b"\xef\xbb\xbf" if rec.line == 1 and rec.data.startswith(b"\xef\xbb\xbf") else b""
        lines.append(bom + new_text.encode("utf-8", "surrogatepass") + rec.ending.encode("ascii"))
        self.changed.add(rec.file)

    def write(self, echo_stdin: bool) -> int:
        """Write the changed files (and echo stdin); the number of files that could not be written."""
        failed = 0
        for path, lines in self.files.items():
            if path == "-":
                if echo_stdin:
                    sys.stdout.flush()
                    sys.stdout.buffer.write(b"".join(lines))
                    sys.stdout.buffer.flush()
                continue
            if path in self.undecodable:
                click.echo(f"{path}: not fixed: line {self.undecodable[path]} is not UTF-8, so the file is left "
                           "as it is", err=True)
                failed += 1
                continue
            if path not in self.changed:
                continue  # nothing fixed: the file is not touched
            try:
                target = Path(os.path.realpath(path))
                if target != Path(path).absolute():
                    click.echo(f"{path}: a symlink; fixed its target {target}", err=True)
                _write_atomic(target, b"".join(lines))
            except OSError as exc:
                click.echo(f"{path}: cannot write the fixes: {exc.strerror or exc}", err=True)
                failed += 1
        return failed


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename, keeping its mode; a failed write leaves it whole."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        # a rename would replace it anyway (root may write anything): read-only means "leave it"
        raise PermissionError(13, "the file is read-only")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _summary(stream, found: int, fixed: int, fixable: int, fix: bool, unsafe: bool) -> None:
    parts = []
    if fix and fixed:
        parts.append(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.")
    if found:
        line = f"Found {found} finding{'s' if found != 1 else ''}"
        if fixable and not fix:
            line += f" ({fixable} fixable with `--fix`{' --unsafe-fixes' if unsafe else ''})"
        parts.append(line + ".")
    elif not fixed:
        parts.append("All checks passed!")
    stream.write("\n".join(parts) + "\n")
    if sys.stdout is not None:
        stream.flush()
