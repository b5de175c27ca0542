"""Configuration: defaults < user config < project config < environment < command-line flags.

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from promptsmith.errors import ConfigError

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

#: compare's thresholds, measured by `python -m eval.compare_eval` (all-MiniLM-L6-v2): no rules
#: rewrite of the shared set falls below 0.6 against its own original (p1 0.73), and ~all fall
#: below it against another prompt (p90 0.39). A lost word counts as said in other words only at
#: 0.8: synonyms score 0.85–0.94 (huge/enormous, photo/photograph, octane render/rendered in
#: Octane) while substitutions reach 0.73 (red/blue, dusk/sunset, cat/dog 0.66).
SIMILARITY_THRESHOLD = 0.6
TERM_THRESHOLD = 0.8


@dataclass(frozen=True)
class Config:
    """Resolved settings; `sources` says where each non-default value came from."""

    target_version: str | None = None
    #: What a rewrite writes for (promptsmith.rewrite.targets): None is `mj`, Midjourney
    #: at `target_version`.
    target: str | None = None
    select: tuple[str, ...] | None = None
    #: Rules added to `select` (ruff's extend-select): no effect when every rule is selected.
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    rule_dirs: tuple[Path, ...] = ()
    model: str | None = None
    embed_model: str | None = None
    #: The rewrite engine (`promptsmith.registries.ENGINES`; rules by default, on every face).
    engine: str = "rules"
    backend: str | None = None
    family: str | None = None  # None: the loaded pipeline's (or the render server's) family
    similarity_threshold: float = SIMILARITY_THRESHOLD
    term_threshold: float = TERM_THRESHOLD
    embed_cache: bool = False
    #: How the embedding model runs: auto (NumPy for BERT models on a CPU), numpy, or torch.
    embed_runtime: str = "auto"
    #: Rewrites the TUI keeps in its history file (older ones are pruned).
    history_size: int = 5_000
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def selected(self) -> tuple[str, ...] | None:
        """The rule selectors in effect: `select` and `extend-select`, or None for every rule."""
        if self.select is None:
            return None
        return tuple(dict.fromkeys((*self.select, *self.extend_select)))

    def with_overrides(self, **values: Any) -> Config:
        """A copy with the non-None values set (command-line flags)."""
        given = {k: v for k, v in values.items() if v is not None and v != ()}
        if not given:
            return self
        sources = dict(self.sources)
        sources.update({k: "command line" for k in given})
        return replace(self, **given, sources=sources)


#: What an unset setting means, for `--show-settings`: the value used in its place, and where from.
_UNSET = {
    "select": ("every rule", "default"),
    "model": ("the packaged SmolLM2-135M", "default"),
    "embed-model": ("the packaged all-MiniLM-L6-v2", "default"),
    "backend": ("in-process", "default"),
    "family": ("the pipeline's own", "default"),
}


def effective_settings(config: Config) -> list[tuple[str, str, str]]:
    """(key, value in force, where it came from) for each setting: an unset one shows what is
    used in its place (`target-version` is the version table's default)."""
    from dataclasses import fields

    out = []
    for f in fields(config):
        if f.name == "sources":
            continue
        key = f.name.replace("_", "-")
        value = getattr(config, f.name)
        source = config.sources.get(f.name, "default")
        if value is None and f.name == "target_version":
            from promptsmith.core.spec import load_spec  # the table is the one place the default lives

            value, source = load_spec(config.rule_dirs).default_version, "default: rules/midjourney.toml [versions]"
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


def _apply(config: Config, table: Mapping[str, Any], source: str, base: Path | None) -> Config:
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
            from promptsmith.registries import ENGINES

            try:
                value = ENGINES.resolve(value)
            except ConfigError as exc:
                raise ConfigError(f"{source}: {exc}") from None
        if key == "rule-dirs":
            value = tuple((base / v) if base and not Path(v).is_absolute() else Path(v) for v in value)
        elif want is list:
            value = tuple(str(v) for v in value)
        values[attr] = value
    if not values:
        return config
    sources = dict(config.sources)
    sources.update({k: source for k in values})
    return replace(config, **values, sources=sources)


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


def load_config(cwd: Path | None = None, env: Mapping[str, str] = os.environ,
                project: Path | None = None) -> Config:
    """Merge every configuration source except flags (use `Config.with_overrides` for those).

    The project config is `project` when given (`--config FILE`), else the nearest one found
    walking up from `cwd` (the working directory, or the folder of the file being linted)."""
    config = Config()
    user = user_config_path(env)
    if user.is_file():
        config = _apply(config, _read(user), str(user), user.parent)
    found = read_project_config(project) if project is not None else find_project_config((cwd or Path.cwd()).resolve())
    if found:
        path, table = found
        config = _apply(config, table, str(path), path.parent)
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
        config = _apply(config, env_table, "environment", None)
    return config
