"""Benchmark the embedder and the compare service on 2 cores, against plain sentence-transformers.

    python benchmarks/bench_embed.py [--n 512]

Baseline: `SentenceTransformer(all-MiniLM-L6-v2).encode(texts, batch_size=64)` as shipped (fp32).
Measured in the same run: promptsmith's embedder (bf16 where the CPU has AMX/AVX-512-BF16, else
fp32) at batch 64 on real prompts and on short content terms, and the warm latency of one
`compare(original, rewrite)` on texts the cache has not seen.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"


def rate(encode, texts: list[str], rounds: int = 3) -> float:
    encode(texts[:64])  # warm
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        encode(texts)
        best = min(best, time.perf_counter() - t0)
    return len(texts) / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=512)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    from promptsmith.backends.st import SentenceTransformerEmbedder, default_model_dir
    from promptsmith.services.compare import compare, content_terms
    from promptsmith.services.rewrite import Rewriter

    prompts = [json.loads(line)["prompt"] for line in DATA.open(encoding="utf-8")][: args.n]
    terms = list(dict.fromkeys(t for p in prompts for t in content_terms(p)))[: args.n]
    print(f"{torch.get_num_threads()} threads; {len(prompts)} real prompts, {len(terms)} content terms, batch 64")

    plain = SentenceTransformer(str(default_model_dir()), device="cpu")
    ours = SentenceTransformerEmbedder(memory_cache=0)  # no cache: measure the model itself
    print(f"promptsmith dtype: {ours.resolved_dtype}")
    for label, texts in (("real prompts", prompts), ("content terms", terms)):
        base = rate(lambda t: plain.encode(t, batch_size=64, show_progress_bar=False), texts)
        fast = rate(lambda t: ours._encode(t), texts)
        print(f"{label:>13}: baseline {base:7.0f}/s   promptsmith {fast:7.0f}/s   ({fast / base:.2f}×)")

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
