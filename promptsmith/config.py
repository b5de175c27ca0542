"""Reading the configuration into `Settings`: defaults < user config < project config < environment
(the command-line flags go on top with `Settings.with_overrides`).

- user config: `$XDG_CONFIG_HOME/promptsmith/config.toml` (default `~/.config/promptsmith/config.toml`)
- project config: the nearest `promptsmith.toml`, or `pyproject.toml` with a `[tool.promptsmith]`
  table, found walking up from the working directory
- environment: `PROMPTSMITH_TARGET_VERSION`, `PROMPTSMITH_SELECT`, `PROMPTSMITH_IGNORE` (comma
  lists), `PROMPTSMITH_RULE_DIRS` (os.pathsep list), `PROMPTSMITH_MODEL`, `PROMPTSMITH_EMBED_MODEL`
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from promptsmith.core.spec import load_spec
from promptsmith.errors import ConfigError
from promptsmith.registries import ENGINES
from promptsmith.settings import Settings

#: Keys a config file may set, with the type each takes.
KEYS: dict[str, type] = {
    "target-version": str,
    "target": str,
    "select": list,
    "extend-select": list,
    "ignore": list,
    "rule-dirs": list,
    "model": str,
    "embed-model": str,
    "engine": str,
    "backend": str,
    "family": str,
    "similarity-threshold": float,
    "term-threshold": float,
    "embed-cache": bool,
    "embed-runtime": str,
    "history-size": int,
}

#: What an unset setting means, for `--show-settings`: the value used in its place, and where from.
_UNSET = {
    "select": ("every rule", "default"),
    "model": ("the packaged SmolLM2-135M", "default"),
    "embed-model": ("the packaged all-MiniLM-L6-v2", "default"),
    "backend": ("in-process", "default"),
    "family": ("the pipeline's own", "default"),
}


def effective_settings(settings: Settings) -> list[tuple[str, str, str]]:
    """(key, value in force, where it came from) for each config key: an unset one shows what is
    used in its place (`target-version` is the version table's default)."""
    out = []
    for f in fields(settings):
        key = f.name.replace("_", "-")
        if key not in KEYS:
            continue  # `sources`, and the rewrite command's own flags (no config file sets them)
        value = getattr(settings, f.name)
        source = settings.sources.get(f.name, "default")
        if value is None and f.name == "target_version":
            # the table is the one place the default lives
            value, source = load_spec(settings.rule_dirs).default_version, "default: rules/midjourney.toml [versions]"
        elif value is None and key in _UNSET:
            value, source = _UNSET[key]
        shown = ", ".join(map(str, value)) if isinstance(value, tuple) else value
        out.append((key, "" if shown is None else str(shown), source))
    return out


def user_config_path(env: Mapping[str, str] = os.environ) -> Path:
    """Where the user's own config file lives."""
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "promptsmith" / "config.toml"


def find_project_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest `promptsmith.toml` or `pyproject.toml` with `[tool.promptsmith]`, upwards."""
    for directory in (start, *start.parents):
        own = directory / "promptsmith.toml"
        if own.is_file():
            return own, _read(own)
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            table = _read(pyproject).get("tool", {}).get("promptsmith")
            if table is not None:
                return pyproject, table
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at {exc.start})") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _apply(settings: Settings, table: Mapping[str, Any], source: str, base: Path | None) -> Settings:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"{source}: unknown key {key!r}; known keys: {', '.join(sorted(KEYS))}")
        want = KEYS[key]
        if want is list and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if want is float and isinstance(value, (int, str)) and not isinstance(value, bool):
            try:
                value = float(value)
            except ValueError:
                raise ConfigError(f"{source}: {key!r} must be a number, not {value!r}") from None
        if want is int and isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                raise ConfigError(f"{source}: {key!r} must be a whole number, not {value!r}") from None
        if want is bool and isinstance(value, str):
            value = value.strip().lower() in ("1", "true", "yes", "on")
        if not isinstance(value, want):
            raise ConfigError(f"{source}: {key!r} must be a {want.__name__}, not {type(value).__name__}")
        attr = key.replace("-", "_")
        if key == "engine":
            try:
                value = ENGINES.resolve(value)  # type: ignore[arg-type]
            except ConfigError as exc:
                raise ConfigError(f"{source}: {exc}") from None
        if key == "rule-dirs":
            value = tuple((base / v) if base and not Path(v).is_absolute() else Path(v) for v in value)
        elif want is list:
            value = tuple(str(v) for v in value)
        values[attr] = value
    if not values:
        return settings
    sources = dict(settings.sources)
    sources.update({k: source for k in values})
    return replace(settings, **values, sources=sources)


def read_project_config(path: Path) -> tuple[Path, dict[str, Any]]:
    """A config file named by the user (`--config FILE`): a `promptsmith.toml`, or a
    `pyproject.toml` with a `[tool.promptsmith]` table."""
    if not path.is_file():
        raise ConfigError(f"--config {path}: no such file")
    table = _read(path)
    if path.name == "pyproject.toml":
        table = table.get("tool", {}).get("promptsmith")
        if table is None:
            raise ConfigError(f"--config {path}: it has no [tool.promptsmith] table")
    return path, table


def load_settings(cwd: Path | None = None, env: Mapping[str, str] = os.environ,
                  project: Path | None = None) -> Settings:
    """Merge every configuration source except flags (use `Settings.with_overrides` for those).

    The project config is `project` when given (`--config FILE`), else the nearest one found
    walking up from `cwd` (the working directory, or the folder of the file being linted)."""
    settings = Settings()
    user = user_config_path(env)
    if user.is_file():
        settings = _apply(settings, _read(user), str(user), user.parent)
    found = read_project_config(project) if project is not None else find_project_config((cwd or Path.cwd()).resolve())
    if found:
        path, table = found
        settings = _apply(settings, table, str(path), path.parent)
    env_table: dict[str, Any] = {}
    for key in KEYS:
        var = "PROMPTSMITH_" + key.upper().replace("-", "_")
        if var in env and env[var].strip():
            raw = env[var]
            if key == "rule-dirs":
                env_table[key] = [p for p in raw.split(os.pathsep) if p]
            else:
                env_table[key] = raw
    if env_table:
        settings = _apply(settings, env_table, "environment", None)
    return settings
