"""Property tests: parsing never raises, spans stay inside the source, render/parse round-trips."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promptsmith as ps
from promptsmith.core.model import Prompt

# Text biased towards the characters that matter to the grammar.
ALPHABET = st.sampled_from(list("ab cz,.:{}\\\"'<>-—–/0123456789") + ["::", "--ar 3:2", "--s 50", "--no x",
                                                                      "https://x.co/a.png", "{a, b}", " --v 6", "::2"])
GRAMMARISH = st.lists(ALPHABET, max_size=30).map("".join)
ANY_TEXT = st.text(max_size=200)


def spans_of(p: Prompt):
    yield p.text_span
    for group in (p.images, p.segments, p.permutations, p.quotes, p.params, p.diagnostics):
        for item in group:
            yield item.span
    for d in p.diagnostics:
        if d.fix:
            yield from d.fix.edits


def check_prompt(text: str) -> Prompt:
    p = ps.parse(text)
    assert p.source == text
    for s in spans_of(p):
        assert 0 <= s.start <= s.end <= len(text), (s, text)
    return p


@settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "400")), suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(ANY_TEXT, GRAMMARISH))
def test_parse_never_raises_and_spans_are_inside(text: str) -> None:
    check_prompt(text)


@settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "400")), suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(ANY_TEXT, GRAMMARISH))
def test_render_parse_round_trip(text: str) -> None:
    p = check_prompt(text)
    rendered = p.format()
    again = ps.parse(rendered)
    assert again.content() == p.content(), (text, rendered)
    # rendering is idempotent
    assert again.format() == rendered


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(ANY_TEXT, GRAMMARISH))
def test_lint_never_raises(text: str) -> None:
    for d in ps.lint(text):
        assert 0 <= d.span.start <= d.span.end <= len(text)


def test_real_prompts_parse_and_round_trip(real_prompts: list[str]) -> None:
    assert len(real_prompts) > 1000
    for text in real_prompts:
        p = check_prompt(text)
        again = ps.parse(p.format())
        assert again.content() == p.content(), text
