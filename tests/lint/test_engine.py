"""The engine: feature gating never hides a finding, and results are stable and sorted."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from promptsmith.core.parse import parse
from promptsmith.linter.engine import Linter

LINTERS = [Linter(version=v) for v in ("5.2", "6.1", "7")]


def _ungated(linter: Linter, text: str) -> list:
    prompt = parse(text)
    ctx = linter.context(prompt)
    out = []
    for r in linter.rules:
        ctx.rule = r
        out.extend(r.check(ctx))
    out.sort(key=lambda d: d.sort_key())
    return out


def test_gating_hides_nothing_on_real_prompts(real_prompts: list[str]) -> None:
    for linter in LINTERS:
        for text in real_prompts:
            assert linter.lint(text) == _ungated(linter, text), text


@settings(max_examples=300)
@given(st.lists(st.sampled_from(list("ab ,.:'\"{}()[]<>-—–0123456789") +
                                ["::", " --ar 3:2", " --v 7", " --no x", "https://x.co/a.png ", "8k", "no "]),
               max_size=30).map("".join))
def test_gating_hides_nothing_on_generated_prompts(text: str) -> None:
    for linter in LINTERS:
        assert linter.lint(text) == _ungated(linter, text)


def test_diagnostics_sorted_by_position() -> None:
    diags = Linter().lint("portrait, 8k, masterpiece –ar 16:9 --s 5000")
    keys = [(d.span.start, d.span.end, d.code) for d in diags]
    assert keys == sorted(keys)
