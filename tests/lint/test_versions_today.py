"""Midjourney as it is today: V8.2 (the default since 2026-07-24) and niji 7 lint without false
errors, and a parameter the sources dispute on V8.x is a warning that names its doubt and sources."""

from __future__ import annotations

import pytest

from promptsmith.core.model import Severity
from promptsmith.core.spec import load_spec
from promptsmith.linter.engine import Linter

CLEAN = [
    "a cat on a windowsill --v 8.2",
    "a cat on a windowsill --v 8.2 --raw",
    "a cat on a windowsill --v 8.2 --style raw --ar 16:9 --s 250 --exp 10 --hd",
    "a cat on a windowsill --niji 7",
    "a fox spirit in a snowy shrine --niji 7 --ar 2:3 --raw",
    "a cat on a windowsill",  # read for the table's default, V8.2
]
DISPUTED = {
    "a cat --oref https://s.mj.run/a.png --ow 200 --v 8.2": ["--oref", "--ow"],
    "a cat --q 2 --v 8.2": ["--q"],
    "a cat --draft --v 8.1": ["--draft"],
    "a cat --sref 1456387759 --sv 6 --v 8.2": ["--sv"],
    "a cat on a windowsill --no dogs --v 8.2": ["--no"],
}


def test_default_is_the_tables_current_version() -> None:
    spec = load_spec()
    assert spec.default_version == "8.2" and "8.2" in spec.versions and "niji7" in spec.versions
    assert Linter().version == "8.2"


@pytest.mark.parametrize("prompt", CLEAN)
def test_no_false_error(prompt: str) -> None:
    diags = Linter().lint(prompt)
    assert not [d for d in diags if d.severity in (Severity.ERROR, Severity.WARNING)], diags


@pytest.mark.parametrize(("prompt", "names"), DISPUTED.items())
def test_disputed_is_a_warning_that_names_doubt_and_sources(prompt: str, names: list[str]) -> None:
    diags = Linter().lint(prompt)
    assert not [d for d in diags if d.severity is Severity.ERROR], diags
    found = [d for d in diags if d.code == "PS410"]
    assert [d.message.split()[0] for d in found] == names
    for d in found:
        assert d.severity is Severity.WARNING
        assert "is disputed: " in d.message and "(sources: " in d.message and "https://" in d.message


def test_documented_absence_stays_an_error() -> None:
    # V8.1's missing --q is official (the Version page): an error; on V8.2 only a doubt
    codes = {d.code for d in Linter(version="8.1").lint("a cat --q 2")}
    assert "PS401" in codes and "PS410" not in codes


@pytest.mark.parametrize("version", load_spec().versions)
def test_every_version_of_the_table_is_a_target_version(version: str) -> None:
    from promptsmith import rewrite

    assert Linter(version=version).version == version
    assert rewrite("a cat on a windowsill, 8k", target_version=version).target_version == version
