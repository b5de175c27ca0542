"""Experiment (not shipped): the brief writer's LoRA on Gemma 3 270M (base), same corpus and loop as
scripts/train_adapter.py; Gemma's own end-of-turn token ends the brief, <bos> opens the turn, and
the adapter is written for llama.cpp's gemma3 arch (no rotary permutation: gemma3 runs NEOX rope)."""

import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
import train_adapter as T  # noqa: E402

from eval.corpus import TRAINING_FILES  # noqa: E402
from promptsmith.rewriters.llm.trained import chat_prompt, corpus_digest  # noqa: E402

BASE = Path(os.environ.get("GEMMA_GGUF", "gemma-3-270m-q4_k_m.gguf")).resolve()
END = "<end_of_turn>"


def encode(tok, pairs, max_len):
    out = []
    for note_text, body in pairs:
        head = [tok.bos_token_id] + tok(chat_prompt(note_text), add_special_tokens=False)["input_ids"]
        ids = tok(body + END, add_special_tokens=False)["input_ids"]
        if len(head) + len(ids) > max_len:
            continue
        out.append((head + ids, [-100] * len(head) + ids, [0.0] * len(head) + [1.0] * len(ids)))
    return out


def write_adapter(model, config, path, alpha, meta):
    import gguf
    import numpy as np

    state = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items() if "lora_" in k}
    w = gguf.GGUFWriter(str(path), arch="gemma3")
    w.add_type(gguf.GGUFType.ADAPTER)
    w.add_string(gguf.Keys.Adapter.TYPE, "lora")
    w.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
    for k, v in meta.items():
        w.add_string(f"promptsmith.{k}", v)
    for layer in range(config.num_hidden_layers):
        for hf, cpp in T.TENSORS.items():
            stem = f"base_model.model.model.layers.{layer}.{hf}"
            w.add_tensor(
                f"blk.{layer}.{cpp}.weight.lora_a",
                np.ascontiguousarray(state[f"{stem}.lora_A.default.weight"], dtype=np.float16),
            )
            w.add_tensor(
                f"blk.{layer}.{cpp}.weight.lora_b",
                np.ascontiguousarray(state[f"{stem}.lora_B.default.weight"], dtype=np.float16),
            )
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    epochs = float(sys.argv[1])
    out = Path(sys.argv[2])
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(29)
    torch.set_num_threads(2)
    rng = random.Random(29)
    tok = AutoTokenizer.from_pretrained(str(BASE.parent), gguf_file=BASE.name)
    model = AutoModelForCausalLM.from_pretrained(str(BASE.parent), gguf_file=BASE.name, dtype=torch.float32)
    assert tok(END, add_special_tokens=False)["input_ids"].__len__() == 1, "end of turn must be one token"
    pairs = T.load_pairs(list(TRAINING_FILES), "train")
    if limit:
        pairs = pairs[:limit]
    ex = encode(tok, pairs, 384)
    model = get_peft_model(
        model,
        LoraConfig(
            r=16,
            lora_alpha=32.0,
            lora_dropout=0.05,
            bias="none",
            task_type="CAUSAL_LM",
            target_modules=[n.split(".")[-1] for n in T.TENSORS],
        ),
    )
    total = T.steps(ex, 1024, epochs)
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    print(f"{len(ex)} pairs, {total} steps", flush=True)
    _, tokens, seconds = T.fit(model, ex, total, lr=3e-4, batch_tokens=1024, pad=pad, rng=rng)
    write_adapter(
        model,
        model.config,
        out,
        32.0,
        {
            "corpus.sha256": corpus_digest(*TRAINING_FILES),
            "training": json.dumps({"base": BASE.name, "epochs": epochs}),
        },
    )
    print(f"wrote {out} after {seconds / 60:.1f} min, {tokens} tokens", flush=True)


if __name__ == "__main__":
    main()
