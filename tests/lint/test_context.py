"""The rule context: the one per-prompt cache, and the spec index it takes from its linter."""

from __future__ import annotations

from promptsmith.core.parse import parse
from promptsmith.core.resources import load_rule_file
from promptsmith.core.spec import build_spec, load_spec
from promptsmith.linter.context import Context, SpecIndex
from promptsmith.linter.engine import Linter


def test_the_linter_shares_its_spec_index_with_every_context() -> None:
    linter = Linter(version="7")
    a, b = linter.context(parse("a cat, 8k")), linter.context(parse("a dog --v 6.1"))
    assert a.index is b.index is linter.index and linter.index.spec is linter.spec
    assert (a.version_text, b.version_text) == ("V7", "V6.1")


def test_an_index_of_another_spec_is_not_used() -> None:
    spec, other = load_spec(), build_spec(load_rule_file("midjourney.toml", ()))
    assert other is not spec
    ctx = Context(parse("a cat --ar 3:2"), other, "6.1", (), SpecIndex(spec))
    assert ctx.index.spec is other
    assert Context(parse("a cat"), spec, "6.1").index.spec is spec


def test_per_prompt_facts_belong_to_their_prompt() -> None:
    linter = Linter()
    first, second = linter.context(parse("A Cat; a Hat, 8K")), linter.context(parse("a dog"))
    assert first.lower_text == "a cat; a hat, 8k" and first.comma_terms == ["a cat", " a hat", " 8k"]
    assert second.lower_text == "a dog" and second.comma_terms == ["a dog"]
    assert [s.text for s in first.text_segments] == ["A Cat; a Hat, 8K"]
