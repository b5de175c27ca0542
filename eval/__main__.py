"""`python -m eval`: run engines over datasets, report, and gate on thresholds.

    python -m eval --dataset real --engines identity,rules --ablation --out eval/reports/real
    python -m eval --dataset real --sample 300 --engines rules --gate eval/thresholds.toml --no-plots
    python -m eval --dataset curated --engines rules,llm --model path/to/model.gguf
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from eval.harness import EngineSpec, Report, ablation, aggregate, check_gate, cpu_count, load_dataset, run_engine, sample, write_report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="real", help="real, curated, or a .jsonl path")
    ap.add_argument("--engines", default="identity,rules", help="comma list of identity, rules, llm, auto")
    ap.add_argument("--model", default=None, help="GGUF for the llm/auto engines")
    ap.add_argument("--sample", type=int, default=0, help="evaluate a fixed sample of N prompts (0: all)")
    ap.add_argument("--workers", type=int, default=1, help="processes (results are identical for any number)")
    ap.add_argument("--ablation", action="store_true", help="run the rules engine with each rule switched off")
    ap.add_argument("--gate", type=Path, default=None, help="thresholds TOML; exit 1 when the rules engine misses one")
    ap.add_argument("--out", type=Path, default=None, help="report folder (metrics.json, report.md, plots)")
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("--render-backend", default=None, help="render server URL: CLIP-score v5 vs v6 previews")
    ap.add_argument("--pipeline", default=None, help="or a local diffusers pipeline folder")
    ap.add_argument("--clip-model", default=None, help="CLIP folder for the preview scores")
    ap.add_argument("--render-sample", type=int, default=20, help="prompts to render (each twice, 4 images)")
    ap.add_argument("--family", default="sdxl")
    args = ap.parse_args(argv)

    records = sample(load_dataset(args.dataset), args.sample)
    progress = sys.stderr.isatty()
    workers = min(args.workers, cpu_count())
    engines: dict[str, dict[str, float]] = {}
    rows = {}
    for name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        kind = name if name in ("identity", "rules", "llm", "auto") else None
        if kind is None:
            ap.error(f"unknown engine {name!r}")
        spec = EngineSpec(name, kind, model=args.model)
        rows[name] = run_engine(spec, records, workers=workers, progress=progress)
        engines[name] = aggregate(rows[name])
    report = Report(dataset=f"{args.dataset} ({len(records)} prompts)", engines=engines, rows=rows)
    if args.ablation and "rules" in engines:
        report.ablation = ablation(records, engines["rules"], workers=workers)
    if (args.render_backend or args.pipeline) and args.clip_model:
        from eval.harness import clip_comparison
        from promptsmith.backends.clip import ClipScorer

        if args.render_backend:
            from promptsmith.backends.http import HttpRenderer

            renderer = HttpRenderer(args.render_backend, token=None)
        else:
            from promptsmith.backends.diffusers import DiffusersRenderer

            renderer = DiffusersRenderer(args.pipeline)
        report.clip = clip_comparison(sample(records, args.render_sample), renderer, ClipScorer(args.clip_model),
                                      family=args.family)
        print(f"CLIP v5 {report.clip['clip_v5']:.4f} · v6 {report.clip['clip_v6']:.4f}")
    if args.gate is not None:
        with args.gate.open("rb") as fh:
            thresholds = tomllib.load(fh)
        target = engines.get("rules") or next(iter(engines.values()))
        report.gate = check_gate(target, thresholds.get("rules", thresholds))
    for name, agg in engines.items():
        print(f"{name:>10}: " + "  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in agg.items()))
    for rule, moves in report.ablation.items():
        print(f"  -{rule}: " + (", ".join(f"{m} {d:+.4f}" for m, d in moves.items()) or "no change"))
    if args.out is not None:
        path = write_report(report, args.out, plots=not args.no_plots)
        print(f"wrote {path} and {args.out / 'metrics.json'}")
    if report.gate:
        print("GATE FAILED: " + "; ".join(report.gate), file=sys.stderr)
        return 1
    if args.gate is not None:
        print("gate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
