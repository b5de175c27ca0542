"""What a rule sees: the parsed prompt, the version it is read for, the spec and the lexicons."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from promptsmith.core.model import Diagnostic, Fix, Param, Prompt, Severity, diagnostic
from promptsmith.core.lexicon import Lexicon, load_filler_lexicon
from promptsmith.core.spec import Spec
from promptsmith.lint.helpers import segment_terms

if TYPE_CHECKING:
    from promptsmith.lint.registry import Rule



class lazy:  # noqa: N801 - used like functools.cached_property
    """A cached property without cached_property's per-access lock (3.11 takes an RLock on the
    first access of every instance, which costs more than most rules)."""

    def __init__(self, func):
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value


@dataclass(frozen=True, slots=True)
class Term:
    """One comma-separated fragment of the text, with its span in the source."""

    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


_NIJI_ERA = {"niji4": 4.0, "niji5": 5.0, "niji6": 6.0, "niji7": 7.0, "test": 3.5, "testp": 3.5}


@lru_cache(maxsize=64)
def _version_number(v: str) -> float:
    era = _NIJI_ERA.get(v)
    if era is not None:
        return era
    try:
        return float(v)
    except ValueError:
        return 6.1


_TEXTS: dict[tuple[int, str], str] = {}


def _version_text(spec: Spec, version: str) -> str:
    key = (id(spec), version)
    text = _TEXTS.get(key)
    if text is None:
        label = spec.label(version)
        text = _TEXTS[key] = "V" + label if label[:1].isdigit() else label
    return text


class Context:
    """Per-prompt state shared by every rule, computed lazily and once."""

    def __init__(self, prompt: Prompt, spec: Spec, default_version: str, rule_dirs: tuple = ()) -> None:
        self.prompt = prompt
        self.rule_dirs = rule_dirs
        self.source = prompt.source
        self.spec = spec
        self.default_version = default_version
        self.rule: Rule | None = None  # set by the engine before each check
        if not prompt.params:
            # the common case, decided here rather than by three lazy lookups per prompt
            self.version = default_version
            self.version_number = _version_number(default_version)

    # -- reporting -------------------------------------------------------------------------------
    def diag(self, start: int, end: int, message: str, fix: Fix | None = None,
             severity: Severity | None = None) -> Diagnostic:
        """A diagnostic of the rule being run."""
        r = self.rule
        assert r is not None, "Context.diag called outside a rule"
        return diagnostic(r.code, r.name, severity or r.severity, message, start, end, fix)

    # -- version ---------------------------------------------------------------------------------
    @lazy
    def version_param(self) -> Param | None:
        """The `--niji` or `--v` parameter that picks the model (niji wins: it names a model)."""
        found = None
        for p in self.prompt.params:
            if p.name == "niji":
                return p
            if p.name == "version" and found is None:
                found = p
        return found

    @lazy
    def version(self) -> str:
        """The model version the prompt is read for: from `--niji`/`--v`, else the configured one."""
        params = self.prompt.params
        if not params:
            return self.default_version
        p = self.version_param
        if p is not None and isinstance(p.value, str):
            return p.value
        names = {q.name for q in params}
        if "testp" in names:
            return "testp"
        if "test" in names:
            return "test"
        return self.default_version

    @lazy
    def version_text(self) -> str:
        """The version as people write it in prose: `V6.1`, `niji 6`, `test`."""
        return _version_text(self.spec, self.version)

    @property
    def version_label(self) -> str:
        return self.spec.label(self.version)

    def version_in(self, *groups: str) -> bool:
        """Whether the version belongs to any of the named spec groups."""
        return any(self.spec.in_group(self.version, g) for g in groups)

    @lazy
    def version_number(self) -> float:
        """The version as a number for comparisons (niji N maps to its base model's era)."""
        return _version_number(self.version)

    # -- text ------------------------------------------------------------------------------------
    @lazy
    def terms(self) -> list[Term]:
        """The ledger's terms of each text segment (`promptsmith.core.terms.fragments`), trimmed,
        with source spans."""
        src = self.source
        return [Term(text, s, e) for seg in self.prompt.segments for text, s, e in segment_terms(src, seg)]

    @lazy
    def lexicon(self) -> Lexicon:
        """The filler lexicon (built-in plus the user's): what wording rules look terms up in."""
        return load_filler_lexicon(self.rule_dirs)

    @lazy
    def word_count(self) -> int:
        return len(self.prompt.text.split())
