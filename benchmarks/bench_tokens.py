"""Benchmark: CLIP token counting over the real prompt set, promptsmith's counter against
`transformers`' CLIPTokenizer (the real vocabulary, from open-clip-torch) in the same run.

    python benchmarks/bench_tokens.py [--repeat 5]

Prints prompts/s for: promptsmith.core.tokens.clip_count with a warm per-word cache (the steady
state of a batch), the same from a cold cache (first pass), CLIPTokenizer one prompt per call, and
CLIPTokenizer on the whole list in one call (its batched Rust path); the ratios; and whether the
counts agree on every prompt. One core; interleaved rounds, best of `--repeat`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    prompts = [json.loads(line)["prompt"] for line in DATA.open(encoding="utf-8") if line.strip()]

    from promptsmith.core import tokens

    t0 = time.perf_counter()
    tokens._word_counts()  # the merges, loaded once per process
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    cold = [tokens.clip_count(p) for p in prompts]
    cold_rate = len(prompts) / (time.perf_counter() - t0)

    from core.test_tokens import clip_tokenizer  # the reference, built as the equality test builds it

    class _Skip(Exception):
        pass

    import pytest

    try:
        with tempfile.TemporaryDirectory() as tmp:
            ref = clip_tokenizer(Path(tmp))
    except pytest.skip.Exception as exc:  # type: ignore[attr-defined]
        raise SystemExit(f"needs the dev extras: {exc}") from None

    funcs = {
        "promptsmith clip_count (warm cache)": lambda items: [tokens.clip_count(p) for p in items],
        "CLIPTokenizer, one call per prompt": lambda items: [len(ref(p).input_ids) for p in items],
        "CLIPTokenizer, one batched call": lambda items: [len(i) for i in ref(items).input_ids],
    }
    best = {name: float("inf") for name in funcs}
    for _ in range(args.repeat):
        for name, func in funcs.items():
            t0 = time.perf_counter()
            func(prompts)
            best[name] = min(best[name], time.perf_counter() - t0)
    rates = {name: len(prompts) / t for name, t in best.items()}
    same = cold == [len(i) for i in ref(prompts).input_ids]

    print(f"{len(prompts)} prompts from {DATA.name}; best of {args.repeat}; merges loaded in {load * 1000:.0f} ms")
    print(f"  {'promptsmith clip_count (cold cache, first pass)':46s} {cold_rate:>12,.0f} prompts/s")
    base = rates["CLIPTokenizer, one call per prompt"]
    for name, rate in rates.items():
        print(f"  {name:46s} {rate:>12,.0f} prompts/s  ({rate / base:.1f}× CLIPTokenizer per prompt)")
    print(f"  counts equal on all {len(prompts)} prompts: {same}")


if __name__ == "__main__":
    main()
