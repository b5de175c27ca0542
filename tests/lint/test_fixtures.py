"""Every rule has a bad and a good example with its expected diagnostics (tests/lint/fixtures/*.toml).

Fixture format, one table per rule code:

    [PS101]
    version = "6.1"                       # optional: target version for every example
    [[PS101.bad]]
    prompt = "a cat --s 5000"
    spans = [[6, 14]]                     # spans of this rule's diagnostics, in order
    message = "0–1000"                    # optional: a substring of the first message
    fixed = "a cat --s 1000"              # optional: the text after applying this rule's fixes
    unsafe = true                         # optional: apply unsafe fixes for `fixed`
    [[PS101.good]]
    prompt = "a cat --s 500"
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from promptsmith.core.fix import fix_text
from promptsmith.linter.engine import Linter
from promptsmith.linter.registry import all_rules

FIXTURES = Path(__file__).parent / "fixtures"


def _load() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for path in sorted(FIXTURES.glob("*.toml")):
        with path.open("rb") as fh:
            for code, body in tomllib.load(fh).items():
                assert code not in out, f"{code} has fixtures in two files"
                out[code] = body
    return out


CASES = _load()
RULES = {r.code: r for r in all_rules()}


def test_every_rule_has_fixtures() -> None:
    missing = [c for c in RULES if c not in CASES or not CASES[c].get("bad") or not CASES[c].get("good")]
    assert not missing, f"rules without a bad and a good fixture: {missing}"
    unknown = [c for c in CASES if c not in RULES]
    assert not unknown, f"fixtures for codes no rule has: {unknown}"


def test_enough_rules() -> None:
    assert len(RULES) >= 35


def _prompt(example: dict) -> str:
    """The example's prompt, `repeat` times over (for a prompt too long to write out)."""
    return example["prompt"] * example.get("repeat", 1)


def _examples(kind: str):
    for code, body in sorted(CASES.items()):
        for i, ex in enumerate(body.get(kind, [])):
            yield pytest.param(code, body.get("version"), ex, id=f"{code}-{kind}-{i}")


@pytest.mark.parametrize(("code", "version", "example"), list(_examples("bad")))
def test_bad_example(code: str, version: str | None, example: dict) -> None:
    linter = Linter(version=example.get("version", version), select=[code])
    prompt = _prompt(example)
    diags = linter.lint(prompt)
    assert diags, f"{code} found nothing in {prompt!r}"
    assert all(d.code == code for d in diags)
    if "spans" in example:
        assert [[d.span.start, d.span.end] for d in diags] == example["spans"], [
            (d.span.slice(prompt), d.message) for d in diags
        ]
    if "message" in example:
        assert example["message"] in diags[0].message, diags[0].message
    for d in diags:
        assert 0 <= d.span.start <= d.span.end <= len(prompt)
        if d.fix:
            for e in d.fix.edits:
                assert 0 <= e.start <= e.end <= len(prompt)
    if "fixed" in example:
        result = fix_text(prompt, linter.lint, unsafe=example.get("unsafe", False))
        assert result.text == example["fixed"]


@pytest.mark.parametrize(("code", "version", "example"), list(_examples("good")))
def test_good_example(code: str, version: str | None, example: dict) -> None:
    linter = Linter(version=example.get("version", version), select=[code])
    diags = linter.lint(_prompt(example))
    assert not diags, [(d.code, d.message) for d in diags]


def test_every_rule_is_documented() -> None:
    for r in RULES.values():
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References"):
            assert section in r.doc, f"{r.code} {r.name} lacks {section!r}"
