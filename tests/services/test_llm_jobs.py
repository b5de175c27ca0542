"""The LLM jobs and the guard with a scripted generator (fast); the real model is in tests/backends."""

from __future__ import annotations

import pytest

from promptsmith.backends.fake import ScriptedGenerator
from promptsmith.rewriters.llm.rewriter import LlmRewriter

SOURCE = "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, 8k"


def test_rank_picks_the_generators_favourite() -> None:
    gen = ScriptedGenerator(prefer="lit by")
    r = LlmRewriter(gen, jobs=("rank",)).rewrite(SOURCE)
    assert "lit by dramatic lighting" in r.output
    assert r.engine == "llm" and r.jobs == ["rank"] and r.fallback is None
    assert r.output.endswith(".")


def test_rank_keeps_every_term_by_construction() -> None:
    r = LlmRewriter(ScriptedGenerator(), jobs=("rank",)).rewrite(SOURCE)
    for word in ("fisherman", "dramatic", "oil", "Rembrandt"):
        assert word in r.output
    assert "8k" not in r.output


def test_written_output_that_passes_the_guard_is_used() -> None:
    good = "A portrait of an old fisherman, an oil painting in the style of Rembrandt with dramatic lighting."
    gen = ScriptedGenerator(writes=[good])
    r = LlmRewriter(gen, jobs=("write",)).rewrite(SOURCE)
    assert r.output == good and r.retries == 0 and r.fallback is None


def test_an_invented_free_draft_is_kept_with_its_reasons_and_the_rules_brief_used() -> None:
    """Free writing: the guard rejects the draft, the span lock cannot repair it (the scripted
    model's second sentence breaks the lock), so the rules brief goes out, with both reasons."""
    bad = "A portrait of an old fisherman at sunset with a red fox, an oil painting in the style of Rembrandt."
    gen = ScriptedGenerator(writes=[bad, bad])
    r = LlmRewriter(gen, jobs=("write",), write_mode="free").rewrite(SOURCE)
    assert r.retries == 0 and len(gen.prompts) == 2  # no retry: the lock is the repair
    assert r.fallback and "invented" in r.fallback and "sunset" in r.fallback
    assert "dropped dramatic lighting" in r.fallback and "span lock" in r.fallback
    assert r.draft == bad and any("sunset" in why for why in r.draft_rejected)
    assert "sunset" not in r.output and "dramatic lighting" in r.output  # the rules brief


def test_parameters_in_written_text_are_rejected() -> None:
    gen = ScriptedGenerator(writes=["A portrait of an old fisherman --ar 2:3.", "x --s 5."])
    r = LlmRewriter(gen, jobs=("write",), write_mode="free").rewrite(SOURCE + " --ar 2:3")
    assert "parameters" in (r.fallback or "")
    assert r.output.endswith("--ar 2:3") and r.output.count("--ar") == 1


def test_tokens_stream_to_the_callback() -> None:
    seen: list[str] = []
    good = "A portrait of an old fisherman, an oil painting in the style of Rembrandt with dramatic lighting."
    LlmRewriter(ScriptedGenerator(writes=[good]), jobs=("write",)).rewrite(SOURCE, on_token=seen.append)
    assert "".join(seen).strip() == good


def test_closed_vocabulary_grammar_lists_only_input_words() -> None:
    grammar = LlmRewriter(ScriptedGenerator(), jobs=("write",)).closed_grammar("old fisherman, oil painting")
    assert '"fisherman"' in grammar and '"Fisherman"' in grammar and '"with"' in grammar
    assert '"sunset"' not in grammar


def test_classify_moves_a_term_when_confident() -> None:
    class Labeller(ScriptedGenerator):
        def logprobs(self, prefix, continuations):
            if "Term: zorblat glow" in prefix:
                return [5.0 if c == " lighting" else 0.0 for c in continuations]
            return [0.0 for _ in continuations]

    r = LlmRewriter(Labeller(), jobs=("classify",)).rewrite("a castle, zorblat glow, oil painting")
    assert "zorblat glow" in " ".join(r.slots["lighting"])
    assert r.jobs == ["classify"]


def test_unknown_job_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown LLM jobs"):
        LlmRewriter(ScriptedGenerator(), jobs=("dance",))


def test_auto_without_a_model_falls_back_to_rules(tmp_path) -> None:
    from promptsmith import rewrite
    from promptsmith.session import Session
    from promptsmith.settings import Settings

    missing = Session(Settings(model=str(tmp_path / "nope.gguf")))
    result = rewrite("a cat, 8k", engine="auto", session=missing)
    assert result.output == "A cat." and result.engine == "rules" and "no LLM" in (result.fallback or "")
    from promptsmith.errors import ModelNotFound

    with pytest.raises(ModelNotFound, match="--model PATH.gguf"):  # noqa: RUF043
        rewrite("a cat, 8k", engine="llm", session=missing)
