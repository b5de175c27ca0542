"""The trained writer for real: the packaged SmolLM2 with the shipped LoRA adapter, through llama.cpp."""

from __future__ import annotations

import random

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained():
    from promptsmith.rewriters.llm.engine import get_llm_rewriter
    from promptsmith.settings import Settings

    return get_llm_rewriter(Settings(llm_jobs=("write",), write_mode="trained", threads=2))


#: Of the 30 prompts, at least this many briefs are the model's own draft, as written or repaired
#: (measured: 20 of 30 on this sample, two of them repaired; 63% on the dev split). Issue 29 asks
#: for 27; this floor guards what the shipped adapter does now, one below it for a build whose
#: arithmetic differs.
OWN_DRAFTS = 19


def test_the_adapter_loads_and_the_model_writes_briefs_itself(trained, real_prompts: list[str]) -> None:
    """30 shared prompts (one per template, seeded): every output passes the guard, and the model's
    own drafts are at least OWN_DRAFTS of them (the rest are the rules brief, with the reason)."""
    from eval.brief import dedupe_templates

    unique = [r["prompt"] for r in dedupe_templates({"prompt": p} for p in real_prompts)]
    chosen = random.Random(29).sample(unique, 30)
    own = 0
    for prompt in chosen:
        r = trained.rewrite(prompt)
        if not r.candidates:  # kept as written: nothing for the model to do
            assert r.fallback == "nothing for the model to do"
            continue
        assert r.engine == "llm" and "+smollm2-135m-briefs.lora.gguf" in r.model
        body = r.candidates[0] if r.fallback else r.output.replace(" ".join(r.params), "").strip()
        assert "<|im" not in r.output and "\n" not in r.output
        if r.fallback is None:
            own += 1
            assert trained.guard(trained.rules.rewrite(prompt), _prose(r)).ok, prompt
        else:
            assert r.fallback.startswith(("guard rejected the drafts", "not English")), r.fallback
            assert body
    assert own >= OWN_DRAFTS, f"only {own} of 30 briefs were the model's own draft"


def _prose(result) -> str:
    text = result.output
    for image in result.input.split():
        if image.startswith("<http"):
            text = text.replace(image.strip("<>"), "", 1)
    for p in result.params:
        text = text.replace(p, "")
    return " ".join(text.split())


def test_decoding_is_deterministic(trained) -> None:
    prompt = "cat, windowsill, golden hour"
    assert trained.rewrite(prompt).output == trained.rewrite(prompt).output
