"""The rule registry: one small function per rule, with a stable code, a slug and its docs.

    @rule("PS201", "filler-quality-token", severity=Severity.WARNING, fix=Fixable.ALWAYS,
          summary="Finds quality filler (`8k`, `masterpiece`, `award winning`) on V6 and later.")
    def filler_quality_token(ctx: Context) -> Iterator[Diagnostic]:
        \"\"\"## What it does … ## Why is this bad? … ## Example … ## Use instead … ## References …\"\"\"

Codes are grouped by family and never reused once published:
PS0xx syntax, PS1xx parameters, PS2xx wording, PS3xx structure, PS4xx version compatibility.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from promptsmith.core.model import Diagnostic, Severity
from promptsmith.errors import UnknownRule

if TYPE_CHECKING:
    from promptsmith.core.parse import ParserFinding
    from promptsmith.linter.context import Context

FAMILIES = {
    "PS0": "syntax",
    "PS1": "parameters",
    "PS2": "wording",
    "PS3": "structure",
    "PS4": "version compatibility",
}

_CODE = re.compile(r"PS\d{3}")


class Fixable(str, Enum):
    """Whether a rule offers a fix: always, sometimes (depends on the finding) or never."""

    ALWAYS = "always"
    SOMETIMES = "sometimes"
    NEVER = "never"


Check = Callable[["Context"], Iterable[Diagnostic]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule: metadata plus the check function."""

    code: str
    name: str
    severity: Severity
    fix: Fixable
    check: Check
    doc: str
    #: One sentence for `promptsmith rules`, SARIF and the TUI, written for the purpose (the doc's
    #: first sentence is often too long to stand alone).
    summary: str
    #: Prompt features the rule looks at; it runs only when the prompt has one of them (or always,
    #: when empty). See `FEATURES`.
    needs: tuple[str, ...] = ()

    @property
    def family(self) -> str:
        return FAMILIES.get(self.code[:3], "other")


_RULES: dict[str, Rule] = {}
_BY_NAME: dict[str, str] = {}


#: What a prompt can have, for `rule(needs=…)`: text, parameters, image prompts, quoted text, a
#: `::` separator, permutations, parser findings, and in the text a comma/semicolon/newline, an
#: apostrophe, or markup characters (`( [ < :`). The engine computes them once per prompt.
FEATURES = ("text", "params", "images", "quotes", "separator", "permutations", "diagnostics",
            "comma", "apostrophe", "markup")


def rule(code: str, name: str, *, severity: Severity, summary: str, fix: Fixable = Fixable.NEVER,
         needs: tuple[str, ...] = ()) -> Callable[[Check], Check]:
    """Register a check under a stable code and slug; its docstring is the rule's documentation.

    `summary` is one full sentence, ending with a period, that says what the rule finds.
    `needs` names the prompt features the check reads (`params`, `text`, …): the engine skips the
    check for prompts that have none of them, which keeps linting fast.
    """
    unknown = set(needs) - set(FEATURES)
    if unknown:
        raise ValueError(f"rule {code}: unknown features {sorted(unknown)}; use {FEATURES}")
    if not _CODE.fullmatch(code):
        raise ValueError(f"rule code {code!r} must look like PS123")
    if not summary.strip().endswith(".") or "\n" in summary:
        raise ValueError(f"rule {code}: the summary must be one sentence ending with a period")

    def register(func: Check) -> Check:
        if code in _RULES and _RULES[code].check is not func:
            raise ValueError(f"rule code {code} is registered twice ({_RULES[code].name}, {name})")
        doc = inspect.cleandoc(func.__doc__ or "")
        if not doc:
            raise ValueError(f"rule {code} {name} has no documentation")
        _RULES[code] = Rule(code=code, name=name, severity=severity, fix=fix, check=func, doc=doc,
                            summary=summary.strip(), needs=tuple(needs))
        _BY_NAME[name] = code
        return func

    return register


def parser_rule(finding: ParserFinding, *, summary: str, fix: Fixable = Fixable.NEVER) -> Callable[[Check], Check]:
    """Register the rule that reports one kind of parser finding, under the code, name and severity
    the parser gives it (`promptsmith.core.parse.PARSER_FINDINGS`, their one definition)."""
    return rule(finding.code, finding.name, severity=finding.severity, summary=summary, fix=fix,
                needs=("diagnostics",))


def _ensure_loaded() -> None:
    if not _RULES or "PS001" not in _RULES:
        from promptsmith.linter import checks  # deferred (a, c): the checks import this registry; loaded on first use

        checks.load_all()


def all_rules() -> list[Rule]:
    """Every registered rule, ordered by code."""
    _ensure_loaded()
    return [_RULES[c] for c in sorted(_RULES)]


def get_rule(code_or_name: str) -> Rule:
    """A rule by code (`PS201`, case-insensitive) or slug (`filler-quality-token`)."""
    _ensure_loaded()
    key = code_or_name.strip()
    code = key.upper() if _CODE.fullmatch(key.upper()) else _BY_NAME.get(key.lower())
    if code is None or code not in _RULES:
        raise UnknownRule(f"no rule {code_or_name!r}; `promptsmith rules` lists them all")
    return _RULES[code]


def select_rules(select: list[str] | None = None, ignore: list[str] | None = None) -> list[Rule]:
    """Rules enabled by ruff-style selectors: codes, code prefixes (`PS2`), slugs or `ALL`."""
    rules = all_rules()

    def matches(r: Rule, selector: str) -> bool:
        s = selector.strip()
        if not s:
            return False
        if s.upper() == "ALL":
            return True
        return r.code.startswith(s.upper()) or r.name == s.lower()

    for selector in (*(select or ()), *(ignore or ())):
        if selector.strip() and not any(matches(r, selector) for r in rules):
            raise UnknownRule(f"selector {selector!r} matches no rule; `promptsmith rules` lists them all")
    chosen = [r for r in rules if any(matches(r, s) for s in select)] if select else rules
    if ignore:
        chosen = [r for r in chosen if not any(matches(r, s) for s in ignore)]
    return chosen
