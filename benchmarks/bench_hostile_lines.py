"""Doubling benchmark for the lines that took quadratic time (issue 32): each hostile shape at n
and 2n repeats, through parse, lint, fix and rewrite, with the ratio t(2n)/t(n) (about 2 when the
time is linear in the line, about 4 when it is quadratic). The baseline, in the same process, is
the same work on plain prose of the same length.

    python benchmarks/bench_hostile_lines.py [--n 2000] [--rounds 3] [--only lint]

To see the code before a change, point PYTHONPATH at an older checkout (`git archive`) and run
this same file; keep --n small there (the quadratic shapes took minutes at n=5000).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import promptsmith as ps

SHAPES: dict[str, Callable[[int], str]] = {
    "duplicate --ar (n×)": lambda n: "cat " + " ".join(["--ar 1:1"] * n),
    "nested braces (n deep)": lambda n: "{" * n + "a" + "}" * n,
    "glued params (n×)": lambda n: "--c 0 0" + "--c 0" * n,
    "prose (baseline)": lambda n: "a red fox in snow, " * (n // 4),  # under the 50,000-character bound
}
OPS: dict[str, Callable[[str], object]] = {
    "parse": ps.parse,
    "lint": ps.lint,
    "fix": lambda t: ps.fix(t, unsafe=True),
    "rewrite": ps.rewrite,
}


def best(fn: Callable[[str], object], text: str, rounds: int) -> float:
    times = []
    for k in range(rounds):
        fresh = f"{k} {text}"  # a text not seen before: parse and lint keep a small memo
        t0 = time.perf_counter()
        fn(fresh)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", choices=sorted(OPS), action="append")
    args = ap.parse_args()
    ps.lint("warm up, 8k --ar 3:2")
    ps.rewrite("warm up, 8k --ar 3:2")
    n = args.n
    print(f"n={n}, best of {args.rounds}; ratio = t(2n)/t(n): ~2 linear, ~4 quadratic")
    print(f"{'shape':26} {'op':8} {'chars(n)':>9} {'t(n) s':>9} {'t(2n) s':>9} {'ratio':>6} {'vs prose':>9}")
    for op in args.only or list(OPS):
        fn = OPS[op]
        base = None
        rows = []
        for shape, make in SHAPES.items():
            small, large = make(n), make(2 * n)
            t1, t2 = best(fn, small, args.rounds), best(fn, large, args.rounds)
            if shape.startswith("prose"):
                base = (len(large), t2)
            rows.append((shape, len(small), t1, t2, len(large)))
        for shape, chars, t1, t2, chars2 in rows:
            # time per character of the 2n line against prose's time per character
            per_char = (t2 / chars2) / (base[1] / base[0]) if base and base[1] else float("nan")
            print(f"{shape:26} {op:8} {chars:9d} {t1:9.4f} {t2:9.4f} {t2 / t1:6.2f} {per_char:8.1f}×")


if __name__ == "__main__":
    main()
