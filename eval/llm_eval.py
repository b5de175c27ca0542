"""Rules vs LLM engines over real prompts: term recall, invented words, guard pass rate, fallback
reasons, latency; regenerates eval/examples-llm.md (30 before/after pairs of the llm engine).

    python -m eval.llm_eval [--limit 150] [--model PATH.gguf]

The llm engine is run with each job: rank (default), write (guarded), write with the
closed-vocabulary grammar. `auto` is the llm engine when a model loads (rank), else rules.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import Counter
from pathlib import Path

from eval.rewrite_eval import _strip, term_kept
from promptsmith.core.terms import split_terms
from promptsmith.core.lexicon import load_lexicon, normalize
from promptsmith.core.parse import parse

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"


def recall(text: str, result, lex) -> tuple[int, int]:
    removed = {normalize(c.before) for c in result.changes if c.rule in ("filler-quality-token", "negation-to-no")}
    no = " ".join(x for x in result.params if x.startswith("--no"))
    kept = total = 0
    for term in split_terms(parse(text).text):
        t, fillers = _strip(lex, term)
        removed |= {normalize(f) for f in fillers}
        if not t:
            continue
        total += 1
        kept += term_kept(t, result.output, no, removed, lex.phrase.get(normalize(t), ""))
    return kept, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=150)
    ap.add_argument("--model", default=None)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    from promptsmith.backends.llama_cpp import LlamaCppGenerator
    from promptsmith.services.llm import LlmRewriter
    from promptsmith.services.rewrite import Rewriter

    prompts = [json.loads(line)["prompt"] for line in args.data.open(encoding="utf-8") if line.strip()]
    rng = random.Random(args.seed)
    sample = rng.sample(prompts, min(args.limit, len(prompts)))
    gen = LlamaCppGenerator(args.model)
    engines = {
        "rules": Rewriter(),
        "llm rank": LlmRewriter(gen, jobs=("rank",)),
        "llm write": LlmRewriter(gen, jobs=("write",)),
        "llm write closed": LlmRewriter(gen, jobs=("write",), closed_vocabulary=True),
    }
    lex = load_lexicon()
    checker = engines["llm write"]
    rows = {}
    outputs: dict[str, list] = {}
    for name, engine in engines.items():
        kept = total = invented = 0
        times, fallbacks = [], Counter()
        written = accepted = 0
        results = []
        for text in sample:
            t0 = time.perf_counter()
            r = engine.rewrite(text)
            times.append(time.perf_counter() - t0)
            results.append(r)
            k, n = recall(text, r, lex)
            kept, total = kept + k, total + n
            report = checker.guard(r, r.output.split(" --")[0]) if r.output else None
            if report is not None and any(x.startswith("invented") for x in report.reasons):
                invented += 1
            if "write" in getattr(r, "jobs", []):
                written += 1
                accepted += r.fallback is None
                if r.fallback:
                    fallbacks[r.fallback.split(":")[1].split(" ")[1] if ":" in r.fallback else r.fallback] += 1
        outputs[name] = results
        rows[name] = {
            "recall": kept / max(1, total), "invented_share": invented / len(sample),
            "guard_pass": (accepted / written) if written else None, "fallbacks": dict(fallbacks),
            "p50_s": statistics.median(times), "p95_s": sorted(times)[int(0.95 * (len(times) - 1))],
        }
    print(f"{len(sample)} real prompts (seed {args.seed}), model {gen.name}")
    print(f"{'engine':<18} {'recall':>7} {'invented':>9} {'guard pass':>11} {'p50 s':>7} {'p95 s':>7}  fallback reasons")
    for name, row in rows.items():
        gp = "-" if row["guard_pass"] is None else f"{row['guard_pass']:.2f}"
        print(f"{name:<18} {row['recall']:7.3f} {row['invented_share']:9.3f} {gp:>11} {row['p50_s']:7.2f} "
              f"{row['p95_s']:7.2f}  {row['fallbacks'] or ''}")
    lines = ["# Before and after: 30 real prompts through the llm engine", "",
             f"Drawn at random (seed {args.seed}) from `../shared/data/prompts-real.jsonl` by",
             "`python -m eval.llm_eval`; model: the packaged SmolLM2-135M-Instruct (Q4_1).",
             "Each shows the rules brief, the llm rank brief and the llm write result (or its fallback reason).", ""]
    for i in range(min(30, len(sample))):
        lines += [f"## {i + 1}", "", f"> {sample[i]}", "",
                  f"- rules: {outputs['rules'][i].output}",
                  f"- llm rank: {outputs['llm rank'][i].output}"]
        w = outputs["llm write"][i]
        lines.append(f"- llm write: {w.output}" + (f"  \n  _fell back_: {w.fallback}" if w.fallback else ""))
        lines.append("")
    (ROOT / "eval" / "examples-llm.md").write_text("\n".join(lines), encoding="utf-8")
    print("wrote eval/examples-llm.md")


if __name__ == "__main__":
    main()
