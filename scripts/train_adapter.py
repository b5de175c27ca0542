"""Train the brief writer: a LoRA adapter for the packaged SmolLM2-135M, from the brief corpus.

    .venv/bin/python scripts/train_adapter.py                 # writes promptsmith/adapters/…lora.gguf
    .venv/bin/python scripts/train_adapter.py --out /tmp/a.gguf --report /tmp/report.md

Needs the `train` extra (transformers, peft, gguf; CPU torch). Seeded: the same corpus and
settings give the same adapter on the same machine. Runs on 2 CPU cores under bf16 autocast.

1. The corpus's train split (`eval.corpus.TRAINING_FILES`: the gold briefs of the shared prompts
   and the synthetic pairs; `split == "train"`, a non-empty body) becomes ChatML turns: the
   prompt's notes (`rewrite.llm.trained.notes`) → the brief's prose (with `--input rules`, the rules
   engine's brief → the prose: an experiment, `eval/reports/adapter/experiment-postedit/`). The
   loss is on the prose and the turn's end only; with `--copy-weight W` the tokens that write the
   notes' own words, and the turn's end, weigh W times the others (a dropped term costs more than
   a connective worded otherwise).
2. transformers loads the packaged GGUF (dequantized: the adapter learns on the weights llama.cpp
   will run), peft adds LoRA to every linear layer of the decoder.
3. The adapter is written as a llama.cpp LoRA GGUF with the `gguf` package: `blk.N.<tensor>.lora_a`
   and `.lora_b` per layer, with the Q and K output rows in llama.cpp's rotary order, and the
   corpus hash and settings in its metadata. `Llama(lora_path=…)` applies it at load.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eval.corpus import TRAINING_FILES  # noqa: E402
from promptsmith.backends.models import default_model_path  # noqa: E402
from promptsmith.core.words import STOP, WORD  # noqa: E402
from promptsmith.rewriters.llm.trained import (  # noqa: E402
    ADAPTER_FILE,
    END,
    INPUTS,
    chat_prompt,
    corpus_digest,
    model_input,
)

#: HF module name → llama.cpp tensor name, per decoder layer.
TENSORS = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
           "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
           "mlp.down_proj": "ffn_down"}


def load_pairs(paths: list[Path], split: str, kind: str = "notes") -> list[tuple[str, str]]:
    """(what the model is shown, the gold prose) per pair of the split (`trained.model_input`)."""
    from promptsmith.rewriters.rules import get_rewriter

    rules = get_rewriter(None) if kind == "rules" else None
    pairs = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["split"] == split and row["body"].strip():
                brief = "" if rules is None else (rules.rewrite(row["prompt"]).candidates or [""])[0]
                pairs.append((model_input(kind, row["prompt"], brief), row["body"]))
    return pairs


def encode(tokenizer, pairs: list[tuple[str, str]], max_len: int,
           copy_weight: float = 1.0) -> list[tuple[list[int], list[int], list[float]]]:
    """Token ids, labels (-100 on the prompt part) and loss weights per pair; pairs longer than
    `max_len` left out. With `copy_weight` above 1, the brief's tokens that write one of the
    notes' own words (not a function word), and the turn's end, weigh that much more: a term left
    out, or a turn ended early, costs more than a connective worded otherwise."""
    out = []
    for note_text, body in pairs:
        head = tokenizer(chat_prompt(note_text), add_special_tokens=False)["input_ids"]
        tail = tokenizer(body + END, add_special_tokens=False, return_offsets_mapping=copy_weight != 1.0)
        ids = tail["input_ids"]
        if len(head) + len(ids) > max_len:
            continue
        weights = [1.0] * len(ids)
        if copy_weight != 1.0:
            own = {w.lower() for w in WORD.findall(note_text)} - STOP
            copied = [False] * len(body)
            for m in WORD.finditer(body):
                if m.group().lower() in own:
                    copied[m.start():m.end()] = [True] * (m.end() - m.start())
            for i, (a, b) in enumerate(tail["offset_mapping"]):
                if a >= len(body) or any(copied[a:min(b, len(body))]):
                    weights[i] = copy_weight  # a copied word's token, or the turn's end
        out.append((head + ids, [-100] * len(head) + ids, [0.0] * len(head) + weights))
    return out


def batches(examples, batch_tokens: int, rng: random.Random):
    """Batches of similar length (little padding), in a shuffled order."""
    order = sorted(range(len(examples)), key=lambda i: (len(examples[i][0]), rng.random()))
    groups, group, longest = [], [], 0
    for i in order:
        n = len(examples[i][0])
        if group and max(longest, n) * (len(group) + 1) > batch_tokens:
            groups.append(group)
            group, longest = [], 0
        group.append(i)
        longest = max(longest, n)
    if group:
        groups.append(group)
    rng.shuffle(groups)
    return groups


def collate(examples, group, pad_id: int):
    import torch

    width = max(len(examples[i][0]) for i in group)
    ids = torch.full((len(group), width), pad_id, dtype=torch.long)
    labels = torch.full((len(group), width), -100, dtype=torch.long)
    mask = torch.zeros((len(group), width), dtype=torch.long)
    weights = torch.zeros((len(group), width), dtype=torch.float32)
    for row, i in enumerate(group):
        x, y, w = examples[i]
        ids[row, : len(x)] = torch.tensor(x)
        labels[row, : len(y)] = torch.tensor(y)
        mask[row, : len(x)] = 1
        weights[row, : len(w)] = torch.tensor(w)
    return ids, labels, mask, weights


def weighted_loss(logits, labels, weights):
    """Next-token cross-entropy, each label token weighted (`encode`), normalised by the weights."""
    import torch

    logits, labels, weights = logits[:, :-1].float(), labels[:, 1:], weights[:, 1:]
    per_token = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1),
                                                  ignore_index=-100, reduction="none")
    weights = weights.reshape(-1) * (labels.reshape(-1) != -100)
    return (per_token * weights).sum() / weights.sum()


def steps(examples, batch_tokens: int, epochs: float) -> int:
    """Optimizer steps for `epochs` passes over the examples in batches of `batch_tokens`."""
    return max(1, math.ceil(len(batches(examples, batch_tokens, random.Random(0))) * epochs))


def fit(model, examples, total_steps: int, *, lr: float, batch_tokens: int, pad: int, rng: random.Random,
        copy_weight: float = 1.0) -> tuple[list[tuple[int, float, float]], int, float]:
    """Train the adapter's parameters for `total_steps` (AdamW, warm-up then cosine, bf16 autocast,
    gradients clipped at 1): the loss curve (step, seconds, loss), the tokens seen and the seconds."""
    import torch

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    warmup = max(1, total_steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(
        0.05, 0.5 * (1 + math.cos(math.pi * min(1.0, s / total_steps)))))
    model.train()
    curve: list[tuple[int, float, float]] = []
    step, tokens, t1 = 0, 0, time.perf_counter()
    while step < total_steps:
        for group in batches(examples, batch_tokens, rng):
            if step >= total_steps:
                break
            ids, labels, mask, weights = collate(examples, group, pad)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                if copy_weight == 1.0:  # the plain mean (the shipped adapter's training, bit for bit)
                    loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
                else:
                    loss = weighted_loss(model(input_ids=ids, attention_mask=mask).logits, labels, weights)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            tokens += int(mask.sum())
            curve.append((step, time.perf_counter() - t1, loss.item()))
            if step % 10 == 0 or step == total_steps:
                recent = [c[2] for c in curve[-10:]]
                print(f"step {step}/{total_steps}  loss {sum(recent) / len(recent):.3f}  "
                      f"{tokens / (time.perf_counter() - t1):.0f} tok/s", flush=True)
    return curve, tokens, time.perf_counter() - t1


def rotary_rows(weight, n_head: int):
    """HF's Q/K output rows in llama.cpp's order (its converter permutes them for rotary)."""
    rows = weight.shape[0]
    return weight.reshape(n_head, 2, rows // n_head // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def write_adapter(model, config, path: Path, alpha: float, meta: dict[str, str]) -> None:
    """The peft adapter as a llama.cpp LoRA GGUF (f16 tensors)."""
    import gguf
    import numpy as np

    state = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items() if "lora_" in k}
    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
    writer.add_name("promptsmith brief writer (LoRA for SmolLM2-135M-Instruct)")
    for key, value in meta.items():
        writer.add_string(f"promptsmith.{key}", value)
    for layer in range(config.num_hidden_layers):
        for hf, cpp in TENSORS.items():
            stem = f"base_model.model.model.layers.{layer}.{hf}"
            a = state[f"{stem}.lora_A.default.weight"]  # (r, in)
            b = state[f"{stem}.lora_B.default.weight"]  # (out, r)
            if cpp == "attn_q":
                b = rotary_rows(b, config.num_attention_heads)
            elif cpp == "attn_k":
                b = rotary_rows(b, config.num_key_value_heads)
            writer.add_tensor(f"blk.{layer}.{cpp}.weight.lora_a", np.ascontiguousarray(a, dtype=np.float16))
            writer.add_tensor(f"blk.{layer}.{cpp}.weight.lora_b", np.ascontiguousarray(b, dtype=np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, nargs="+", default=list(TRAINING_FILES))
    parser.add_argument("--out", type=Path, default=ROOT / "promptsmith" / "adapters" / ADAPTER_FILE)
    parser.add_argument("--report", type=Path, default=ROOT / "eval" / "reports" / "adapter" / "training.md")
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--alpha", type=float, default=32.0)
    parser.add_argument("--batch-tokens", type=int, default=1024, help="tokens per batch, padding included")
    parser.add_argument("--max-len", type=int, default=512)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=29)
    parser.add_argument("--limit", type=int, default=0, help="train on the first N pairs only (a smoke run)")
    parser.add_argument("--copy-weight", type=float, default=1.0,
                        help="loss weight of the brief's tokens that write the notes' own words, and of the turn's end")
    parser.add_argument("--input", choices=INPUTS, default="notes",
                        help="what the model is shown: the prompt's notes, or the rules engine's brief")
    args = parser.parse_args(argv)

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    base = default_model_path()
    t0 = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(str(base.parent), gguf_file=base.name)
    model = AutoModelForCausalLM.from_pretrained(str(base.parent), gguf_file=base.name, torch_dtype=torch.float32)
    load_s = time.perf_counter() - t0
    pairs = load_pairs(args.corpus, "train", args.input)
    if args.limit:
        pairs = pairs[: args.limit]
    examples = encode(tokenizer, pairs, args.max_len, args.copy_weight)
    lora = LoraConfig(r=args.rank, lora_alpha=args.alpha, lora_dropout=0.05, bias="none", task_type="CAUSAL_LM",
                      target_modules=[name.split(".")[-1] for name in TENSORS])
    model = get_peft_model(model, lora)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total_steps = steps(examples, args.batch_tokens, args.epochs)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    print(f"{len(examples)} pairs ({len(pairs) - len(examples)} over {args.max_len} tokens left out), "
          f"{trainable / 1e6:.2f} M trainable, {total_steps} steps; base loaded in {load_s:.0f} s", flush=True)
    curve, tokens, train_s = fit(model, examples, total_steps, lr=args.lr, batch_tokens=args.batch_tokens, pad=pad,
                                 rng=rng, copy_weight=args.copy_weight)
    settings = {"base": base.name, "rank": args.rank, "alpha": args.alpha, "dropout": 0.05, "lr": args.lr,
                "epochs": args.epochs, "batch_tokens": args.batch_tokens, "max_len": args.max_len, "seed": args.seed,
                "corpus": [p.name for p in args.corpus], "pairs": len(examples), "steps": total_steps,
                **({"copy_weight": args.copy_weight} if args.copy_weight != 1.0 else {}),
                **({"input": args.input} if args.input != "notes" else {}),
                "targets": sorted(TENSORS)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_adapter(model, model.config, args.out, args.alpha,
                  {"corpus.sha256": corpus_digest(*args.corpus), "training": json.dumps(settings, sort_keys=True),
                   "input": args.input})
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1e6:.1f} MB) after {train_s / 60:.1f} min of training", flush=True)
    write_report(args.report, settings, curve, train_s, tokens, size, trainable, corpus_digest(*args.corpus))
    return 0


def write_report(path: Path, settings: dict, curve, seconds: float, tokens: int, size: int, trainable: int,
                 sha: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    every = max(1, len(curve) // 30)
    lines = ["# Training report: the brief writer's LoRA adapter", "",
             "Written by `scripts/train_adapter.py`; the dev figures are in `eval/reports/adapter/` beside it.", "",
             f"- corpus sha256: `{sha}`",
             f"- settings: `{json.dumps(settings, sort_keys=True)}`",
             f"- trainable parameters: {trainable / 1e6:.2f} M; adapter file: {size / 1e6:.1f} MB (f16)",
             f"- training: {seconds / 60:.1f} min, {tokens} tokens ({tokens / seconds:.0f} tokens/s), "
             f"{os.cpu_count()} CPU cores, bf16 autocast", "",
             "## Loss (mean of the 10 steps up to each)", "", "| step | minutes | loss |", "|---|---|---|"]
    for i in range(every - 1, len(curve), every):
        window = [c[2] for c in curve[max(0, i - 9): i + 1]]
        lines.append(f"| {curve[i][0]} | {curve[i][1] / 60:.1f} | {sum(window) / len(window):.3f} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
