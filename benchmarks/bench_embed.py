"""Benchmark the embedder and the compare service on 2 cores, against plain sentence-transformers.

    python benchmarks/bench_embed.py [--n 512] [--rounds 5]

Baseline: `SentenceTransformer(all-MiniLM-L6-v2).encode(texts, batch_size=64)` as shipped (fp32).
Measured in the same run, in turns so that the VM's slow minutes hit every row alike:
- the same `encode` with the model cast to promptsmith's dtype, to show what the dtype alone gives;
- promptsmith's embedder on its torch runtime (bf16 where the CPU has AMX/AVX-512-BF16, else fp32;
  micro-batches on one single-threaded worker per core), and on its NumPy runtime (fp32; the default
  for BERT models on a CPU, see benchmarks/bench_compare.py for why);
each given all the texts in one call (real prompts, then short content terms), then the prompts in
calls of 64; then the warm latency of one `compare(original, rewrite)` on texts the cache has not
seen.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"


def rates(encoders: dict[str, Any], texts: list[str], rounds: int, calls_of: int | None) -> dict[str, list[float]]:
    """Texts per second of each encoder per round, the encoders taking turns within a round.

    `calls_of=None` hands each encoder all the texts in one call; a number hands them over in
    calls of that many texts, as a stream of small requests would.
    """
    step = calls_of or len(texts)
    for encode in encoders.values():
        encode(texts[:64])  # warm
    out: dict[str, list[float]] = {name: [] for name in encoders}
    for _ in range(rounds):
        for name, encode in encoders.items():
            t0 = time.perf_counter()
            for start in range(0, len(texts), step):
                encode(texts[start : start + step])
            out[name].append(len(texts) / (time.perf_counter() - t0))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    from promptsmith.backends.sentence_embedder import SentenceTransformerEmbedder, default_model_dir
    from promptsmith.core.terms import ledger
    from promptsmith.rewriters.rules import Rewriter
    from promptsmith.services.compare import compare

    prompts = [json.loads(line)["prompt"] for line in DATA.open(encoding="utf-8")][: args.n]
    terms = list(dict.fromkeys(t.content for p in prompts for t in ledger(p).terms if t.content))[: args.n]
    print(f"{torch.get_num_threads()} threads; {len(prompts)} real prompts, {len(terms)} content terms, batch 64")

    plain = SentenceTransformer(str(default_model_dir()), device="cpu")
    ours = SentenceTransformerEmbedder(memory_cache=0, runtime="torch")  # no cache: measure the model itself
    numpy_runtime = SentenceTransformerEmbedder(memory_cache=0, runtime="numpy")
    cast = SentenceTransformer(str(default_model_dir()), device="cpu").to(getattr(torch, ours.resolved_dtype))
    print(f"promptsmith dtype: {ours.resolved_dtype}; {args.rounds} rounds, median (min–max)")
    encoders = {"baseline": lambda t: plain.encode(t, batch_size=64, show_progress_bar=False),
                f"encode {ours.resolved_dtype}": lambda t: cast.encode(t, batch_size=64, show_progress_bar=False),
                "promptsmith torch": ours._encode, "promptsmith numpy": numpy_runtime._encode}
    runs = (("real prompts, one call", prompts, None), ("content terms, one call", terms, None),
            ("real prompts, calls of 64", prompts, 64))
    for label, texts, calls_of in runs:
        got = rates(encoders, texts, args.rounds, calls_of)
        base = statistics.median(got["baseline"])
        print(f"{label}:")
        for name, values in got.items():
            mid = statistics.median(values)
            print(f"  {name:>16} {mid:7.0f}/s ({min(values):.0f}–{max(values):.0f})   {mid / base:5.2f}× baseline")

    rewriter = Rewriter()
    embedder = SentenceTransformerEmbedder()
    pairs = [(p, rewriter.rewrite(p).output) for p in prompts[-60:]]
    compare(*pairs[0], embedder=embedder)
    cold, warm = [], []
    for a, b in pairs[1:]:
        t0 = time.perf_counter()
        compare(a, b, embedder=embedder)  # texts never seen: every term is embedded
        cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        compare(a, b, embedder=embedder)  # the same pair again: served by the cache
        warm.append(time.perf_counter() - t0)
    print(f"single compare, model warm, new texts: median {statistics.median(cold) * 1000:.1f} ms, "
          f"p90 {sorted(cold)[int(0.9 * len(cold))] * 1000:.1f} ms over {len(cold)} pairs")
    print(f"single compare, cached texts:          median {statistics.median(warm) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
