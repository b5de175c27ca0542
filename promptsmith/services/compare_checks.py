"""What `compare` checks besides the term ledger: parameters by value, quoted text exactly, and
the role each of A's words plays (light, colour, style or credit, subject).

- **parameters** are compared as values on the version's table: `--ar 2:3` is not `--ar 3:2`,
  `--stylize 250` is `--s 250`, `4:6` is `2:3`. A difference the target version explains is
  **migrated**, not damage: `--v` raised, a value clamped into the version's range, a parameter
  the version does not take (or a retired one) removed, `--w/--h` written as `--ar`. Any other
  parameter of A missing from B is **dropped**, any other value **altered**. `--no` is read as
  terms, by the term accounting (a `--no` word B no longer excludes is a dropped term).
- **quotes**: text in double quotes is what Midjourney writes into the image, so B must say it
  exactly, character for character.
- **roles**: a word of A that B frames as something else (`by candlelight` → "in the style of
  Candlelight", `a cat` → "in a cat style", `mustard` → "in a mustard style") changed its role.
  A word's role in A comes from the words around it ("lit by", "in the style of", "… colors",
  an article) or else from the lexicon's slot; in B only from the words around it, so B saying a
  word plainly is never a role change. Light and colour are one family, style, medium and credit
  another, a subject a third: a move inside a family is not reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import gcd
from typing import Any

from promptsmith.core.format import format_param as render_param
from promptsmith.core.lexicon import load_lexicon
from promptsmith.core.model import Param, Prompt
from promptsmith.core.spec import Spec, load_spec
from promptsmith.linter.context import read_version

# -- parameters -----------------------------------------------------------------------------------

#: Parameters that pick the model: a rewrite raises them on purpose.
_VERSION_PARAMS = ("version", "niji")


def prompt_version(prompt: Prompt, spec: Spec, default: str | None = None) -> str:
    """The version a prompt is read for (`lint.context.read_version`)."""

    return read_version(prompt, spec, default)


def _value_key(p: Param, spec: Spec) -> Any:
    """A parameter's value in a form where equal meanings compare equal."""
    pspec = spec.params.get(p.name)
    value = p.value
    if p.permuted or pspec is None or value is None:
        return p.raw.strip().lower()
    if pspec.type == "ratio" and isinstance(value, tuple) and len(value) == 2:
        w, h = (int(x) for x in value)
        g = gcd(w, h) or 1
        return (w // g, h // g)
    if pspec.type in ("int", "float"):
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return p.raw.strip().lower()
    if pspec.type == "words" and isinstance(value, tuple):
        return frozenset(" ".join(str(v).lower().split()) for v in value)
    if pspec.is_flag:
        return True
    return str(value).strip().lower()


@dataclass(frozen=True)
class ParamReport:
    """Parameters compared by value (canonical strings, as `render_param` writes them)."""

    same: list[str]
    only_a: list[str]
    only_b: list[str]
    changed: list[str]
    #: Differences the target version explains, each with why.
    migrated: list[str]
    #: A's parameters B does not have, the version not explaining it (damage).
    dropped: list[str]
    #: A's parameters B gives another value, the version not explaining it (damage).
    altered: list[str]


def _in_range(spec: Spec, name: str, version: str, key: Any) -> bool | None:
    """Whether a value is valid for `version` (None: the table does not say)."""
    pspec = spec.params.get(name)
    r = pspec.range_for(version) if pspec else None
    if r is None:
        return None
    if r.values is not None:
        return any(key == (float(v) if isinstance(v, (int, float)) else str(v).lower()) for v in r.values)
    if r.max_ratio is not None and isinstance(key, tuple):
        w, h = key
        return max(w, h) / max(1, min(w, h)) <= r.max_ratio
    if isinstance(key, float):
        return (r.min is None or key >= r.min) and (r.max is None or key <= r.max)
    return None


def _clamped(spec: Spec, name: str, version: str, key: Any) -> Any:
    """The value the linter clamps an out-of-range value to on `version` (the nearest valid one)."""
    pspec = spec.params.get(name)
    r = pspec.range_for(version) if pspec else None
    if r is None or not isinstance(key, float):
        return None
    if r.values is not None:
        numbers = [float(v) for v in r.values if isinstance(v, (int, float))]
        return min(numbers, key=lambda v: abs(v - key)) if numbers else None
    low = r.min if r.min is not None else key
    high = r.max if r.max is not None else key
    return float(min(max(key, low), high))


def compare_params(a: Prompt, b: Prompt, spec: Spec | None = None) -> ParamReport:
    """A's parameters against B's, by value on the version's table."""
    spec = spec or load_spec()
    va, vb = prompt_version(a, spec), prompt_version(b, spec)

    def table(prompt: Prompt) -> tuple[dict[str, Param], dict[str, Any], dict[str, str]]:
        """The parameters by name, each one's value key and its text: a repeat is dropped by
        Midjourney (and the linter), the first counts; a parameter that may be given several
        times (`--p a --p b`, `--sref`) counts all of them."""
        first: dict[str, Param] = {}
        keys: dict[str, Any] = {}
        texts: dict[str, str] = {}
        for p in prompt.params:
            pspec = spec.params.get(p.name)
            if p.name not in first:
                first[p.name], keys[p.name], texts[p.name] = p, _value_key(p, spec), render_param(p, spec)
            elif pspec is not None and pspec.multiple:
                k = _value_key(p, spec)
                prev = keys[p.name]
                keys[p.name] = (prev if isinstance(prev, frozenset) else frozenset({prev})) | (
                    k if isinstance(k, frozenset) else frozenset({k}))
                texts[p.name] += " " + render_param(p, spec)
        return first, keys, texts

    ta, key_a, text_a = table(a)
    tb, key_b, text_b = table(b)
    same, only_a, only_b, changed, migrated, dropped, altered = [], [], [], [], [], [], []  # type: ignore[var-annotated]
    for name, p in ta.items():
        ra = text_a[name]
        pspec = spec.params.get(name)
        q = tb.get(name)
        if q is None:
            only_a.append(ra)
            if name in _VERSION_PARAMS or name == "no":
                continue  # the version is read below; `--no` words are terms (the accounting)
            if pspec is None or not p.known:
                migrated.append(f"{ra} (not a parameter Midjourney knows)")
            elif pspec.legacy or not pspec.supports(vb):
                migrated.append(f"{ra} (not taken by {spec.label(vb)})")
            elif name in ("width", "height") and "aspect" in tb:
                migrated.append(f"{ra} (written as {text_b['aspect']})")
            else:
                dropped.append(ra)
            continue
        rb = text_b[name]
        ka, kb = key_a[name], key_b[name]
        if ka == kb or name == "no":
            (same if ka == kb else changed).append(ra if ka == kb else f"{ra} → {rb}")
            continue
        changed.append(f"{ra} → {rb}")
        if name in _VERSION_PARAMS:
            migrated.append(f"{ra} → {rb} (the version)")
        elif _in_range(spec, name, vb, ka) is False and _clamped(spec, name, vb, ka) == kb:
            migrated.append(f"{ra} → {rb} (out of range on {spec.label(vb)})")
        else:
            altered.append(f"{ra} → {rb}")
    for name in tb:
        if name not in ta:
            only_b.append(text_b[name])
    if va != vb and not any(n in ta for n in _VERSION_PARAMS) and any(n in tb for n in _VERSION_PARAMS):
        migrated.append(f"read for {spec.label(va)}, now {spec.label(vb)} (the version)")
    return ParamReport(same, only_a, only_b, changed, migrated, dropped, altered)


# -- quoted text ----------------------------------------------------------------------------------

_QUOTE = re.compile(r'"([^"\n]+)"|“([^”\n]+)”')


def quotes(text: str) -> list[tuple[str, int, int]]:
    """The double-quoted texts of a prompt: (inside, start, end of the inside)."""
    out = []
    for m in _QUOTE.finditer(text):
        g = 1 if m.group(1) is not None else 2
        out.append((m.group(g), m.start(g), m.end(g)))
    return out


def drawn_quotes(prompt: Prompt) -> list[tuple[str, int, int]]:
    """The quoted texts of a prompt's text that are text to draw (spans into its source): not
    the whole prompt in quotes, which is a description (PS212 unwraps it)."""
    text = prompt.source[prompt.text_span.start : prompt.text_span.end]
    offset = prompt.text_span.start
    return [(inside, s + offset, e + offset) for inside, s, e in quotes(text)
            if inside.strip() and not (s <= 1 and e >= len(text.rstrip(" .,;!?")) - 1)]


def altered_quotes(a: Prompt, b: Prompt) -> list[tuple[str, int, int]]:
    """A's quoted texts to draw that B does not say exactly (spans into A)."""
    return [q for q in drawn_quotes(a) if q[0] not in b.source]


# -- roles ----------------------------------------------------------------------------------------

_NAME = r"[\w'’.&-]+"
_CREDIT_BEFORE = re.compile(r"\b(?:style|manner|vein|work|works)\s+of\s+(?:" + _NAME + r"\s+){0,3}$"
                            r"|\b(?:inspired|art|artwork|illustrations?|paintings?)\s+by\s+(?:" + _NAME + r"\s+){0,3}$")
_BY_BEFORE = re.compile(r"\bby\s+(?:" + _NAME + r"\s+){0,2}$")
_LIT_BEFORE = re.compile(r"\b(?:lit|illuminated|lighted)\s+(?:by|with)\s+(?:" + _NAME + r"\s+){0,2}$")
_STYLE_AFTER = re.compile(r"^(?:\s+(?!(?:in|of|the|with|and|a|an|by)\b)" + _NAME + r"){0,2}?[\s-]+(?:style|aesthetic)\b"
                          r"(?!\s+of)", re.I)
_COLOUR_AFTER = re.compile(r"^\s+(?:colou?rs?|tones|palette|hues)\b", re.I)
_LIGHT_AFTER = re.compile(r"^\s+(?:light|lighting|glow)\b", re.I)
_ARTICLE_BEFORE = re.compile(r"\b(?:a|an|the)\s+(?:" + _NAME + r"\s+)?$")
_CLAUSE = re.compile(r"[,;:.!?()\[\]{}|\"“”]")

#: The family each role belongs to: a move inside one is not a change of role.
ROLE_FAMILY = {"credit": "style", "style": "style", "medium": "style", "lighting": "light", "colour": "light",
               "subject": "subject"}
#: Lexicon slots that say a word's role in A when the words around it do not.
_SLOT_ROLE = {"lighting": "lighting", "colour": "colour", "style": "style", "medium": "medium"}


def _clause(text: str, s: int, e: int) -> tuple[str, str]:
    """The words before and after a word, within its clause."""
    lo = max(0, s - 60)
    before = text[lo:s]
    cut = max((m.end() for m in _CLAUSE.finditer(before)), default=0)
    after = text[e : e + 40]
    m = _CLAUSE.search(after)
    return before[cut:].lower(), (after[: m.start()] if m else after)


def cue_role(text: str, s: int, e: int) -> str | None:
    """The role the words around `text[s:e]` give it: credit, style, colour, lighting, or None."""
    before, after = _clause(text, s, e)
    if _LIT_BEFORE.search(before) or _LIGHT_AFTER.match(after):
        return "lighting"
    if _CREDIT_BEFORE.search(before):
        return "credit"
    if _STYLE_AFTER.match(after):
        return "style"
    if _COLOUR_AFTER.match(after):
        return "colour"
    return None


def role_in_a(text: str, s: int, e: int) -> str | None:
    """The role of a word of A: from the words around it, else the lexicon's slot, else an
    artist's `by`, else a subject when an article leads it; None when nothing says."""
    role = cue_role(text, s, e)
    if role is not None:
        return role
    lo = max(0, s - 60)
    for m in load_lexicon().find(text[lo : e + 30]):
        if m.start + lo <= s and m.end + lo >= e:
            if m.slot in _SLOT_ROLE:
                return _SLOT_ROLE[m.slot]
            break
    before, _ = _clause(text, s, e)
    if _BY_BEFORE.search(before):
        return "credit"
    if _ARTICLE_BEFORE.search(before):
        return "subject"
    return None


def role_change(
    a_text: str, a_span: tuple[int, int], b_text: str, b_spans: list[tuple[int, int]]
) -> tuple[str, str] | None:
    """(role in A, role in B) when every place B says a word of A frames it in another family."""
    ra = role_in_a(a_text, *a_span)
    if ra is None or not b_spans:
        return None
    roles = [cue_role(b_text, s, e) for s, e in b_spans]
    if any(r is None or ROLE_FAMILY[r] == ROLE_FAMILY[ra] for r in roles):
        return None
    return ra, roles[0]  # type: ignore[return-value]
