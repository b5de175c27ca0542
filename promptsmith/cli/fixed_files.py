"""`lint --fix` on files: the fixed lines of each file, and the safe replacement of the file.

A file is rewritten only when every line of it was read and fixed, and only if it is still,
byte for byte, the file that was read (no other program saved it meanwhile).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import click

from promptsmith.records import INLINE, Record, display_name

TOO_LONG_TO_READ = "was too long to read"


class FixedFiles:
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
                write_atomic(target, self._fixed(path),
                             partial(self._unchanged, path, target, read))
            except NotFixed as exc:
                click.echo(f"{path}: not fixed: {exc}", err=True)
                failed += 1
            except OSError as exc:
                click.echo(f"{path}: cannot write the fixes: {exc.strerror or exc}", err=True)
                failed += 1
        return failed

    def _unchanged(self, path: str, target: Path, read: bytes) -> None:
        """Raise NotFixed unless `target` is still the file read, byte for byte."""
        import hashlib

        changed = NotFixed("it changed on disk while it was being linted (saved by another program?); "
                            "run the fix again")
        try:
            st = target.stat()
            with open(target, "rb") as fh:
                now = fh.read(len(read) + 1)
        except FileNotFoundError:
            raise NotFixed("it was deleted while it was being linted") from None
        if (st.st_ino, st.st_size, st.st_mtime_ns) != self.stats.get(path) or len(now) != len(read):
            raise changed
        if hashlib.sha256(now).digest() != hashlib.sha256(read).digest():
            raise changed


class NotFixed(Exception):
    """A file --fix leaves alone, and why."""


def write_atomic(path: Path, data: bytes, still_as_read: Callable[[], None] = lambda: None) -> None:
    """Replace `path` with `data` in one rename, keeping its mode, owner and group; a failed write
    leaves it whole. `still_as_read` runs just before the rename and raises to stop it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise NotFixed("it was deleted while it was being linted") from None
    mode = stat.S_IMODE(st.st_mode)
    if not mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        # a rename would replace it anyway (root may write anything): read-only means "leave it"
        raise PermissionError(13, "the file is read-only")
    if st.st_nlink > 1:
        raise NotFixed(f"it has {st.st_nlink} hard links, which replacing it would split")
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
                    raise NotFixed(f"it belongs to user {st.st_uid} (group {st.st_gid}), and a fixed copy "
                                    "written by this user could not be given to them") from None
        os.chmod(tmp, mode)  # after fchown, which may clear the set-id bits
        still_as_read()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
