"""The change list of an LLM rewrite describes the sentence that was output (what `--explain` and
the TUI show), not the rules engine's first phrasing."""

from __future__ import annotations

from promptsmith.backends.fake import ScriptedGenerator
from promptsmith.rewriters.llm.rewriter import LlmRewriter

SOURCE = "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, 8k"


def _brief_change(result):
    return next(c for c in result.changes if c.rule == "natural-language-brief")


def test_a_ranked_phrasing_is_the_one_described() -> None:
    r = LlmRewriter(ScriptedGenerator(prefer="lit by"), jobs=("rank",)).rewrite(SOURCE)
    assert r.candidates[0] not in r.output  # the model ranked another phrasing first
    change = _brief_change(r)
    assert change.after in r.output and "lit by dramatic lighting" in change.after
    assert "the model ranked this phrasing first" in change.reason


def test_a_written_brief_is_the_one_described() -> None:
    good = "A portrait of an old fisherman, an oil painting in the style of Rembrandt with dramatic lighting."
    r = LlmRewriter(ScriptedGenerator(writes=[good]), jobs=("write",)).rewrite(SOURCE)
    assert _brief_change(r).after == good
    assert "span-locked" in _brief_change(r).reason


def test_the_rules_phrasing_keeps_its_change_as_it_was() -> None:
    gen = ScriptedGenerator(prefer="with dramatic lighting")
    r = LlmRewriter(gen, jobs=("rank",)).rewrite(SOURCE)
    assert r.candidates[0] in r.output
    assert _brief_change(r).after == r.candidates[0] and "model" not in _brief_change(r).reason
