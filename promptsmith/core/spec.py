"""The Midjourney parameter table per version, read from `rules/midjourney.toml`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from promptsmith.core.resources import load_rule_file
from promptsmith.errors import RuleDataError

TYPES = {"int", "float", "ratio", "flag", "str", "words", "refs", "codes", "version", "niji"}


@dataclass(frozen=True, slots=True)
class Range:
    """Valid values of a parameter for some versions: numeric bounds, an enum or a max ratio."""

    versions: frozenset[str]
    min: float | None = None
    max: float | None = None
    values: tuple[Any, ...] | None = None
    max_ratio: float | None = None

    def describe(self) -> str:
        """Human text for the valid values, e.g. `0–1000` or `one of .25, .5, 1`."""
        if self.values is not None:
            shown = [_num(v) if isinstance(v, (int, float)) else str(v) for v in self.values]
            return "one of " + ", ".join(shown) if shown else "no values"
        if self.max_ratio is not None:
            r = self.max_ratio
            return f"ratios up to {_num(r)}:1 either way"
        return f"{_num(self.min)}–{_num(self.max)}"


def _num(value: float | None) -> str:
    if value is None:
        return "?"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}".replace("0.", ".", 1) if 0 < value < 1 else f"{value:g}"


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter: how it is written, what it takes, where it works."""

    name: str
    type: str
    order: int
    summary: str
    aliases: tuple[str, ...] = ()
    render: str = ""
    default: Any = None
    supported: frozenset[str] | None = None
    unsupported_note: str = ""
    ranges: tuple[Range, ...] = ()
    legacy: bool = False
    migrate: str = ""
    requires: str = ""
    replaced_by: str = ""
    multiple: bool = False
    same_as: str = ""
    src: str = ""

    @property
    def is_flag(self) -> bool:
        return self.type == "flag"

    def range_for(self, version: str) -> Range | None:
        """The range that applies to `version`, if any."""
        for r in self.ranges:
            if version in r.versions:
                return r
        return None

    def supports(self, version: str) -> bool:
        """Whether this parameter works with `version`."""
        return self.supported is None or version in self.supported


@dataclass(frozen=True, slots=True)
class Dispute:
    """A parameter whose support on a version the sources do not settle (`[[disputed]]`)."""

    param: str
    doubt: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Spec:
    """The whole table: parameters by canonical name, aliases, versions and groups."""

    params: dict[str, ParamSpec]
    aliases: dict[str, str]
    versions: tuple[str, ...]
    version_aliases: dict[str, str]
    default_version: str
    niji_default: str
    labels: dict[str, str] = field(default_factory=dict)
    groups: dict[str, frozenset[str]] = field(default_factory=dict)
    #: (parameter, version) → the doubt about it: lint warns (PS410) instead of deciding.
    disputes: dict[tuple[str, str], Dispute] = field(default_factory=dict)
    #: Source key → "title: URL" (`[sources]`), for messages that cite them.
    sources: dict[str, str] = field(default_factory=dict)

    def dispute(self, param: str, version: str) -> Dispute | None:
        """The doubt about `param` on `version`, if the table records one."""
        return self.disputes.get((param, version)) if self.disputes else None

    def lookup(self, written: str) -> ParamSpec | None:
        """The parameter a written name (`ar`, `AR`, `aspect`) stands for."""
        name = self.aliases.get(written.lower())
        return self.params.get(name) if name else None

    def normalize_version(self, raw: str) -> str | None:
        """`5.0` → `5`; None when `raw` names no known version."""
        raw = raw.strip().lower()
        raw = self.version_aliases.get(raw, raw)
        if raw.startswith("niji "):  # the label form: `niji 6`
            raw = raw.replace(" ", "")
        return raw if raw in self.versions else None

    def label(self, version: str) -> str:
        """How to write a version key for people: `6.1`, `niji 6`."""
        return self.labels.get(version, version)

    def in_group(self, version: str, group: str) -> bool:
        """Whether `version` belongs to the named group (`v7`, `modern`, …)."""
        return version in self.groups.get(group, frozenset())

    def order_of(self, name: str) -> int:
        spec = self.params.get(name)
        return spec.order if spec else 10_000


def _expand(items: list[str], groups: dict[str, list[str]], seen: tuple[str, ...] = ()) -> set[str]:
    out: set[str] = set()
    for item in items:
        if item.startswith("@"):
            group = item[1:]
            if group in seen or group not in groups:
                raise RuleDataError(f"midjourney.toml: unknown or circular version group {item!r}")
            out |= _expand(groups[group], groups, (*seen, group))
        else:
            out.add(item)
    return out


def build_spec(tables: list[dict[str, Any]]) -> Spec:
    """Merge the built-in table with user tables (later tables override earlier ones)."""
    merged: dict[str, Any] = {"versions": {}, "groups": {}, "params": {}, "sources": {}}
    disputed: list[dict[str, Any]] = []
    for table in tables:
        merged["sources"].update(table.get("sources", {}))
        disputed.extend(table.get("disputed", ()))
        merged["versions"].update(table.get("versions", {}))
        merged["groups"].update(table.get("groups", {}))
        for name, body in table.get("params", {}).items():
            merged["params"].setdefault(name, {}).update(body)

    versions_tbl = merged["versions"]
    known = tuple(versions_tbl.get("known", ()))
    raw_groups: dict[str, list[str]] = merged["groups"]
    groups = {g: frozenset(_expand(items, raw_groups, (g,))) for g, items in raw_groups.items()}

    params: dict[str, ParamSpec] = {}
    aliases: dict[str, str] = {}
    for name, body in merged["params"].items():
        ptype = body.get("type", "str")
        if ptype not in TYPES:
            raise RuleDataError(f"midjourney.toml: parameter {name!r} has unknown type {ptype!r}")
        ranges = tuple(
            Range(
                versions=frozenset(_expand(r.get("versions", ["@all"]), raw_groups)),
                min=r.get("min"),
                max=r.get("max"),
                values=tuple(r["values"]) if "values" in r else None,
                max_ratio=r.get("max_ratio"),
            )
            for r in body.get("range", ())
        )
        supported = body.get("supported")
        spec = ParamSpec(
            name=name,
            type=ptype,
            order=int(body.get("order", 1000)),
            summary=body.get("summary", ""),
            aliases=tuple(body.get("aliases", ())),
            render=body.get("render", name),
            default=body.get("default"),
            supported=frozenset(_expand(supported, raw_groups)) if supported is not None else None,
            unsupported_note=body.get("unsupported_note", ""),
            ranges=ranges,
            legacy=bool(body.get("legacy", False)),
            migrate=body.get("migrate", ""),
            requires=body.get("requires", ""),
            replaced_by=body.get("replaced_by", ""),
            multiple=bool(body.get("multiple", False)),
            same_as=body.get("same_as", ""),
            src=body.get("src", ""),
        )
        params[name] = spec
    # Canonical names first, then aliases; a current parameter wins an alias over a legacy one
    # (`--w` is --weird today, the deprecated width only in context; the parser decides).
    for spec in params.values():
        aliases[spec.name] = spec.name
    for spec in sorted(params.values(), key=lambda s: (not s.legacy, s.order)):
        for alias in spec.aliases:
            aliases[alias] = spec.name
    for spec in params.values():
        aliases[spec.name] = spec.name

    disputes: dict[tuple[str, str], Dispute] = {}
    for entry in disputed:  # a later table's entry for the same (parameter, version) wins
        names = entry.get("params", ())
        unknown = [n for n in names if n not in params]
        unknown += [k for k in entry.get("sources", ()) if k not in merged["sources"]]
        if unknown or not entry.get("doubt"):
            raise RuleDataError(
                f"midjourney.toml: [[disputed]] {names!r} names unknown keys {unknown!r} or has no doubt"
            )
        for name in names:
            for version in _expand(entry.get("versions", ["@all"]), raw_groups):
                disputes[(name, version)] = Dispute(name, entry["doubt"], tuple(entry.get("sources", ())))

    if "default" not in versions_tbl:
        raise RuleDataError("midjourney.toml: [versions] has no default")
    default = versions_tbl["default"]
    return Spec(
        params=params,
        aliases=aliases,
        versions=known,
        version_aliases=dict(versions_tbl.get("aliases", {})),
        default_version=default,
        niji_default=versions_tbl.get("niji_default", "niji7"),
        labels=dict(versions_tbl.get("label", {})),
        groups=groups,
        disputes=disputes,
        sources=dict(merged["sources"]),
    )


@lru_cache(maxsize=8)
def load_spec(extra_dirs: tuple[Path, ...] = ()) -> Spec:
    """The parameter table, built-in merged with `midjourney.toml` from user rule directories."""
    return build_spec(load_rule_file("midjourney.toml", extra_dirs))
