"""The trained writer against the rules engine and the gold briefs (issue 29's figures).

    python -m eval.craft_eval --split dev --out eval/reports/adapter              # the dev split
    python -m eval.craft_eval --shared --workers 2 --out /tmp/shared              # every shared prompt
    python -m eval.craft_eval --split dev --threads 2 --no-rows                   # latency at 2 threads

Each prompt is rewritten by the rules engine and by the `llm` engine in the trained write mode
(the packaged SmolLM2 with the packaged adapter); the corpus's gold brief rides along where there
is one. Per prompt: both briefs, whether the trained brief is the model's own draft or a
fallback (and why), the rejected draft, and the seconds the trained engine took. The summary
counts the own-draft share, the fallback reasons, latency p50/p95, and re-checks every output
with the ledger accounting (terms dropped, words invented) independently of the guard that chose
it. `rows.jsonl` feeds `python -m eval.judge pairs`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "eval" / "corpus" / "briefs.jsonl"
SHARED = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"


def records(split: str | None, shared: bool, limit: int) -> list[dict[str, Any]]:
    if shared:
        rows = [{"id": f"real-{i:04d}", "prompt": json.loads(line)["prompt"]}
                for i, line in enumerate(SHARED.read_text(encoding="utf-8").splitlines())]
        gold = {r["id"]: r["brief"] for r in _corpus()}
        for r in rows:
            if r["id"] in gold:
                r["gold"] = gold[r["id"]]
    else:
        rows = [{"id": r["id"], "prompt": r["prompt"], "gold": r["brief"]} for r in _corpus()
                if split in (None, "all", r["split"])]
    return rows[:limit] if limit else rows


def _corpus() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


_STATE: dict[str, Any] = {}


def _init(threads: int | None) -> None:
    from promptsmith.rewriters.llm.engine import get_llm_rewriter
    from promptsmith.rewriters.rules import Rewriter
    from promptsmith.settings import Settings

    _STATE["rules"] = Rewriter()
    _STATE["trained"] = get_llm_rewriter(Settings(llm_jobs=("write",), write_mode="trained", threads=threads))


def recheck(prompt: str, output: str) -> tuple[list[str], list[str]]:
    """Terms of the prompt the output does not keep, and words it adds, by the ledger accounting
    (the lexical check, independent of the guard; words the rules engine writes around terms and
    the writer's connectives are not counted as added)."""
    from promptsmith.core.accounting import account
    from promptsmith.core.fix import parse_mended
    from promptsmith.rewriters.llm.guard import normal_words

    llm = _STATE["trained"]
    acc = account(parse_mended(prompt)[0], parse_mended(output)[0])
    dropped = [p.text for t in acc.terms if t.status != "kept" for p in t.lost]
    allowed = normal_words(" ".join(llm.connectives(llm.rules.rewrite(prompt))))
    added = sorted({w for run in acc.added for w in normal_words(run.text) - allowed if not w.isdigit()})
    return dropped, added


def run_one(row: dict[str, Any]) -> dict[str, Any]:
    rules = _STATE["rules"].rewrite(row["prompt"])
    t0 = time.perf_counter()
    result = _STATE["trained"].rewrite(row["prompt"])
    seconds = time.perf_counter() - t0
    out = {**row, "rules": rules.output, "trained": result.output, "fallback": result.fallback,
           "draft": result.draft, "draft_rejected": result.draft_rejected, "repairs": result.repairs,
           "retries": result.retries,
           "model_wrote": bool(result.candidates) and result.fallback is None, "seconds": round(seconds, 3)}
    if result.candidates:
        out["dropped"], out["invented"] = recheck(row["prompt"], result.output)
        out["rules_dropped"], out["rules_invented"] = recheck(row["prompt"], rules.output)
    return out


def _chunk(args: tuple[list[dict[str, Any]], int | None]) -> list[dict[str, Any]]:
    rows, threads = args
    if not _STATE:
        _init(threads)
    return [run_one(r) for r in rows]


def reason_class(why: str) -> str:
    """A guard reason without its particulars: "dropped", "invented", "wording warnings", …"""
    words = why.split(" ")
    if why.startswith(("wording", "changed a", "dropped a count", "the model")):
        return " ".join(words[:3 if why.startswith(("dropped a count", "the model")) else 2])
    if why.startswith("made '") or "lost its order" in why:
        return "role or order"
    return words[0]


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    written = [r for r in rows if "dropped" in r]  # prompts with a brief to write (not kept as written)
    own = [r for r in written if r["model_wrote"]]
    reasons: Counter[str] = Counter()
    for r in written:
        if not r["model_wrote"]:
            for why in r["draft_rejected"] or [r["fallback"] or "?"]:
                reasons[reason_class(why)] += 1
    lat = sorted(r["seconds"] for r in written)
    return {
        "prompts": len(rows), "written": len(written), "own_draft": len(own),
        "own_draft_share": round(len(own) / max(1, len(written)), 4),
        "repaired": sum(1 for r in own if r.get("repairs")),
        "second_draft": sum(1 for r in own if r["retries"]),
        "fallback_reasons": dict(reasons.most_common()),
        "outputs_dropping": sum(1 for r in written if r["dropped"]),
        "outputs_inventing": sum(1 for r in written if r["invented"]),
        "rules_dropping": sum(1 for r in written if r["rules_dropped"]),
        "rules_inventing": sum(1 for r in written if r["rules_invented"]),
        "differs_from_rules": sum(1 for r in written if r["trained"] != r["rules"]),
        "latency_p50": round(statistics.median(lat), 3) if lat else 0.0,
        "latency_p95": round(lat[int(0.95 * (len(lat) - 1))], 3) if lat else 0.0,
        "latency_max": round(lat[-1], 3) if lat else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.craft_eval", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="dev", help="corpus split: dev, train or all")
    ap.add_argument("--shared", action="store_true", help="every prompt of the shared set instead")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="llama.cpp threads per process")
    ap.add_argument("--workers", type=int, default=1, help="processes (rows stay in input order)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--no-rows", action="store_true", help="print the summary only")
    args = ap.parse_args(argv)
    todo = records(args.split, args.shared, args.limit)
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    chunks = [todo[i : i + 25] for i in range(0, len(todo), 25)]
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
            for part in pool.map(_chunk, [(c, args.threads) for c in chunks]):
                rows += part
                print(f"\r{len(rows)}/{len(todo)}", end="", file=sys.stderr, flush=True)
    else:
        for c in chunks:
            rows += _chunk((c, args.threads))
            print(f"\r{len(rows)}/{len(todo)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    summary = {"source": "shared set" if args.shared else f"corpus {args.split} split", "threads": args.threads,
               "workers": args.workers, "wall_seconds": round(time.perf_counter() - t0, 1), **summarize(rows)}
    print(json.dumps(summary, indent=1))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        stem = "shared" if args.shared else args.split
        (args.out / f"summary-{stem}-t{args.threads}.json").write_text(json.dumps(summary, indent=1) + "\n")
        if not args.no_rows:
            with (args.out / f"rows-{stem}.jsonl").open("w", encoding="utf-8") as fh:
                for r in rows:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
