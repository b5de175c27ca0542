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


def test_lint_has_a_real_signature_and_help_shows_it() -> None:
    import pydoc

    import promptsmith.linter.engine  # importing the package's modules keeps ps.lint the function

    assert inspect.isfunction(ps.lint)
    assert list(inspect.signature(ps.lint).parameters) == ["prompt", "version", "select", "ignore", "session"]
    text = pydoc.render_doc(ps.lint, renderer=pydoc.plaintext)
    assert "lint(prompt" in text and "diagnostics" in text and "package" not in text.lower()
    # the linter package has a name of its own (no callable module class, no shadowing): loading
    # it, or another of its modules, leaves `ps.lint` the function
    import importlib
    import sys
    import types

    assert type(sys.modules["promptsmith.linter"]) is types.ModuleType
    importlib.import_module("promptsmith.linter")
    import promptsmith.linter.registry  # noqa: F401

    assert inspect.isfunction(ps.lint) and [d.code for d in ps.lint("a cat, 8k")] == ["PS201"]


def test_a_session_carries_the_config_into_every_call(tmp_path) -> None:
    (tmp_path / "promptsmith.toml").write_text('ignore = ["PS201"]\ntarget-version = "7"\n')
    session = ps.Session.from_config(cwd=tmp_path)
    assert ps.lint("a cat, 8k", session=session) == []
    assert session.rewrite("a cat, 8k --v 5").output.endswith("--v 7")
    assert ps.fix("a cat, 8k", session=session).text == "a cat, 8k"
    with pytest.raises(TypeError, match="not both"):
        ps.lint("a cat", select=["PS2"], session=session)


def test_one_default_engine_everywhere() -> None:
    from promptsmith.registries import ENGINES
    from promptsmith.settings import Settings

    assert ENGINES.default == "rules" == Settings().engine == ps.Session().engine
    assert ps.rewrite("a cat, 8k").engine == "rules"
    assert inspect.signature(ps.rewrite).parameters["engine"].default is None  # None: the session's, rules


def test_an_unknown_engine_is_an_error_not_a_silent_auto(tmp_path) -> None:
    from promptsmith.errors import ConfigError

    (tmp_path / "promptsmith.toml").write_text('engine = "gpt"\n')
    with pytest.raises(ConfigError, match="unknown engine 'gpt'; choose one of rules, llm, auto"):
        ps.Session.from_config(cwd=tmp_path)


def test_a_diagnostic_prints_as_the_cli_writes_it() -> None:
    assert str(ps.lint("a cat, 8k")[0]).startswith("8: PS201 [*] `8k` is filler")


def test_one_name_for_the_version() -> None:
    assert ps.rewrite("a cat --v 5", version="7").output == ps.rewrite("a cat --v 5", target_version="7").output
    assert ps.lint("a cat --hd", version="8.1") == ps.lint("a cat --hd --v 8.1")
    with pytest.raises(TypeError):
        ps.rewrite("a cat", version="7", target_version="6.1")
