"""The latency of `promptsmith compare A B`, cold (a new process) and warm, against
`SentenceTransformer.encode` of the same two texts in the same run.

    python benchmarks/bench_compare.py [--rounds 5]

Cold: a fresh process runs the whole command (start-up, imports, model load, term accounting, two
embeddings, output); the baseline is a fresh process that imports sentence-transformers, loads
all-MiniLM-L6-v2 and encodes the two texts, nothing else. Warm: one `compare` in a process whose
model is loaded, on a pair it has not seen, against one `encode` of the same two texts. Runs take
turns within each round, so the VM's slow minutes hit every row alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"
A = "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, 8k --ar 2:3"
B = "A portrait of an old fisherman, an oil painting in the style of Rembrandt, with dramatic lighting. --ar 2:3"

BASELINE = """
from sentence_transformers import SentenceTransformer
from promptsmith.backends.sentence_embedder import default_model_dir
m = SentenceTransformer(str(default_model_dir()), device="cpu")
m.encode([{a!r}, {b!r}], normalize_embeddings=True, show_progress_bar=False)
"""


def timed(cmd: list[str]) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t0
    if out.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:3]} failed: {out.stderr[-500:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    cli = [sys.executable, "-m", "promptsmith", "compare", A, B]
    base = [sys.executable, "-c", BASELINE.format(a=A, b=B)]
    cold: dict[str, list[float]] = {"promptsmith compare A B": [], "sentence-transformers encode": []}
    for _ in range(args.rounds):
        cold["promptsmith compare A B"].append(timed(cli))
        cold["sentence-transformers encode"].append(timed(base))
    print(f"cold, a new process each time ({args.rounds} rounds, median (min–max)):")
    ref = statistics.median(cold["sentence-transformers encode"])
    for name, values in cold.items():
        mid = statistics.median(values)
        print(f"  {name:>30} {mid:6.2f} s ({min(values):.2f}–{max(values):.2f})   {mid / ref:5.2f}× encode")

    from sentence_transformers import SentenceTransformer

    from promptsmith.backends.sentence_embedder import SentenceTransformerEmbedder, default_model_dir
    from promptsmith.rewriters.rules import Rewriter
    from promptsmith.services.compare import compare

    prompts = [json.loads(line)["prompt"] for line in DATA.open(encoding="utf-8")][-80:]
    rewriter = Rewriter()
    pairs = [(p, rewriter.rewrite(p).output) for p in prompts]
    model = SentenceTransformer(str(default_model_dir()), device="cpu")
    embedder = SentenceTransformerEmbedder()
    compare(A, B, embedder=embedder)
    model.encode([A, B], show_progress_bar=False)
    ours, theirs = [], []
    for a, b in pairs:  # pairs never seen: both texts are embedded
        t0 = time.perf_counter()
        compare(a, b, embedder=embedder)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.encode([a, b], normalize_embeddings=True, show_progress_bar=False)
        theirs.append(time.perf_counter() - t0)
    mid_o, mid_t = statistics.median(ours), statistics.median(theirs)
    print(f"warm, one new pair ({len(pairs)} pairs, median, p90):")
    print(
        f"  {'promptsmith compare':>30} {mid_o * 1000:6.1f} ms  p90 {sorted(ours)[int(0.9 * len(ours))] * 1000:.1f} ms"
        f"   {mid_o / mid_t:5.2f}× encode"
    )
    print(
        f"  {'sentence-transformers encode':>30} {mid_t * 1000:6.1f} ms  p90 "
        f"{sorted(theirs)[int(0.9 * len(theirs))] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
