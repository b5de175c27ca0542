"""Benchmark: the rules rewrite of 200,000 prompts in one process, with `--workers 2`, and on a
local Ray with 2 CPUs (`promptsmith batch rewrite`), in the same run.

    python benchmarks/bench_ray.py [--n 200000] [--cpus 2] [--blocks 256,1024,4096] [--sweep 40000]

The prompts are the shared set expanded through permutations and variations (a `{a, b}`
permutation of the first two fragments, parameters appended, fragments rotated); the script
prints how many are distinct (about a third: short prompts have few variations), which does not
flatter any mode, as the rewriter keeps no per-prompt cache. Each mode runs as its own process
tree, as a user runs it; for each it prints the wall
time, the throughput, the start-up overhead (the same command over 64 prompts) and the peak
memory of the whole tree (the sum of the processes' PSS, so Ray's shared object store counts
once), and checks that every mode wrote the same records. First it measures Ray's time per
block at a few block sizes on a sample, and runs the full set at the best one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"
SUFFIXES = (
    "",
    " --ar 3:2",
    " --s 250",
    " --v 5.2",
    " --no people",
    " --chaos 20 --ar 16:9",
    " --q 2",
    " --v 6 --style raw",
    " --ar 2:3 --s 50",
    " --tile",
)


def expanded(prompts: list[str], n: int) -> list[str]:
    """`n` prompts from the shared set: the originals, then permutations and variations."""
    from promptsmith.core.permute import expand

    out: list[str] = []
    k = 0
    while len(out) < n:
        text = prompts[k % len(prompts)]
        round_ = k // len(prompts)
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if round_ and len(parts) > 2:
            shift = round_ % len(parts)
            parts = parts[shift:] + parts[:shift]  # the same fragments in another order
        if round_ % 4 == 1 and len(parts) >= 2:
            out.extend(expand("{" + parts[0] + ", " + parts[1] + "}, " + ", ".join(parts[2:]))[:2])
        else:
            out.append(", ".join(parts) + SUFFIXES[round_ % len(SUFFIXES)] if parts else text)
        k += 1
    return out[:n]


def write_jsonl(path: Path, prompts: list[str]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i, p in enumerate(prompts):
            fh.write(json.dumps({"id": i, "prompt": p}) + "\n")


class TreeMemory:
    """Samples the summed PSS of a process and all its descendants; keeps the peak."""

    def __init__(self, pid: int, every: float = 0.25) -> None:
        import psutil

        self.root, self.every, self.peak = psutil.Process(pid), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                try:
                    total += p.memory_full_info().pss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run(cmd: list[str], stdout: Path | None = None) -> tuple[float, int]:
    """(wall seconds, peak tree memory in bytes) of one command."""
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        RAY_ENABLE_UV_RUN_RUNTIME_ENV="0",
    )
    out = stdout.open("wb") if stdout else subprocess.DEVNULL
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env)
    mem = TreeMemory(proc.pid)
    code = proc.wait()
    wall = time.perf_counter() - t0
    peak = mem.stop()
    if stdout:
        out.close()
    if code not in (0, 1):  # 1: some brief is not lint-clean, as the CLI reports it
        raise SystemExit(f"{' '.join(cmd)} exited {code}")
    return wall, peak


def digest(path: Path) -> tuple[int, str]:
    """(records, a hash of them without the per-record timing `seconds`)."""
    h = hashlib.sha256()
    n = 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            rec.pop("seconds", None)
            h.update(json.dumps(rec, sort_keys=True).encode())
            n += 1
    return n, h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--blocks", default="256,1024,4096", help="block sizes (rows) tried on the sample")
    ap.add_argument("--sweep", type=int, default=40_000, help="prompts in the block-size sample")
    args = ap.parse_args()
    py = sys.executable
    cli = [py, "-m", "promptsmith"]
    prompts = [json.loads(line)["prompt"] for line in DATA.open(encoding="utf-8") if line.strip()]
    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    big, small, sample = work / "prompts.jsonl", work / "small.jsonl", work / "sample.jsonl"
    texts = expanded(prompts, args.n)
    write_jsonl(big, texts)
    write_jsonl(small, texts[:64])
    write_jsonl(sample, texts[: args.sweep])
    print(
        f"{args.n:,} prompts ({len(set(texts)):,} distinct) from {len(prompts):,} shared ones, "
        f"{big.stat().st_size / 1e6:.0f} MB of JSONL; {os.cpu_count()} CPUs here, Ray given {args.cpus}"
    )

    def single(src: Path, dst: Path) -> tuple[float, int]:
        return run(cli + ["rewrite", "--engine", "rules", "--format", "jsonl", "-f", str(src)], stdout=dst)

    def workers(src: Path, dst: Path) -> tuple[float, int]:
        return run(
            cli + ["rewrite", "--engine", "rules", "--format", "jsonl", "--workers", str(args.cpus), "-f", str(src)],
            stdout=dst,
        )

    def on_ray(src: Path, dst: Path, block: int) -> tuple[float, int]:
        return run(
            cli
            + [
                "batch",
                "rewrite",
                str(src),
                str(dst),
                "--num-cpus",
                str(args.cpus),
                "--block-rows",
                str(block),
                "--no-progress",
            ]
        )

    # Ray's cost per block: the sample at each block size
    print(f"\nblock size on {args.sweep:,} prompts (Ray, {args.cpus} CPUs):")
    sweep: dict[int, float] = {}
    for block in (int(b) for b in args.blocks.split(",")):
        wall, _ = on_ray(sample, work / f"sweep-{block}.jsonl", block)
        sweep[block] = wall
        print(
            f"  {block:>6} rows/block  {args.sweep // block + 1:>5} blocks  {wall:7.1f} s  "
            f"{args.sweep / wall:8,.0f} prompts/s"
        )
    best = min(sweep, key=sweep.get)
    blocks = sorted(sweep)
    if len(blocks) >= 2:  # wall = fixed + blocks × per_block + work: the slope between the extremes
        lo, hi = blocks[0], blocks[-1]
        per_block = (sweep[lo] - sweep[hi]) / max(1, (args.sweep // lo) - (args.sweep // hi))
        print(
            f"  ≈ {per_block * 1000:.1f} ms of scheduling per block (the slope between {lo} and {hi} rows); "
            f"best: {best}"
        )

    modes = {
        "single process": lambda src, dst: single(src, dst),
        f"--workers {args.cpus}": lambda src, dst: workers(src, dst),
        f"Ray local, {args.cpus} CPUs": lambda src, dst: on_ray(src, dst, best),
    }
    results = {}
    for name, fn in modes.items():
        startup, _ = fn(small, work / "small-out.jsonl")
        out = work / f"out-{len(results)}.jsonl"
        wall, peak = fn(big, out)
        n, h = digest(out)
        results[name] = (wall, startup, peak, n, h)
    base = results["single process"][0]
    print(
        f"\n{'mode':<22}{'wall s':>9}{'prompts/s':>11}{'vs single':>11}{'start-up s':>12}{'peak MiB':>10}"
        f"{'records':>10}  digest"
    )
    for name, (wall, startup, peak, n, h) in results.items():
        print(
            f"{name:<22}{wall:9.1f}{args.n / wall:11,.0f}{base / wall:10.2f}×{startup:12.1f}{peak / 2**20:10,.0f}"
            f"{n:10,}  {h}"
        )
    same = len({r[4] for r in results.values()}) == 1 and all(r[3] == args.n for r in results.values())
    print("every mode wrote the same records (timing field aside):", "yes" if same else "NO")
    steady = {name: args.n / max(1e-9, wall - startup) for name, (wall, startup, *_rest) in results.items()}
    print("steady rate (start-up taken off): " + ", ".join(f"{k} {v:,.0f}/s" for k, v in steady.items()))


if __name__ == "__main__":
    main()
