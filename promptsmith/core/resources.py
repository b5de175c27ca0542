"""Where rule data lives: the `rules/` package shipped in the wheel, plus user rule directories."""

from __future__ import annotations

import importlib.util
import marshal
import os
import sys
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from promptsmith.errors import RuleDataError


@lru_cache(maxsize=1)
def builtin_rules_dir() -> Path:
    """The directory of the built-in rule files (inside the installed package).

    Found through the import system's spec of `promptsmith.rules` rather than through
    `importlib.resources`, whose import (tempfile, shutil, the compression modules) costs ~6 ms
    of every start; the rule files are plain files in a directory in every install we make."""
    try:
        spec = importlib.util.find_spec("promptsmith.rules")
    except (ModuleNotFoundError, ValueError):  # running from a source tree that was never installed
        spec = None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(location)
        if path.is_dir():
            return path
    return Path(__file__).resolve().parents[2] / "rules"


def user_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/promptsmith` (default `~/.cache/promptsmith`)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "promptsmith"


#: Bump when the cache layout changes.
_CACHE_FORMAT = 1


def _cache_path(path: Path) -> Path:
    return user_cache_dir() / "rules" / f"{zlib.crc32(str(path).encode()):08x}-{path.stem}.marshal"


@lru_cache(maxsize=64)
def _load_toml(path: Path) -> dict[str, Any]:
    """A rule file's data, through a marshal copy in the user cache keyed by the file's bytes
    (length and CRC-32) and the Python and marshal versions: parsing the TOML costs ~10 ms of
    every `promptsmith lint` start, loading the copy well under 1 ms. The cache is the user's own
    (`$XDG_CACHE_HOME/promptsmith/rules`, written and read by this user only, like pip's), and best
    effort: any problem with it (a stale, damaged or foreign copy) parses the TOML instead."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise RuleDataError(f"rule file {path} is missing; reinstall promptsmith") from exc
    key = (_CACHE_FORMAT, sys.version_info[:2], marshal.version, len(raw), zlib.crc32(raw))
    try:
        cached: Path | None = _cache_path(path)
    except (KeyError, RuntimeError):  # no home directory to keep a copy in
        cached = None
    if cached is not None:
        try:
            stored_key, data = marshal.loads(cached.read_bytes())
            if tuple(stored_key) == key:
                return data
        except (OSError, EOFError, ValueError, TypeError):
            pass  # no copy yet, a stale or damaged one: parse the TOML
    import tomllib  # deferred: only a changed or new rule file needs the parser

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RuleDataError(f"rule file {path} is not valid TOML: {exc}") from exc
    if cached is not None:
        try:
            blob = marshal.dumps((key, data))
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(blob)
            os.replace(tmp, cached)  # atomic: a concurrent reader sees the old copy or the new one
        except (OSError, ValueError):  # a read-only cache, or a value marshal cannot store (dates)
            pass
    return data


def load_rule_file(relative: str, extra_dirs: tuple[Path, ...] = ()) -> list[dict[str, Any]]:
    """The built-in rule file `relative`, then the same file in each extra directory that has it."""
    found = [_load_toml(builtin_rules_dir() / relative)]
    for directory in extra_dirs:
        candidate = Path(directory) / relative
        if candidate.is_file():
            found.append(_load_toml(candidate))
    return found


def rule_files(pattern: str, extra_dirs: tuple[Path, ...] = ()) -> list[tuple[Path, dict[str, Any]]]:
    """Every rule file matching the glob `pattern`, built-in first, then user directories."""
    out: list[tuple[Path, dict[str, Any]]] = []
    for directory in (builtin_rules_dir(), *extra_dirs):
        for path in sorted(Path(directory).glob(pattern)):
            out.append((path, _load_toml(path)))
    return out


def merged_rule_file(relative: str, extra_dirs: tuple[Path, ...] = (), depth: int = 1) -> dict[str, Any]:
    """The built-in rule file `relative` with each user copy merged over it, later files winning.

    Tables merge key by key down to `depth` levels (1: the top-level tables, as `[negation]` in
    lint.toml; 2: also the tables inside them, as `[rules.<name>]`); below that, and for every
    value that is not a table, a later file's value replaces the earlier one."""
    merged: dict[str, Any] = {}
    for data in load_rule_file(relative, extra_dirs):
        merged = _merge_tables(merged, data, depth)
    return merged


def _merge_tables(base: dict[str, Any], over: dict[str, Any], depth: int) -> dict[str, Any]:
    """`over` merged over a copy of `base`, tables key by key down to `depth` levels."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and depth > 0:
            earlier = out.get(key)
            out[key] = _merge_tables(earlier if isinstance(earlier, dict) else {}, value, depth - 1)
        else:
            out[key] = value
    return out
