"""`promptsmith lint`: stream records through the linter and print them in the chosen format."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import Any
from pathlib import Path

import click

from promptsmith.cli.output import github_line, sarif, text_block
from promptsmith.records import Record, display_name, dumps, input_format_for, read_records, record_json, records_from_lines
from promptsmith.settings import Settings
from promptsmith.session import Session
from promptsmith.core.fix import fix_text
from promptsmith.core.model import Applicability, Diagnostic
from promptsmith.errors import PromptsmithError
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


#: File names a directory is searched for (recursively): prompt files by extension.
PROMPT_FILES = (".txt", ".prompt", ".prompts", ".jsonl", ".ndjson")
#: The name an inline prompt (`promptsmith lint "a cat, 8k"`) is reported under.
INLINE = "<prompt>"


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given, directories as the prompt files under them (sorted), anything else that
    is not a path as an inline prompt (kept as is: `_records` tells them apart)."""
    out: list[str] = []
    for path in paths:
        if path != "-" and os.path.isdir(path):
            found = sorted(str(p) for p in Path(path).rglob("*")
                           if p.suffix.lower() in PROMPT_FILES and p.is_file() and not p.name.startswith("."))
            out.extend(found)
        else:
            out.append(path)
    return out


def _is_inline(path: str) -> bool:
    """A command-line argument that names no file is a prompt: `lint "portrait, 8k --v 6"`."""
    return path != "-" and not os.path.exists(path) and (any(c.isspace() for c in path) or "," in path
                                                        or "--" in path or not Path(path).suffix)


def _records(paths: list[str], input_format: str | None, unreadable: dict[str, str]) -> Iterator[tuple[str, Record]]:
    """The records of every path in turn; a file that cannot be read (gone, a directory, an I/O
    error half way) is noted in `unreadable` with the reason, and the next one is read."""
    for path in paths:
        if _is_inline(path):
            if not (any(c.isspace() for c in path) or "," in path or "--" in path):
                click.echo(f"{path}: no such file; linting it as a prompt", err=True)  # `lint prompts` (a typo?)
            try:
                data = path.encode("utf-8") + b"\n"
            except UnicodeEncodeError:  # a byte that is not UTF-8 came in argv (as a surrogate escape)
                data = path.encode("utf-8", "surrogateescape") + b"\n"
                yield "text", next(records_from_lines([data], INLINE, "text"))  # an error record, as in a file
                continue
            yield "text", Record(INLINE, 1, path, raw=path, data=data, ending="\n")
            continue
        fmt = input_format_for(path, input_format)
        try:
            for rec in read_records(path, fmt):
                yield fmt, rec
        except PromptsmithError as exc:
            unreadable[path] = str(exc)
        except OSError as exc:
            unreadable[path] = f"cannot read {path}: {exc.strerror or exc}"


def run_lint(paths: list[str], config: Settings, *, fmt: str, fix: bool, unsafe: bool,
             input_format: str | None, colour: bool | None, exit_zero: bool = False, quiet: bool = False,
             statistics: bool = False, diff: bool = False, show_fixes: bool = False,
             config_for: Callable[[str], Settings] | None = None) -> int:
    """Lint every record; returns the exit status (0 clean, 1 findings, 2 bad input).

    `diff` shows the fixes as a unified diff and writes nothing (exit 1 when there is one);
    `statistics` prints a count per rule instead of the findings; `quiet` leaves out the summary;
    `exit_zero` exits 0 on findings (bad input still exits 2)."""
    if diff:
        fix = True
    sessions: dict[tuple[Any, ...], Session] = {}

    def linter_for(c: Settings) -> Linter:
        """One session per distinct setting (files under different project configs differ)."""
        key = (c.target_version, c.selected, c.ignore, c.rule_dirs)
        if key not in sessions:
            sessions[key] = Session(c)
        return sessions[key].linter()

    linter = linter_for(config)
    out = sys.stdout
    err = sys.stderr
    use_colour = out.isatty() if colour is None else colour
    found = fixed_count = fixable = bad_input = 0
    collected: list[tuple[str, int, Diagnostic]] = []
    json_records: list[str] = []
    # --fix on files rewrites them once all their lines are read; stdin is echoed fixed.
    fixed_files = _FixedFiles()
    counts: dict[str, list[Any]] = {}  # code → [count, name, fixable] for --statistics
    fixes_by_file: dict[str, dict[str, int]] = {}  # --show-fixes
    if statistics:
        fmt = "statistics"

    unreadable: dict[str, str] = {}  # a file that could not be read (to its end): why
    for input_fmt, rec in _records(_unique(paths), input_format, unreadable):
        name = display_name(rec.file)
        if not rec.error:
            prompt_text = rec.prompt
            if config_for is not None:
                linter = linter_for(config_for(rec.file))
            check = linter.lint
            if rec.noqa is not None:
                check = _suppressing(linter, rec, name)
            try:
                if fix and prompt_text.strip():
                    result = fix_text(prompt_text, check, unsafe=unsafe)
                    prompt_text, diags = result.text, list(result.remaining)
                else:
                    result, diags = None, check(prompt_text) if prompt_text.strip() else []
            except Exception as exc:  # noqa: BLE001 - a bug on one line must not cost the other files their fixes
                rec.error = f"internal error, please report it: {type(exc).__name__}: {str(exc)[:200]}"
                fixed_files.fail(rec.file, rec.line, "could not be linted")
        if rec.error:
            bad_input += 1
            click.echo(f"{name}:{rec.line}: error: {rec.error}", err=True)
            if fix:
                fixed_files.add(rec, None)
            if fmt == "jsonl":
                out.write(record_json(rec.line, "", [], file=name, error=rec.error, **rec.extra) + "\n")
            continue
        if result is not None:
            fixed_count += len(result.applied)
            for d in result.applied:
                per = fixes_by_file.setdefault(name, {})
                per[d.code] = per.get(d.code, 0) + 1
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
        elif fmt == "statistics":
            for d in diags:
                entry = counts.setdefault(d.code, [0, d.name, False])
                entry[0] += 1
                entry[2] = entry[2] or (d.fix is not None and (d.fix.applicability is Applicability.SAFE or unsafe))
        elif fmt == "text":
            stream = err if (fix and rec.file in ("-", INLINE) and not diff) else out
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

    for path, why in unreadable.items():
        bad_input += 1
        click.echo(f"{display_name(path)}: error: {why}", err=True)
        fixed_files.fail(path, 0, "could not be read to its end")
    changed = False
    if diff:
        changed = fixed_files.diff(out)
    elif fix:
        bad_input += fixed_files.write(echo_stdin=fmt == "text")
    if statistics:
        for code, (n, rule_name, can_fix) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0])):
            out.write(f"{n:5d}\t{code}\t{'[*] ' if can_fix else '    '}{rule_name}\n")
    if show_fixes and fixes_by_file and not diff:
        stream = err if any(p in ("-", INLINE) for p in fixes_by_file) else out
        stream.write(f"Fixed {fixed_count} finding{'s' if fixed_count != 1 else ''}:\n")
        for file_name, per in fixes_by_file.items():
            stream.write(f"- {file_name}:\n")
            for code, n in sorted(per.items()):
                stream.write(f"    {n} × {code}\n")
    if fmt in ("text", "statistics") and not quiet and not diff:
        summary_stream = err if (fix and any(p == "-" or _is_inline(p) for p in paths)) else out
        _summary(summary_stream, found, fixed_count, fixable, fix, unsafe)
    if bad_input:
        return 2
    if exit_zero:
        return 0
    if diff:
        return 1 if changed else 0
    return 1 if found else 0


def _line_for(rec: Record, input_fmt: str, text: str) -> str:
    """The fixed line: the text (with its `# noqa` comment), or the JSON object with its "prompt"
    replaced (keys in their order)."""
    if input_fmt == "jsonl":
        obj = json.loads(rec.raw)
        obj["prompt"] = text
        return dumps(obj)
    return text + rec.noqa_comment


def _suppressing(linter: Linter, rec: Record, name: str) -> Callable[[str], list[Diagnostic]]:
    """The linter without the findings this line's `noqa` suppresses (they are not fixed either,
    as in ruff). A selector that names no rule is warned about and the others still apply."""
    from promptsmith.lint.registry import select_rules
    from promptsmith.errors import UnknownRule

    if not rec.noqa:
        return lambda text: []
    codes: set[str] = set()
    for selector in rec.noqa:
        try:
            codes.update(r.code for r in select_rules([selector]))
        except UnknownRule:
            click.echo(f"{name}:{rec.line}: warning: noqa names no rule: {selector}", err=True)
    return lambda text: [d for d in linter.lint(text) if d.code not in codes]


TOO_LONG_TO_READ = "was too long to read"


class _FixedFiles:
    """What `--fix` writes back: every byte it did not fix stays as it was read (encoding, line
    endings, the final newline, a byte-order mark); a file with a line it could not decode or read
    is left alone; each changed file is written once, through a temporary file and an atomic
    rename, with its mode, owner and group kept, and only if it is still what was read (its inode,
    size, mtime and content, checked just before the rename): an editor's save in the meantime is
    never overwritten. A file with hard links is left alone (a rename would split them). A file
    that fails is reported, and the rest are still written."""

    def __init__(self) -> None:
        #: Per file, each line as read and what replaces it (None: kept as read).
        self.files: dict[str, list[tuple[bytes, bytes | None]]] = {}
        #: Files left alone, and why (the end of "PATH: not fixed: …").
        self.left_alone: dict[str, str] = {}
        #: Per file, (inode, size, mtime) when its first line was read.
        self.stats: dict[str, tuple[int, int, int]] = {}

    def add(self, rec: Record, new_text: str | None) -> None:
        if rec.file not in self.files and rec.file not in ("-", INLINE):
            try:
                st = os.stat(rec.file)
                self.stats[rec.file] = (st.st_ino, st.st_size, st.st_mtime_ns)
            except OSError:
                pass  # gone already: the check before writing says so
        lines = self.files.setdefault(rec.file, [])
        if rec.undecodable or rec.too_long:
            self.fail(rec.file, rec.line, "is not UTF-8" if rec.undecodable else TOO_LONG_TO_READ)
        if new_text is None:
            lines.append((rec.data, None))
            return
        bom = b"\xef\xbb\xbf" if rec.line == 1 and rec.data.startswith(b"\xef\xbb\xbf") else b""
        lines.append((rec.data, bom + new_text.encode("utf-8", "surrogatepass") + rec.ending.encode("ascii")))

    def fail(self, path: str, line: int, why: str) -> None:
        """Leave `path` as it is: line `line` (0: the file) `why`."""
        self.files.setdefault(path, [])
        self.left_alone.setdefault(path, f"line {line} {why}" if line else f"it {why}")

    def _changed(self, path: str) -> bool:
        return any(new is not None for _, new in self.files[path])

    def _fixed(self, path: str) -> bytes:
        return b"".join(old if new is None else new for old, new in self.files[path])

    def diff(self, out: Any) -> bool:
        """Print what --fix would change as a unified diff (nothing is written); whether any."""
        import difflib

        any_change = False
        for path, lines in self.files.items():
            if not self._changed(path) or path in self.left_alone:
                continue
            before = b"".join(old for old, _ in lines).decode("utf-8", "replace").splitlines(keepends=True)
            after = self._fixed(path).decode("utf-8", "replace").splitlines(keepends=True)
            name = display_name(path) if path != INLINE else "prompt"
            for line in difflib.unified_diff(before, after, f"a/{name}", f"b/{name}"):
                out.write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
            any_change = True
        return any_change

    def write(self, echo_stdin: bool) -> int:
        """Write the changed files (and echo stdin); the number of files that could not be written."""
        failed = 0
        for path in self.files:
            if path in ("-", INLINE):
                if path in self.left_alone and TOO_LONG_TO_READ in self.left_alone[path]:
                    if echo_stdin:
                        click.echo(f"-: not echoed fixed: {self.left_alone[path]}, and was not kept", err=True)
                        failed += 1
                elif echo_stdin:
                    sys.stdout.flush()
                    sys.stdout.buffer.write(self._fixed(path))
                    sys.stdout.buffer.flush()
                continue
            if path in self.left_alone:
                click.echo(f"{path}: not fixed: {self.left_alone[path]}, so the file is left as it is", err=True)
                failed += 1
                continue
            if not self._changed(path):
                continue  # nothing fixed: the file is not touched
            try:
                target = Path(os.path.realpath(path))
                if target != Path(path).absolute():
                    click.echo(f"{path}: a symlink; fixed its target {target}", err=True)
                read = b"".join(old for old, _ in self.files[path])
                _write_atomic(target, self._fixed(path), lambda: self._unchanged(path, target, read))
            except _NotFixed as exc:
                click.echo(f"{path}: not fixed: {exc}", err=True)
                failed += 1
            except OSError as exc:
                click.echo(f"{path}: cannot write the fixes: {exc.strerror or exc}", err=True)
                failed += 1
        return failed

    def _unchanged(self, path: str, target: Path, read: bytes) -> None:
        """Raise _NotFixed unless `target` is still the file read, byte for byte."""
        import hashlib

        changed = _NotFixed("it changed on disk while it was being linted (saved by another program?); "
                            "run the fix again")
        try:
            st = target.stat()
            with open(target, "rb") as fh:
                now = fh.read(len(read) + 1)
        except FileNotFoundError:
            raise _NotFixed("it was deleted while it was being linted") from None
        if (st.st_ino, st.st_size, st.st_mtime_ns) != self.stats.get(path) or len(now) != len(read):
            raise changed
        if hashlib.sha256(now).digest() != hashlib.sha256(read).digest():
            raise changed


class _NotFixed(Exception):
    """A file --fix leaves alone, and why."""


def _write_atomic(path: Path, data: bytes, still_as_read: Callable[[], None] = lambda: None) -> None:
    """Replace `path` with `data` in one rename, keeping its mode, owner and group; a failed write
    leaves it whole. `still_as_read` runs just before the rename and raises to stop it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise _NotFixed("it was deleted while it was being linted") from None
    mode = stat.S_IMODE(st.st_mode)
    if not mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        # a rename would replace it anyway (root may write anything): read-only means "leave it"
        raise PermissionError(13, "the file is read-only")
    if st.st_nlink > 1:
        raise _NotFixed(f"it has {st.st_nlink} hard links, which replacing it would split")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            mine = os.fstat(fh.fileno())
            if (mine.st_uid, mine.st_gid) != (st.st_uid, st.st_gid):
                try:
                    os.fchown(fh.fileno(), st.st_uid, st.st_gid)
                except PermissionError:
                    raise _NotFixed(f"it belongs to user {st.st_uid} (group {st.st_gid}), and a fixed copy "
                                    "written by this user could not be given to them") from None
        os.chmod(tmp, mode)  # after fchown, which may clear the set-id bits
        still_as_read()
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
