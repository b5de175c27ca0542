"""Where rule data lives: the `rules/` package shipped in the wheel, plus user rule directories."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from promptsmith.errors import RuleDataError


@lru_cache(maxsize=1)
def builtin_rules_dir() -> Path:
    """The directory of the built-in rule files (inside the installed package)."""
    try:
        root = resources.files("promptsmith.rules")
        path = Path(str(root))
        if path.is_dir():
            return path
    except ModuleNotFoundError:  # running from a source tree that was never installed
        pass
    return Path(__file__).resolve().parents[2] / "rules"


@lru_cache(maxsize=64)
def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise RuleDataError(f"rule file {path} is missing; reinstall promptsmith") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RuleDataError(f"rule file {path} is not valid TOML: {exc}") from exc


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
