"""What a rule sees: the parsed prompt, the version it is read for, the spec and the lexicons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from promptsmith.core.model import Diagnostic, Fix, Param, Prompt, Severity, build, span
from promptsmith.core.lexicon import Lexicon, load_lexicon
from promptsmith.core.spec import Spec

if TYPE_CHECKING:
    from promptsmith.lint.registry import Rule

_TERM = re.compile(r"[^,;\n]+")


@dataclass(frozen=True, slots=True)
class Term:
    """One comma-separated fragment of the text, with its span in the source."""

    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


class Context:
    """Per-prompt state shared by every rule, computed lazily and once."""

    def __init__(self, prompt: Prompt, spec: Spec, default_version: str, rule_dirs: tuple = ()) -> None:
        self.prompt = prompt
        self.rule_dirs = rule_dirs
        self.source = prompt.source
        self.spec = spec
        self.default_version = default_version
        self.rule: Rule | None = None  # set by the engine before each check

    # -- reporting -------------------------------------------------------------------------------
    def diag(self, start: int, end: int, message: str, fix: Fix | None = None,
             severity: Severity | None = None) -> Diagnostic:
        """A diagnostic of the rule being run."""
        r = self.rule
        assert r is not None, "Context.diag called outside a rule"
        return build(
            Diagnostic,
            code=r.code, name=r.name, severity=severity or r.severity, message=message,
            span=span(start, end), fix=fix,
        )

    # -- version ---------------------------------------------------------------------------------
    @cached_property
    def version_param(self) -> Param | None:
        """The `--niji` or `--v` parameter that picks the model (niji wins: it names a model)."""
        return self.prompt.param("niji") or self.prompt.param("version")

    @cached_property
    def version(self) -> str:
        """The model version the prompt is read for: from `--niji`/`--v`, else the configured one."""
        p = self.version_param
        if p is not None and isinstance(p.value, str):
            return p.value
        if self.prompt.has("test") or self.prompt.has("testp"):
            return "testp" if self.prompt.has("testp") else "test"
        return self.default_version

    @property
    def version_label(self) -> str:
        return self.spec.label(self.version)

    def version_in(self, *groups: str) -> bool:
        """Whether the version belongs to any of the named spec groups."""
        return any(self.spec.in_group(self.version, g) for g in groups)

    @cached_property
    def version_number(self) -> float:
        """The version as a number for comparisons (niji N maps to its base model's era)."""
        v = self.version
        if v.startswith("niji"):
            return {"niji4": 4.0, "niji5": 5.0, "niji6": 6.0, "niji7": 7.0}.get(v, 6.0)
        if v in ("test", "testp"):
            return 3.5
        try:
            return float(v)
        except ValueError:
            return 6.1

    # -- text ------------------------------------------------------------------------------------
    @cached_property
    def terms(self) -> list[Term]:
        """Comma-separated fragments of each text segment, trimmed, with source spans."""
        out: list[Term] = []
        src = self.source
        for seg in self.prompt.segments:
            base = seg.span.start
            for m in _TERM.finditer(src, base, seg.span.end):
                raw = m.group()
                stripped = raw.strip().rstrip(".!").strip()
                if not stripped:
                    continue
                s = m.start() + (len(raw) - len(raw.lstrip()))
                out.append(Term(stripped, s, s + len(stripped)))
        return out

    @cached_property
    def lexicon(self) -> Lexicon:
        """The term lexicons (filler, medium, style, …), built-in plus the user's."""
        return load_lexicon(self.rule_dirs)

    @cached_property
    def word_count(self) -> int:
        return len(self.prompt.text.split())
