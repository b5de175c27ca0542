"""The registry: rules the parser's findings define, and what a registration must carry."""

from __future__ import annotations

import pytest

from promptsmith.core.model import Severity
from promptsmith.core.parse import PARSER_FINDINGS, parse
from promptsmith.linter.registry import get_rule, rule


def test_every_parser_finding_has_its_rule() -> None:
    for finding in PARSER_FINDINGS:
        r = get_rule(finding.code)
        assert (r.name, r.severity) == (finding.name, finding.severity)
        assert r.needs == ("diagnostics",)


def test_parser_diagnostics_carry_the_rule_names() -> None:
    for d in parse("a {red, blue car –ar 16:9 photo--beta --ar").diagnostics:
        r = get_rule(d.code)
        assert (d.name, d.severity) == (r.name, r.severity)


def test_a_rule_needs_a_one_sentence_summary() -> None:
    with pytest.raises(ValueError, match="summary"):
        rule("PS998", "no-period", severity=Severity.INFO, summary="Finds nothing")
