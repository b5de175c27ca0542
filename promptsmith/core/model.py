"""The prompt model: what a Midjourney prompt is made of, as frozen pydantic models.

Every part carries a `Span` into the source text, so diagnostics, fixes and editors can point at
the exact characters the user wrote. The parser builds these with `model_construct` (no
validation on the hot path); everything else may build them normally.
"""

from __future__ import annotations

from enum import Enum
from operator import attrgetter
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


_M = TypeVar("_M", bound=BaseModel)


class Span(_Frozen):
    """Half-open character range `[start, end)` into the source text."""

    start: int
    end: int

    def slice(self, text: str) -> str:
        """The characters of `text` this span covers."""
        return text[self.start : self.end]

    def __len__(self) -> int:
        return self.end - self.start


_set = object.__setattr__
# The slot setters of BaseModel, called directly: the cheapest way to fill a model instance
# without validation (about 0.7 µs against 1.1 µs through object.__setattr__).
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
#: `object.__new__` called directly: `Model.__new__` is looked up through pydantic's metaclass,
#: which doubles the cost of an allocation (~0.45 µs against ~0.25 µs).
_new = object.__new__
_DEFAULTS: dict[type, tuple[dict[str, Any], dict[str, Any], dict[tuple[str, ...], set[str]], int, set[str]]] = {}


def build(cls: type[_M], **values: Any) -> _M:
    """Build a model from trusted values without validation.

    The parser and the rules make tens of thousands of these a second; this does what
    `model_construct` does for these plain frozen models (defaults filled in, fields-set
    recorded) at a fraction of its cost. A field with a default factory gets a fresh value from
    it (`model_construct` would look at each factory through `inspect.signature` on every call).
    Frozen models never change their fields-set, so instances built with the same keys share one.
    """
    info = _DEFAULTS.get(cls)
    if info is None:
        fields = cls.__pydantic_fields__
        info = _DEFAULTS[cls] = (
            {name: f.default for name, f in fields.items() if not f.is_required() and f.default_factory is None},
            {name: f.default_factory for name, f in fields.items() if f.default_factory is not None},
            {},
            len(fields),
            set(fields),
        )
    defaults, factories, sets, n_fields, every = info
    obj = _new(cls)
    if len(values) == n_fields:  # the parser passes every field: no defaults to merge
        _set_dict(obj, values)
        _set_fields(obj, every)
    else:
        keys = tuple(values)
        fields_set = sets.get(keys)
        if fields_set is None:
            fields_set = sets[keys] = set(keys)
        made = {name: make() for name, make in factories.items() if name not in values}
        _set_dict(obj, {**defaults, **made, **values})
        _set_fields(obj, fields_set)
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


class _NotPlain(Exception):
    """A value `dump` does not know how to write: the caller asks pydantic instead."""


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:  # exact types: a str or int enum is written as its value, below
        return value
    if isinstance(value, BaseModel):
        return _fields(value.__dict__)
    if kind is list or kind is tuple:
        if all(type(v) is str for v in value):
            return list(value)  # the common case (params, candidates): no call per item
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return _plain(value.value)
    if kind is dict and all(type(k) is str for k in value):
        return _fields(value)
    raise _NotPlain


def _fields(values: dict[str, Any], exclude: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """A model's fields (or a dict's items) written plainly; a plain value is taken as it is,
    without a call."""
    return {k: v if type(v) in _PLAIN else _plain(v) for k, v in values.items() if k not in exclude}


def dump(model: BaseModel, exclude: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """`model.model_dump(mode="json", exclude=exclude)` for the package's plain models (fields of
    strings, numbers, enums, lists, tuples, dicts with string keys and other such models), in
    the same order, without building pydantic's serializer: a worker process would spend ~45 ms
    on that for its first record. Anything else goes to pydantic. Values are written as they
    were built: a builder that puts an int in a float field gets the int back (pydantic would
    write 2.0)."""
    try:
        return _fields(model.__dict__, exclude)
    except _NotPlain:
        return model.model_dump(mode="json", exclude=set(exclude))


_SPAN_FIELDS = {"start", "end"}


def span(start: int, end: int) -> Span:
    """Build a span without validation (parser hot path)."""
    obj = _new(Span)
    _set_dict(obj, {"start": start, "end": end})
    _set_fields(obj, _SPAN_FIELDS)
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


class ImagePrompt(_Frozen):
    """An image URL given as a prompt, bare or in Discord's `<…>` form."""

    url: str
    span: Span
    bracketed: bool = False
    weight: float | None = None
    #: False when the URL appears after some text (Midjourney wants image prompts first).
    leading: bool = True


class Segment(_Frozen):
    """One part of a multi-prompt: the text before a `::` and the weight written after it."""

    text: str
    span: Span
    weight: float | None = None
    weight_raw: str | None = None
    #: True when this part was closed by a `::` separator.
    separated: bool = False


class Permutation(_Frozen):
    """A `{a, b, …}` group; options are raw text (they may hold nested groups)."""

    options: tuple[str, ...]
    span: Span
    depth: int = 0


class Quoted(_Frozen):
    """Text in quotes, meant to be rendered in the image."""

    text: str
    span: Span
    quote: str = '"'


ParamValue = bool | int | float | str | tuple[int, int] | tuple[str, ...] | None


class Param(_Frozen):
    """One `--parameter` with its canonical name, the alias written and its typed value."""

    name: str
    alias: str
    raw: str
    value: ParamValue = None
    span: Span
    #: The dash the user typed: "--", "—" (em, accepted by Midjourney) or "–" (en, a mangling).
    dash: str = "--"
    known: bool = True
    #: True when the value holds a `{…}` permutation (checked per option by the linter).
    permuted: bool = False

    @property
    def value_span(self) -> Span:
        """The span of the raw value (end of the name when the parameter is a flag)."""
        end = self.span.end
        return span(end - len(self.raw), end) if self.raw else span(end, end)


class Severity(str, Enum):
    """How much a diagnostic matters; `error` means Midjourney rejects or ignores the prompt."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Applicability(str, Enum):
    """Whether applying a fix keeps the prompt's meaning (safe) or may change it (unsafe)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Edit(_Frozen):
    """Replace `[start, end)` of the source with `content`."""

    start: int
    end: int
    content: str = ""


_EDIT_FIELDS = {"start", "end", "content"}


def edit(start: int, end: int, content: str = "") -> Edit:
    """Build an edit without validation (rules make many; the values are ours)."""
    obj = _new(Edit)
    _set_dict(obj, {"start": start, "end": end, "content": content})
    _set_fields(obj, _EDIT_FIELDS)
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


_FIX_FIELDS = {"applicability", "edits", "message"}


def make_fix(applicability: Applicability, edits: tuple[Edit, ...], message: str | None) -> Fix:
    """Build a fix without validation (the linter's hot path; `Fix.safe` is the friendly form)."""
    obj = _new(Fix)
    _set_dict(obj, {"applicability": applicability, "edits": edits, "message": message})
    _set_fields(obj, _FIX_FIELDS)
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


class Fix(_Frozen):
    """A set of non-overlapping edits and whether they are safe to apply automatically."""

    applicability: Applicability
    edits: tuple[Edit, ...]
    message: str | None = None

    @classmethod
    def safe(cls, *edits: Edit, message: str | None = None) -> Fix:
        """A meaning-preserving fix."""
        return make_fix(Applicability.SAFE, edits, message)

    @classmethod
    def unsafe(cls, *edits: Edit, message: str | None = None) -> Fix:
        """A fix the user should confirm: it may change what the prompt asks for."""
        return make_fix(Applicability.UNSAFE, edits, message)


class Diagnostic(_Frozen):
    """One finding: which rule, how bad, where, and how to fix it when it can be fixed."""

    code: str
    name: str
    severity: Severity
    message: str
    span: Span
    fix: Fix | None = None

    def sort_key(self) -> tuple[int, int, str]:
        return (self.span.start, self.span.end, self.code)

    @property
    def fix_mark(self) -> str:
        """How every face marks the fix: `[*]` (safe), `[unsafe fix]`, or "" (none)."""
        if self.fix is None:
            return ""
        return "[*]" if self.fix.applicability.value == "safe" else "[unsafe fix]"

    def __str__(self) -> str:
        """As the CLI's concise line writes it, with the column (1-based) it starts at:
        "8: PS201 [*] `8k` is filler on V6.1: …"."""
        mark = self.fix_mark + " " if self.fix is not None else ""
        return f"{self.span.start + 1}: {self.code} {mark}{self.message}"


#: `Diagnostic.sort_key` as a C-level getter: sorting a prompt's findings calls it per item.
diagnostic_order = attrgetter("span.start", "span.end", "code")

_DIAG_FIELDS = {"code", "name", "severity", "message", "span", "fix"}


def diagnostic(code: str, name: str, severity: Severity, message: str, start: int, end: int,
               fix: Fix | None = None) -> Diagnostic:
    """Build a diagnostic without validation (the linter's hot path)."""
    where = _new(Span)
    _set_dict(where, {"start": start, "end": end})
    _set_fields(where, _SPAN_FIELDS)
    _set_extra(where, None)
    _set_private(where, None)
    obj = _new(Diagnostic)
    _set_dict(obj, {"code": code, "name": name, "severity": severity, "message": message,
                    "span": where, "fix": fix})
    _set_fields(obj, _DIAG_FIELDS)
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


class Prompt(_Frozen):
    """A parsed prompt. `text` is the prompt without image prompts and parameters."""

    source: str
    images: tuple[ImagePrompt, ...] = ()
    text: str = ""
    text_span: Span
    segments: tuple[Segment, ...] = ()
    permutations: tuple[Permutation, ...] = ()
    quotes: tuple[Quoted, ...] = ()
    params: tuple[Param, ...] = ()
    #: Where the trailing parameter block starts (len(source) when there is none).
    params_start: int
    #: Syntax findings (PS0xx) made while parsing; the linter reports them.
    diagnostics: tuple[Diagnostic, ...] = ()

    # -- queries -----------------------------------------------------------------------------
    def param(self, name: str) -> Param | None:
        """The first parameter with this canonical name, or None."""
        for p in self.params:
            if p.name == name:
                return p
        return None

    def params_named(self, name: str) -> list[Param]:
        """Every parameter with this canonical name, in source order."""
        return [p for p in self.params if p.name == name]

    def has(self, name: str) -> bool:
        """Whether a parameter with this canonical name is present."""
        return any(p.name == name for p in self.params)

    @property
    def is_multiprompt(self) -> bool:
        """True when the text uses `::` separators."""
        return any(s.separated for s in self.segments)

    def format(self) -> str:
        """The canonical text: image prompts, then text, then parameters in canonical form."""
        from promptsmith.core.format import format_prompt  # deferred (a): core.format imports this module

        return format_prompt(self)

    def content(self) -> dict[str, Any]:
        """What the prompt asks for, independent of spelling: for round-trip comparisons."""
        from promptsmith.core.format import content_of  # deferred (a): core.format imports this module

        return content_of(self)

    def expand(self, cap: int | None = None) -> list[str]:
        """Every job a permutation prompt makes, capped as Midjourney caps it (40)."""
        from promptsmith.core.permute import expand  # deferred (a): core.permute -> core.parse imports this module

        return expand(self.source, cap=cap)
