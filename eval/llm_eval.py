"""The LLM engine against the rules engine over diverse real prompts (issue 17).

    python -m eval.llm_eval [--limit 60] [--eval-models DIR] [--threads 1]

Draws `--limit` prompts from the shared set at random (seed 7), each template counted once, and
runs: the rules engine; SmolLM2 (the packaged model) ranking the rules phrasings; SmolLM2
span-locked writing; and, when `../shared/tools/get-eval-models.sh` has assembled them (eval
only, never a default), span-locked writing with Qwen2.5-Coder 0.5B and 1.5B.

For each it reports: the guard's verdict on the brief (the same guard, on the term ledger, for
every engine): pass share, outputs with an invented term, outputs with a dropped term; the
brief-quality figures of eval/brief.py (sentence share among prompts with four or more content
words, defect-free share); how often the model's sentence was used (not a fallback); and p50/p95
seconds per prompt. It writes eval/examples-llm.md: the first 30 prompts with every engine's
brief, and eval/reports/llm/metrics.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from eval.brief import content_words, dedupe_templates, defects, is_sentence

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"
EVAL_MODELS = Path.home() / ".cache" / "promptsmith-eval"
QWEN = {"qwen 0.5B lock": "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "qwen 1.5B lock": "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"}


def sample(limit: int, seed: int, data: Path = DATA) -> list[str]:
    """`limit` prompts at random, one per template, in a fixed order."""
    records = [json.loads(line) for line in data.open(encoding="utf-8") if line.strip()]
    unique = dedupe_templates(records)
    return [r["prompt"] for r in random.Random(seed).sample(unique, min(limit, len(unique)))]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))] if ordered else 0.0


def run(name: str, engine: Any, prompts: list[str], judge: Any) -> dict[str, Any]:
    """Every prompt through one engine, judged by the one guard against the rules result."""
    rows = []
    for text in prompts:
        t0 = time.perf_counter()
        result = engine.rewrite(text)
        seconds = time.perf_counter() - t0
        rules = judge.rules.rewrite(text)
        body = result.output
        for p in result.params:
            body = body.replace(p, "")
        body = " ".join(body.split())
        report = judge.guard(rules, body) if rules.candidates else None
        reasons = report.reasons if report is not None else []
        model_sentence = bool(getattr(result, "jobs", None)) and result.fallback is None
        rows.append({
            "prompt": text, "output": result.output, "seconds": seconds, "reasons": reasons,
            "fallback": result.fallback, "model_sentence": model_sentence,
            "sentence": is_sentence(result.output), "defects": defects(result.output),
            "long": len(content_words(text)) >= 4, "judged": report is not None,
        })
    judged = [r for r in rows if r["judged"]]
    long = [r for r in rows if r["long"]]
    times = [r["seconds"] for r in rows]
    return {
        "engine": name, "prompts": len(rows),
        "guard_pass": sum(not r["reasons"] for r in judged) / max(1, len(judged)),
        "invented": sum(any(x.startswith("invented") for x in r["reasons"]) for r in judged),
        "dropped": sum(any(x.startswith("dropped") for x in r["reasons"]) for r in judged),
        "sentence_share": sum(r["sentence"] for r in long) / max(1, len(long)),
        "defect_free": sum(not r["defects"] for r in rows) / max(1, len(rows)),
        "model_sentences": sum(r["model_sentence"] for r in rows),
        "p50_s": statistics.median(times) if times else 0.0, "p95_s": percentile(times, 0.95),
        "rows": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: physical cores less one)")
    ap.add_argument("--eval-models", type=Path, default=EVAL_MODELS,
                    help="folder of get-eval-models.sh (the Qwen rows are skipped when it is missing)")
    ap.add_argument("--engines", default="rules,smollm2 rank,smollm2 lock,qwen 0.5B lock,qwen 1.5B lock")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "llm")
    args = ap.parse_args()

    from promptsmith.backends.fake import ScriptedGenerator
    from promptsmith.backends.llama_cpp import LlamaCppGenerator
    from promptsmith.rewriters.llm.rewriter import LlmRewriter
    from promptsmith.rewriters.rules import Rewriter

    prompts = sample(args.limit, args.seed, args.data)
    judge = LlmRewriter(ScriptedGenerator())  # the guard reads the ledger, never the model
    smol = LlamaCppGenerator(n_threads=args.threads)
    makers: dict[str, Any] = {
        "rules": lambda: Rewriter(),
        "smollm2 rank": lambda: LlmRewriter(smol, jobs=("rank",)),
        "smollm2 lock": lambda: LlmRewriter(smol, jobs=("write",)),
    }
    for name, file in QWEN.items():
        path = args.eval_models / file
        if path.is_file():
            makers[name] = (lambda p=path: LlmRewriter(LlamaCppGenerator(str(p), n_threads=args.threads),
                                                       jobs=("write",), template="chatml"))
    reports = []
    for name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        if name not in makers:
            print(f"{name}: skipped (no model at {args.eval_models})")
            continue
        engine = makers[name]()
        if hasattr(engine, "gen"):
            engine.rewrite(prompts[0])  # load the model and its prompt's prefix: not counted
        reports.append(run(name, engine, prompts, judge))
        r = reports[-1]
        print(f"{name:<16} guard {r['guard_pass']:.3f}  invented {r['invented']}  dropped {r['dropped']}  "
              f"sentence {r['sentence_share']:.3f}  defect-free {r['defect_free']:.3f}  "
              f"model's sentence {r['model_sentences']}/{r['prompts']}  p50 {r['p50_s']:.2f} s  p95 {r['p95_s']:.2f} s",
              flush=True)
    print(f"\n{len(prompts)} prompts (seed {args.seed}, templates counted once), threads {smol.n_threads}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "metrics.json").write_text(json.dumps(
        [{k: v for k, v in r.items() if k != "rows"} for r in reports], indent=2) + "\n")
    (args.out / "rows.jsonl").write_text("".join(json.dumps({"engine": r["engine"], **row}, ensure_ascii=False) + "\n"
                                                 for r in reports for row in r["rows"]), encoding="utf-8")
    lines = ["# The llm engine, prompt by prompt", "",
             f"30 of the {len(prompts)} prompts `python -m eval.llm_eval` draws (seed {args.seed}, one per",
             "template), with each engine's brief; a fallback says why the model's sentence was not used.", ""]
    for i in range(min(30, len(prompts))):
        lines += [f"## {i + 1}", "", f"> {prompts[i]}", ""]
        for r in reports:
            row = r["rows"][i]
            note = f"  \n  _fell back_: {row['fallback']}" if row["fallback"] else ""
            lines.append(f"- **{r['engine']}**: {row['output']}{note}")
        lines.append("")
    (ROOT / "eval" / "examples-llm.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out / 'metrics.json'}, {args.out / 'rows.jsonl'} and eval/examples-llm.md")


if __name__ == "__main__":
    main()
