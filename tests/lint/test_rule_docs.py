"""What users read about the rules: every doc is complete and cites sources a user can open."""

from __future__ import annotations

import re
import sys

import pytest

from promptsmith.linter import checks
from promptsmith.linter.registry import all_rules

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References")

#: What points at files a user does not have: the project's shared folder, its reference notes,
#: their section signs and source keys (D-2023, V6-ANN, …).
PRIVATE = re.compile(
    r"\.\./|shared/|(?i:\bregion \d|seed.atlas)|REWRITE-EXAMPLES|§"
    r"|\bD-(?:\d{4}|VER|LEG|OREF)|\bV6-ANN\b|\b(?:MP|JP|TA|YC|EVO|PIX|GIST51|3P)\b"
)
#: A paper cited by title: `Author et al., "Title" (year)`.
PAPER = re.compile(r"\w+(?: et al\.| and \w+), \"[^\"]{10,}\" \([^)]*\d{4}")

RULES = all_rules()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_doc_has_every_section_in_order(rule) -> None:
    positions = [rule.doc.find(s) for s in SECTIONS]
    assert -1 not in positions, f"{rule.code} lacks {SECTIONS[positions.index(-1)]}"
    assert positions == sorted(positions), rule.code


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_doc_cites_nothing_private(rule) -> None:
    found = PRIVATE.search(rule.doc)
    assert found is None, f"{rule.code} cites {found.group()!r}, which users do not have"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_references_link_public_sources(rule) -> None:
    refs = rule.doc.split("## References", 1)[1]
    items = [line[2:] for line in refs.strip().splitlines() if line.startswith("- ")]
    assert items, f"{rule.code}: References should be a list"
    assert any("https://" in i or PAPER.search(i) for i in items), f"{rule.code}: no link or paper title"
    for url in re.findall(r"https://\S+", refs):
        assert not url.endswith((".", ",", ";", ")")), f"{rule.code}: {url!r} has punctuation stuck to it"


def test_family_modules_cite_nothing_private() -> None:
    checks.load_all()
    modules = [m for name, m in sys.modules.items() if name.startswith("promptsmith.linter")]
    assert len(modules) > len(checks.MODULES)
    for module in modules:
        found = PRIVATE.search(module.__doc__ or "")
        assert found is None, f"{module.__name__}'s docstring cites {found.group()!r}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_summary_is_one_whole_sentence(rule) -> None:
    s = rule.summary
    assert 20 <= len(s) <= 90, f"{rule.code}: {len(s)} characters"
    assert s[0].isupper() and s.endswith(".") and "\n" not in s, rule.code
    assert not s.endswith((",.", ":.", ";.", "….", "..")), f"{rule.code} is cut short: {s!r}"
    assert s.count("`") % 2 == 0 and s.count("(") == s.count(")"), f"{rule.code}: unbalanced {s!r}"


def test_summaries_are_distinct() -> None:
    summaries = [r.summary for r in RULES]
    assert len(set(summaries)) == len(summaries)
