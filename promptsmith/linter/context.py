"""What a rule sees: the parsed prompt, the version it is read for, the spec and the lexicons."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import gcd
from typing import TYPE_CHECKING

from promptsmith.core.lexicon import Lexicon, load_filler_lexicon
from promptsmith.core.model import Diagnostic, Fix, Param, Prompt, Segment, Severity, diagnostic
from promptsmith.core.spec import Spec
from promptsmith.linter.helpers import prose_version, segment_terms, text_segments, typed

if TYPE_CHECKING:
    from promptsmith.linter.registry import Rule



class lazy:  # used like functools.cached_property
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
class SourceFragment:
    """One ledger fragment of a text segment (commas, sentence stops…), trimmed, with its span in
    the source (not a ledger `Term`: no kind, no filler, only where it is)."""

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
    if v.startswith("niji") and v[4:].replace(".", "", 1).isdigit():
        return float(v[4:])  # a niji model added to the table later: its number is its era
    try:
        return float(v)
    except ValueError:
        return 6.1


#: The first model era that reads a prompt as one description: `::` separators and weights do
#: nothing from here on (V7, V8, niji 7 and any later version of the table).
FIRST_WITHOUT_MULTIPROMPT = 7.0


def read_version(prompt: Prompt, spec: Spec, default: str | None = None) -> str:
    """The version a prompt is read for: its `--niji`/`--v`, else `default` (the table's): the
    one definition lint, compare and the TUI share."""
    return Context(prompt, spec, default or spec.default_version).version


def multiprompts_work(version: str) -> bool:
    """Whether `::` multi-prompts and weights work on a version of the table (the linter's PS403
    and the rewriter's folding read this one definition)."""
    return _version_number(version) < FIRST_WITHOUT_MULTIPROMPT


_NUMERIC = frozenset({"int", "float"})


class SpecIndex:
    """What the rules ask of a spec, worked out once per spec (a `Linter` holds one): parameter
    names grouped by type and role, typed defaults, and versions as prose."""

    __slots__ = (
        "_prose",
        "defaults",
        "known",
        "legacy",
        "numeric",
        "ratio",
        "refs",
        "requires",
        "restricted",
        "spec",
        "str",
    )

    def __init__(self, spec: Spec) -> None:
        ps = spec.params.values()
        self.spec = spec
        self.numeric = frozenset(p.name for p in ps if p.type in _NUMERIC)
        self.ratio = frozenset(p.name for p in ps if p.type == "ratio")
        self.str = frozenset(p.name for p in ps if p.type == "str")
        self.refs = frozenset(p.name for p in ps if p.type == "refs")
        # `hd` is legacy outside V8 (see helpers.is_legacy)
        self.legacy = frozenset(p.name for p in ps if p.legacy) | {"hd"}
        self.requires = frozenset(p.name for p in ps if p.requires)
        # name -> the default typed as the parser types values: a float, a reduced (w, h), a str
        self.defaults: dict[str, object] = {}
        for p in ps:
            if p.default is None:
                continue
            if p.type in _NUMERIC:
                self.defaults[p.name] = float(p.default)
            elif p.type == "ratio":
                ratio = typed("ratio", str(p.default))
                if isinstance(ratio, tuple) and all(ratio):
                    g = gcd(*ratio)
                    self.defaults[p.name] = (ratio[0] // g, ratio[1] // g)
            elif p.type == "str":
                self.defaults[p.name] = str(p.default).lower()
        self.restricted = frozenset(p.name for p in ps if p.supported is not None)
        # every current name and alias, for "did you mean" suggestions
        self.known = sorted(n for n, c in spec.aliases.items() if not spec.params[c].legacy)
        self._prose: dict[str, str] = {}

    def version_text(self, version: str) -> str:
        """The version as people write it in prose: `V6.1`, `niji 6`, `test`."""
        text = self._prose.get(version)
        if text is None:
            text = self._prose[version] = prose_version(self.spec.label(version))
        return text


class Context:
    """Per-prompt state shared by every rule, computed lazily and once: the one per-prompt cache.

    `index` is the spec's `SpecIndex`; a `Linter` passes the one it holds (built here otherwise).
    """

    def __init__(self, prompt: Prompt, spec: Spec, default_version: str, rule_dirs: tuple = (),
                 index: SpecIndex | None = None) -> None:
        self.prompt = prompt
        self.rule_dirs = rule_dirs
        self.source = prompt.source
        self.spec = spec
        if index is None or index.spec is not spec:
            index = SpecIndex(spec)
        self.index = index
        self.default_version = default_version
        self.rule: Rule | None = None  # set by the engine before each check
        #: The open target's text encoder (PS206 counts its real tokens); None for Midjourney.
        self.encoder: str | None = None
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
        return self.index.version_text(self.version)

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
    def lower_text(self) -> str:
        """The text (without image prompts and parameters), lower-cased."""
        return self.prompt.text.lower()

    @lazy
    def comma_terms(self) -> list[str]:
        """The lower-cased text split at commas, semicolons and newlines, untrimmed (str.split is
        far faster than a regex, and most rules only test the terms for words)."""
        low = self.lower_text
        if ";" in low or "\n" in low:
            low = low.replace(";", ",").replace("\n", ",")
        return low.split(",")

    @lazy
    def text_segments(self) -> list[Segment]:
        """The text segments before the parameter block (`helpers.text_segments`)."""
        return text_segments(self.prompt)

    @lazy
    def fragments(self) -> list[SourceFragment]:
        """The ledger's fragments of each text segment (`promptsmith.core.fragments.fragments`),
        trimmed, with source spans."""
        src = self.source
        return [SourceFragment(text, s, e) for seg in self.prompt.segments for text, s, e in segment_terms(src, seg)]

    @lazy
    def lexicon(self) -> Lexicon:
        """The filler lexicon (built-in plus the user's): what wording rules look terms up in."""
        return load_filler_lexicon(self.rule_dirs)

    @lazy
    def word_count(self) -> int:
        return len(self.prompt.text.split())
