"""Meaning preservation over the real prompt set: original ↔ rules rewrite, with real MiniLM.

    python -m eval.compare_eval [--data PATH] [--limit N]

Prints the distribution of original↔rewrite similarity (and, as a floor, original↔another
prompt), the verdicts, and the terms the rewriter drops or adds most often.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"


def percentiles(values: list[float], points=(1, 5, 10, 25, 50, 75, 90)) -> str:
    ordered = sorted(values)
    out = []
    for p in points:
        k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
        out.append(f"p{p} {ordered[k]:.3f}")
    return "  ".join(out)


def histogram(values: list[float], lo: float = 0.0, hi: float = 1.0, bins: int = 10, width: int = 40) -> str:
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int((v - lo) / (hi - lo) * bins)))] += 1
    top = max(counts) or 1
    rows = []
    for i, c in enumerate(counts):
        a = lo + (hi - lo) * i / bins
        rows.append(f"  {a:.1f}–{a + (hi - lo) / bins:.1f} {'█' * round(c / top * width):<{width}} {c}")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    from promptsmith.services.compare import compare_many, default_embedder
    from promptsmith.services.rewrite import Rewriter

    prompts = [json.loads(line)["prompt"] for line in args.data.open(encoding="utf-8") if line.strip()]
    if args.limit:
        prompts = prompts[: args.limit]
    rewriter = Rewriter()
    embedder = default_embedder()
    t0 = time.perf_counter()
    own, verdicts = [], Counter()
    dropped, added = Counter(), Counter()
    rng = random.Random(args.seed)
    outs = [rewriter.rewrite(text).output for text in prompts]
    others = []
    for i in range(len(prompts)):
        j = rng.randrange(len(prompts) - 1)
        others.append(prompts[j + (j >= i)])
    for c in compare_many(zip(prompts, outs), embedder=embedder):
        own.append(c.similarity)
        verdicts[c.verdict] += 1
        dropped.update(t.lower() for t in c.dropped)
        added.update(t.lower() for t in c.added)
    other = [c.similarity for c in compare_many(zip(others, outs), embedder=embedder)]
    elapsed = time.perf_counter() - t0
    n = len(prompts)
    print(f"pairs: {n} (rules rewrite vs its original), {elapsed:.1f} s ({n / elapsed:.0f} pairs/s, model {embedder.name})")
    print(f"original ↔ rewrite:        {percentiles(own)}")
    print(f"another prompt ↔ rewrite:  {percentiles(other)}")
    print(f"rewrite closer to its own original than to another prompt: {sum(a > b for a, b in zip(own, other)) / n:.3f}")
    print("original ↔ rewrite histogram:\n" + histogram(own))
    print("verdicts: " + ", ".join(f"{k} {v} ({v / n:.1%})" for k, v in verdicts.most_common()))
    print("most often dropped: " + (", ".join(f"{t!r}×{c}" for t, c in dropped.most_common(15)) or "none"))
    print("most often added:   " + (", ".join(f"{t!r}×{c}" for t, c in added.most_common(15)) or "none"))


if __name__ == "__main__":
    main()
