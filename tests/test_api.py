"""The Python API reads as its docs say: one name for the version, iterables, readable findings."""

from __future__ import annotations

import inspect

import pytest

import promptsmith as ps


def test_lint_takes_a_prompt_or_an_iterable_and_says_what_else_it_wants() -> None:
    assert [d.code for d in ps.lint("a cat, 8k")] == ["PS201"]
    assert [[d.code for d in ds] for ds in ps.lint(["a cat, 8k", "a dog"])] == [["PS201"], []]
    assert [len(ds) for ds in ps.lint(p for p in ("a, 8k", "b"))] == [1, 0]
    with pytest.raises(TypeError, match="takes a str"):
        ps.lint(5)
    with pytest.raises(TypeError, match="each item must be"):
        ps.lint(["a", 5])


def test_lint_has_a_real_signature() -> None:
    params = inspect.signature(type(ps.lint).__call__).parameters
    assert list(params)[1:] == ["prompt", "version", "select", "ignore"]


def test_a_diagnostic_prints_as_the_cli_writes_it() -> None:
    assert str(ps.lint("a cat, 8k")[0]).startswith("8: PS201 [*] `8k` is filler")


def test_one_name_for_the_version() -> None:
    assert ps.rewrite("a cat --v 5", version="7").output == ps.rewrite("a cat --v 5", target_version="7").output
    assert ps.lint("a cat --hd", version="8.1") == ps.lint("a cat --hd --v 8.1")
    with pytest.raises(TypeError):
        ps.rewrite("a cat", version="7", target_version="6.1")
