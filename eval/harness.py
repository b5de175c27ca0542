"""The evaluation harness: engines × datasets → per-prompt metrics → aggregates, ablations, reports.

Metrics (per prompt, then averaged):
- recall: share of the input's content terms (filler removed) found in the output, moved to
  --no, or removed by a named rule;
- invented: output words that are in neither the input, the lexicons' phrases nor the composer's
  connectives (a word the engine made up);
- filler_removed: share of the input's filler terms gone from the output; filler_left: count;
- params_preserved: share of non-legacy parameters still present;
- lint_clean: no wording warnings (PS2xx) left;
- order_ok: the slots appear in brief order (subject → medium → style → lighting → colour →
  composition → mood);
- length: words out / words in; latency: seconds per prompt;
- brief quality (issue 15, eval/brief.py): sentence (the output reads as a sentence; None when the
  input has fewer than 4 content words), defects (visible defect classes) and defect_free,
  respelled (output words spelled otherwise than the input: US/UK, a name's case), word_recall
  (plain share of the input's content words in the output).

The brief-quality aggregates count each template once (`eval.brief.dedupe_templates`: the shared
set repeats one template ~600 times with a different first term), and so do `recall_unique`,
`params_preserved_unique` and `lint_clean_unique`, the issue's other figures; the METRICS means keep
counting every row, as the gate's bounds for them always have. `measure_speed` times whole-process
throughput.

Per-prompt metrics except latency are deterministic, so results are identical for any number of
worker processes.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

# Workers are spawned, not forked: a fork after torch, llama.cpp or a server thread has started
# can copy a held lock into the child and hang it.
_SPAWN = multiprocessing.get_context("spawn")

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"
CURATED = ROOT / "eval" / "datasets" / "curated.jsonl"
SLOT_ORDER = ("subject", "medium", "style", "lighting", "colour", "composition", "mood")
METRICS = ("recall", "invented", "filler_removed", "filler_left", "params_preserved", "param_errors", "lint_clean",
           "order_ok", "length", "latency")
#: Brief-quality aggregates (issue 15): shares and means but `respelled`, a total count.
BRIEF_METRICS = ("sentence_share", "defect_free", "respelled", "word_recall")
#: Measured by `measure_speed`, not per prompt: a gate skips their bounds when they were not measured.
SPEED_METRICS = ("speed_prompts_per_s", "speed_inprocess_prompts_per_s")
#: Higher is better for these; lower for the rest (invented, filler_left, latency, respelled).
HIGHER_IS_BETTER = {"recall", "filler_removed", "params_preserved", "lint_clean", "order_ok", "sentence_share",
                    "defect_free", "word_recall", "recall_unique", "params_preserved_unique", "lint_clean_unique",
                    *SPEED_METRICS}


def load_dataset(name: str | Path) -> list[dict[str, Any]]:
    """`real`, `curated`, or a .jsonl path: records with at least a "prompt"."""
    path = REAL if str(name) == "real" else CURATED if str(name) == "curated" else Path(name)
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _words(text: str) -> set[str]:
    """The ledger's normal forms of every word (one normal form for the rewriter and its eval)."""
    from promptsmith.core.spelling import all_keys

    return all_keys(text)


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Words an engine may add: lexicon phrases and display names, connectives, function words."""
    from promptsmith.core.lexicon import load_lexicon
    from promptsmith.rewriters.rules.registry import load_rewrite_rules

    lex = load_lexicon()
    words: set[str] = set()
    for table in (lex.phrase, lex.display):
        for value in table.values():
            words |= _words(value)
    for forms in load_rewrite_rules().connectives.values():
        for form in forms:
            words |= _words(form.replace("{x}", ""))
    words |= _words("a an the of in on at with and by for to as its their under from photograph painting "
                    "atmosphere mood style manner lit palette composed tones light composition")
    return frozenset(words)


def score(record: dict[str, Any], output: str, changes: list[dict[str, Any]], params: list[str],
          diagnostics: list[dict[str, Any]], latency: float) -> dict[str, Any]:
    """The metrics of one rewrite (deterministic but for latency)."""
    from eval import brief
    from promptsmith.core.accounting import account
    from promptsmith.core.fix import parse_mended
    from promptsmith.core.lexicon import load_lexicon, normalize
    from promptsmith.core.parse import parse
    from promptsmith.core.spec import load_spec

    lex = load_lexicon()
    text = record["prompt"]
    source = parse(text)
    out = parse(output)
    removed = {normalize(c["before"]) for c in changes if c["rule"] in ("filler-quality-token", "negation-to-no")}
    have = _words(out.text) | _words(" ".join(p for p in params if p.startswith("--no")))
    fillers_in = len(lex.filler_spans(source.text))
    for s, e in lex.filler_spans(source.text):
        removed.add(normalize(source.text[s:e]))
    # content-term recall: the term accounting that compare and the LLM guard read
    accounted = account(parse_mended(text)[0], parse_mended(output)[0]).terms
    total = len(accounted)
    kept = sum(t.status == "kept" or normalize(t.term) in removed for t in accounted)
    expected = [t.lower() for t in record.get("expected_kept", [])]
    for term in expected:  # the curated set names terms that must survive verbatim
        total += 1
        kept += _words(term) <= have
    invented = sorted(w for w in _words(out.text) - _words(text) - _vocabulary() if not w.isdigit())
    filler_left = len(lex.filler_spans(out.text))
    spec = load_spec()
    p_total = p_kept = 0
    for p in source.params:
        ps = spec.params.get(p.name)
        if ps is None or ps.legacy or p.name in ("width", "height", "version", "hd"):
            continue
        p_total += 1
        p_kept += any(x.startswith("--" + (ps.render or p.name)) for x in params)
    wording = [d for d in diagnostics if d["code"].startswith("PS2") and d["severity"] != "info"]
    param_errors = sum(1 for d in diagnostics if d["code"][:3] in ("PS1", "PS4") and d["severity"] == "error")
    found = brief.defects(output)
    respelled = brief.respelled(text, output)
    return {
        "recall": kept / total if total else 1.0,
        "invented": len(invented),
        "invented_words": invented,
        "filler_removed": 1.0 - min(filler_left, fillers_in) / fillers_in if fillers_in else 1.0,
        "filler_left": filler_left,
        "params_preserved": p_kept / p_total if p_total else 1.0,
        "param_errors": param_errors,
        "lint_clean": 0.0 if wording else 1.0,
        "order_ok": _order_ok(output, record),
        "length": len(out.text.split()) / max(1, len(source.text.split())),
        "latency": latency,
        "diagnostics": sorted({d["code"] for d in diagnostics}),
        **_brief_fields(text, output),
        "defects": found,
        "defect_free": 0.0 if found else 1.0,
        "respelled": len(respelled),
        "respelled_words": [list(pair) for pair in respelled],
        "word_recall": brief.word_recall(text, output, removed),
    }


def _brief_fields(text: str, output: str) -> dict[str, Any]:
    """`sentence`: 1/0 when the input has at least 4 content words, else None."""
    from eval import brief

    if len(brief.content_words(text)) < 4:
        return {"sentence": None}
    return {"sentence": 1.0 if brief.is_sentence(output) else 0.0}


def _order_ok(output: str, record: dict[str, Any]) -> float:
    """1 when the expected slot phrases (curated set) or none (real set) appear in brief order."""
    slots = record.get("expected_slots")
    if not slots:
        return 1.0
    low = output.lower()
    positions = []
    for slot in SLOT_ORDER:
        for phrase in slots.get(slot, []):
            k = low.find(phrase.lower())
            if k < 0:
                return 0.0
            positions.append(k)
    return 1.0 if positions == sorted(positions) else 0.0


# -- engines ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EngineSpec:
    """An engine to evaluate: identity, rules (optionally with one rule off), llm or auto."""

    name: str
    kind: str
    off: str | None = None
    model: str | None = None


_ENGINES: dict[EngineSpec, Any] = {}


def _engine(spec: EngineSpec) -> Any:
    if spec not in _ENGINES:
        if spec.kind == "rules":
            from promptsmith.rewriters.rules import Rewriter
            from promptsmith.rewriters.rules.registry import load_rewrite_rules

            rules = load_rewrite_rules()
            _ENGINES[spec] = Rewriter(rules=rules.without(spec.off) if spec.off else rules)
        elif spec.kind in ("llm", "auto"):
            from promptsmith.rewriters.llm.engine import get_llm_rewriter
            from promptsmith.settings import Settings

            _ENGINES[spec] = get_llm_rewriter(Settings(model=spec.model))
        elif spec.kind == "trained":  # the packaged model with the packaged adapter, writing
            from promptsmith.rewriters.llm.engine import get_llm_rewriter
            from promptsmith.settings import Settings

            _ENGINES[spec] = get_llm_rewriter(Settings(llm_jobs=("write",), write_mode="trained"))
        else:
            _ENGINES[spec] = None
    return _ENGINES[spec]


def run_one(spec: EngineSpec, record: dict[str, Any]) -> dict[str, Any]:
    """Rewrite one record with one engine and score it; never raises."""
    text = record["prompt"]
    t0 = time.perf_counter()
    try:
        if spec.kind == "identity":
            from promptsmith.linter.engine import lint

            output, changes, params = text, [], [p.split(" ", 1)[0] for p in re.findall(r"--\w+[^-]*", text)]
            diagnostics = [d.model_dump(mode="json") for d in lint(text)]
        else:
            r = _engine(spec).rewrite(text)
            output, changes, params = r.output, [c.model_dump() for c in r.changes], r.params
            diagnostics = [d.model_dump(mode="json") for d in r.diagnostics]
        metrics = score(record, output, changes, params, diagnostics, time.perf_counter() - t0)
        metrics["clean_or_flagged"] = _clean_or_flagged(spec, output, r if spec.kind != "identity" else None)
        if spec.kind == "trained":  # whose brief it is: the model's own draft, or a fallback and why
            metrics["own_draft"] = 1.0 if r.fallback is None else 0.0
            metrics["fallback"] = r.fallback
        return {"prompt": text, "output": output, "error": None, **metrics}
    except Exception as exc:  # a failing prompt is a finding, not a crash
        return {"prompt": text, "output": "", "error": f"{type(exc).__name__}: {exc}", "recall": 0.0,
                "invented": 0, "invented_words": [], "filler_removed": 0.0, "filler_left": 0,
                "params_preserved": 0.0, "param_errors": 0, "lint_clean": 0.0, "order_ok": 0.0, "length": 0.0,
                "latency": time.perf_counter() - t0, "diagnostics": [], **_brief_fields(text, ""), "defects": [],
                "defect_free": 0.0, "respelled": 0, "respelled_words": [], "word_recall": 0.0,
                "clean_or_flagged": 0.0}


@lru_cache(maxsize=16)
def _linter(version: str) -> Any:
    """One linter per target version for the whole run (not one per row)."""
    from promptsmith.linter.engine import Linter

    return Linter(version=version)


def _clean_or_flagged(spec: EngineSpec, output: str, result: Any) -> float:
    """1 when the output, linted afresh for the rewrite's target version (a prompt's own --v wins),
    has no error or warning, or the record says it is not clean (flagged, exit status 1)."""
    if result is None:
        return 1.0
    from promptsmith.rewriters.rules.engine import UNSETTLED  # a doubt in the sources is reported, not failed

    found = [d for d in _linter(result.target_version).lint(output)
             if d.severity.value in ("error", "warning") and d.code not in UNSETTLED]
    return 1.0 if not found or result.clean is False else 0.0


def _chunk(args: tuple[EngineSpec, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    spec, records = args
    return [run_one(spec, r) for r in records]


def run_engine(spec: EngineSpec, records: list[dict[str, Any]], workers: int = 1,
               progress: bool = False) -> list[dict[str, Any]]:
    """Per-prompt results in input order (several processes keep the order)."""
    out: list[dict[str, Any]] = []
    chunks = [records[i : i + 50] for i in range(0, len(records), 50)]
    iterator: Iterable[list[dict[str, Any]]]
    if workers > 1 and spec.kind in ("rules", "identity"):
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=_SPAWN)
        iterator = pool.map(_chunk, [(spec, c) for c in chunks])
    else:
        pool = None
        iterator = (_chunk((spec, c)) for c in chunks)
    try:
        for part in iterator:
            out.extend(part)
            if progress:
                sys.stderr.write(f"\r{spec.name}: {len(out)}/{len(records)}")
                sys.stderr.flush()
    finally:
        if pool is not None:
            pool.shutdown()
    if progress:
        sys.stderr.write("\n")
    return out


#: METRICS also reported over the template-deduplicated rows (the issue's figures), as `<name>_unique`.
UNIQUE_METRICS = ("recall", "params_preserved", "lint_clean")


def aggregate(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Means of each metric over every row (latency: p50 and p95 too), the error count; and over the
    template-deduplicated rows the brief-quality figures (`sentence_share` over the rows with a
    `sentence`, `defect_free`, `respelled` as a total count, `word_recall`), `<metric>_unique` for
    UNIQUE_METRICS and `unique_prompts`."""
    from eval.brief import dedupe_templates

    agg: dict[str, float] = {}
    for m in METRICS:
        values = [r[m] for r in rows]
        agg[m] = round(statistics.fmean(values), 4) if values else 0.0
    lat = sorted(r["latency"] for r in rows)
    if lat:
        agg["latency_p50"] = round(statistics.median(lat), 4)
        agg["latency_p95"] = round(lat[int(0.95 * (len(lat) - 1))], 4)
    unique = dedupe_templates(rows)
    for m in UNIQUE_METRICS:
        agg[f"{m}_unique"] = round(statistics.fmean(r[m] for r in unique), 4) if unique else 0.0
    sentences = [r["sentence"] for r in unique if r.get("sentence") is not None]
    agg["sentence_share"] = round(statistics.fmean(sentences), 4) if sentences else 1.0
    agg["sentence_prompts"] = len(sentences)
    clean = statistics.fmean(r.get("clean_or_flagged", 1.0) for r in unique) if unique else 1.0
    agg["clean_or_flagged"] = round(clean, 4) if unique else 1.0
    agg["defect_free"] = round(statistics.fmean(r["defect_free"] for r in unique), 4) if unique else 1.0
    agg["respelled"] = sum(r["respelled"] for r in unique)
    agg["word_recall"] = round(statistics.fmean(r["word_recall"] for r in unique), 4) if unique else 1.0
    own = [r["own_draft"] for r in rows if "own_draft" in r]
    if own:  # the trained engine: the share of briefs that are the model's own draft
        agg["own_draft"] = round(statistics.fmean(own), 4)
    agg["errors"] = sum(1 for r in rows if r["error"])
    agg["prompts"] = len(rows)
    agg["unique_prompts"] = len(unique)
    return agg


def defect_table(rows: list[dict[str, Any]]) -> list[tuple[str, int, dict[str, Any], str]]:
    """(class, count, first row, the text it matched there) for each defect class over the
    template-deduplicated rows, most frequent first."""
    from eval.brief import dedupe_templates, defect_hits

    tally: Counter[str] = Counter()
    first: dict[str, dict[str, Any]] = {}
    for r in dedupe_templates(rows):
        for name in r.get("defects", []):
            tally[name] += 1
            first.setdefault(name, r)
    return [
        (name, n, first[name], defect_hits(first[name]["output"]).get(name, [""])[0]) for name, n in tally.most_common()
    ]


def measure_speed(
    records: list[dict[str, Any]], *, repeats: int = 3, cli: Path | None = None, cli_runs: int = 5
) -> dict[str, float]:
    """Whole-process throughput of the rules engine over `records`.

    In process: a fresh `Rewriter()` rewrites every record, best of `repeats`, interleaved with a
    baseline of `parse(text).format()` over the same records. End to end: the installed
    CLI (`promptsmith rewrite --engine rules --format jsonl`) over the records written to a temp
    file, `cli_runs` times; prompts/s is output lines over the median run's wall seconds, start-up
    included (the best run's seconds come too: on a shared machine one run swings by ±20%).
    Without the CLI (or with `cli` naming no file) only the in-process figures come back."""
    from promptsmith.core.parse import parse
    from promptsmith.rewriters.rules import Rewriter

    texts = [r["prompt"] for r in records]
    n = max(1, len(texts))
    rewriter = Rewriter()
    best_rw = best_base = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for text in texts:
            parse(text).format()
        best_base = min(best_base, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for text in texts:
            rewriter.rewrite(text)
        best_rw = min(best_rw, time.perf_counter() - t0)
    out = {
        "speed_inprocess_prompts_per_s": round(n / max(best_rw, 1e-9), 1),
        "speed_baseline_prompts_per_s": round(n / max(best_base, 1e-9), 1),
        "speed_inprocess_ratio": round(best_rw / max(best_base, 1e-9), 2),
    }
    cli = cli if cli is not None else Path(sys.executable).parent / "promptsmith"
    if not cli.is_file():
        return out
    _compile_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "prompts.jsonl", Path(tmp) / "briefs.jsonl"
        src.write_text("".join(json.dumps({"prompt": t}) + "\n" for t in texts), encoding="utf-8")
        # one prompt first: the timed run then finds the files in the OS's cache, as a second run does
        subprocess.run([str(cli), "rewrite", "--engine", "rules", "a cat"], capture_output=True, check=False)
        walls = []
        for _ in range(cli_runs):
            with dst.open("wb") as sink:
                t0 = time.perf_counter()
                subprocess.run(
                    [
                        str(cli),
                        "rewrite",
                        "--engine",
                        "rules",
                        "--format",
                        "jsonl",
                        "--input-format",
                        "jsonl",
                        "--no-progress",
                        "-f",
                        str(src),
                    ],
                    stdout=sink,
                    stderr=subprocess.DEVNULL,
                    check=False,
                )
                walls.append(time.perf_counter() - t0)
        lines = sum(1 for line in dst.read_bytes().splitlines() if line.strip())
    wall = statistics.median(walls)
    out["speed_prompts_per_s"] = round(lines / max(wall, 1e-9), 1)
    out["speed_cli_seconds"] = round(wall, 3)
    out["speed_cli_best_seconds"] = round(min(walls), 3)
    out["speed_cli_runs"] = len(walls)
    out["speed_cli_lines"] = lines
    out["speed_cli_ratio"] = round((wall / n) / max(best_base / n, 1e-9), 2)
    return out


def _compile_bytecode() -> None:
    """Write the package's bytecode, as installing its wheel does: in a checkout run with
    PYTHONDONTWRITEBYTECODE (CI sets it) every start would compile each module from source,
    which is not what a user's installed CLI pays."""
    import compileall

    import promptsmith

    compileall.compile_dir(str(Path(promptsmith.__file__).parent), quiet=1)


def ablation(records: list[dict[str, Any]], base: dict[str, float], workers: int = 1) -> dict[str, dict[str, float]]:
    """For each rewrite rule switched off: how each metric moves against the full rule set."""
    from promptsmith.rewriters.rules.registry import load_rewrite_rules

    moves: dict[str, dict[str, float]] = {}
    for rule in sorted(load_rewrite_rules().enabled):
        agg = aggregate(run_engine(EngineSpec(f"rules -{rule}", "rules", off=rule), records, workers))
        moves[rule] = {
            m: round(agg[m] - base[m], 4) for m in METRICS if m != "latency" and abs(agg[m] - base[m]) > 1e-9
        }
    return moves


def check_gate(agg: dict[str, float], thresholds: dict[str, Any]) -> list[str]:
    """Failures against a thresholds table: `min` for higher-is-better metrics, `max` otherwise. A
    speed bound is skipped when the run did not measure speed."""
    failures = []
    for metric, bound in thresholds.items():
        if metric not in agg and metric in SPEED_METRICS:
            continue  # not measured in this run (--no-speed, or aggregate() alone)
        if metric not in agg:
            failures.append(f"{metric}: no such metric")
            continue
        value = agg[metric]
        if "min" in bound and value < bound["min"]:
            failures.append(f"{metric} {value:.4f} < min {bound['min']}")
        if "max" in bound and value > bound["max"]:
            failures.append(f"{metric} {value:.4f} > max {bound['max']}")
    return failures


def sample(records: list[dict[str, Any]], n: int, seed: int = 7) -> list[dict[str, Any]]:
    """A fixed sample: every k-th record (deterministic, spread over the whole set)."""
    if n <= 0 or n >= len(records):
        return records
    step = len(records) / n
    return [records[int(i * step)] for i in range(n)]


def iter_worst(rows: list[dict[str, Any]], k: int = 10) -> Iterator[dict[str, Any]]:
    """The k rewrites with the lowest recall (then most invented words)."""
    yield from sorted(rows, key=lambda r: (r["recall"], -r["invented"], r["prompt"]))[:k]


def clip_comparison(
    records: list[dict[str, Any]],
    renderer: Any,
    scorer: Any,
    *,
    family: str = "sdxl",
    seed: int = 1234,
    pixels: int | None = None,
    steps: int | None = None,
) -> dict[str, float]:
    """Render each prompt (v5) and its rules rewrite (v6) with the same fixed seeds and score every
    image with CLIP against the original prompt's words (the user's intent)."""
    from promptsmith.core.parse import parse
    from promptsmith.core.plan import plan
    from promptsmith.rewriters.rules import Rewriter

    rewriter = Rewriter()
    v5, v6 = [], []
    for record in records:
        text = record["prompt"]
        brief = rewriter.rewrite(text).output
        intent = parse(text).text
        for prompt, bucket in ((text, v5), (brief, v6)):
            images, _ = renderer.render(plan(prompt, family, seed=seed, pixels=pixels, steps=steps), steps=steps)
            bucket.extend(scorer.score(images, intent))
    return {
        "clip_v5": round(statistics.fmean(v5), 4) if v5 else 0.0,
        "clip_v6": round(statistics.fmean(v6), 4) if v6 else 0.0,
        "clip_prompts": len(records),
        "clip_seed": seed,
    }


@dataclass
class Report:
    """Everything one harness run measured."""

    dataset: str
    engines: dict[str, dict[str, float]]
    rows: dict[str, list[dict[str, Any]]]
    ablation: dict[str, dict[str, float]] = field(default_factory=dict)
    gate: list[str] = field(default_factory=list)
    clip: dict[str, float] = field(default_factory=dict)

    def metrics_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "engines": self.engines,
            "ablation": self.ablation,
            "clip": self.clip,
            "gate_failures": self.gate,
        }


def write_report(report: Report, out_dir: Path, plots: bool = True) -> Path:
    """metrics.json, report.md and (with matplotlib) PNG plots in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(report.metrics_json(), indent=2), encoding="utf-8")
    images: list[str] = []
    if plots:
        images = _plots(report, out_dir)
    lines = [
        f"# Evaluation report: {report.dataset}",
        "",
        "Regenerate with `python -m eval --dataset real --engines identity,rules --ablation --out eval/reports/real`.",
        "",
        "## Metrics per engine",
        "",
        "| engine | prompts | recall | invented | filler removed | filler left | params kept | param errors "
        "| lint clean | order | length | p50 s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, a in report.engines.items():
        lines.append(
            f"| {name} | {int(a['prompts'])} | {a['recall']:.3f} | {a['invented']:.3f} | {a['filler_removed']:.3f} | "
            f"{a['filler_left']:.3f} | {a['params_preserved']:.3f} | {a['param_errors']:.3f} | {a['lint_clean']:.3f} | "
            f"{a['order_ok']:.3f} | "
            f"{a['length']:.2f} | {a.get('latency_p50', 0):.4f} |"
        )
    lines += [
        "",
        "## Brief quality (issue 15; templates counted once)",
        "",
        "| engine | unique prompts | sentence share (≥ 4 content words) | defect-free | words respelled | "
        "content-term recall | word recall | params kept | lint clean | speed, CLI prompts/s | in process prompts/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, a in report.engines.items():
        speed = f"{a['speed_prompts_per_s']:.0f}" if "speed_prompts_per_s" in a else "—"
        inproc = f"{a['speed_inprocess_prompts_per_s']:.0f}" if "speed_inprocess_prompts_per_s" in a else "—"
        lines.append(
            f"| {name} | {int(a['unique_prompts'])} | {a['sentence_share']:.3f} ({int(a['sentence_prompts'])}) | "
            f"{a['defect_free']:.3f} | {int(a['respelled'])} | {a['recall_unique']:.3f} | {a['word_recall']:.3f} | "
            f"{a['params_preserved_unique']:.3f} | {a['lint_clean_unique']:.3f} | {speed} | {inproc} |"
        )
    for name, rows in report.rows.items():
        if name == "identity":
            continue
        table = defect_table(rows)
        lines += ["", f"## Defect classes: {name}", ""]
        if not table:
            lines.append("No visible defects.")
            continue
        lines += ["| class | count | match | example in | example out |", "|---|---|---|---|---|"]
        for cls, n, r, hit in table:
            lines.append(
                f"| {cls} | {n} | `{_cell(hit, 40)}` | `{_cell(r['prompt'])}` | `{_around(r['output'], hit)}` |"
            )
    if report.ablation:
        lines += [
            "",
            "## Per-rule ablation (metric change with the rule switched off)",
            "",
            "| rule off | metrics that move |",
            "|---|---|",
        ]
        for rule, moves in report.ablation.items():
            text = ", ".join(f"{m} {d:+.4f}" for m, d in moves.items()) or "no measurable change on this set"
            lines.append(f"| {rule} | {text} |")
    if report.clip:
        c = report.clip
        lines += [
            "",
            "## Previews: CLIP score against the original prompt (same seeds)",
            "",
            f"v5 original {c['clip_v5']:.4f} · v6 rewrite {c['clip_v6']:.4f} over {int(c['clip_prompts'])} prompts "
            f"(seed {int(c['clip_seed'])})",
        ]
    for image in images:
        lines += ["", f"![{image}]({image})"]
    for name, rows in report.rows.items():
        if name == "identity":
            continue
        lines += ["", f"## Worst cases: {name}", ""]
        for r in iter_worst(rows, 8):
            lines += [
                f"- recall {r['recall']:.2f}, invented {r['invented_words'] or '—'}, diagnostics "
                f"{', '.join(r['diagnostics']) or '—'}",
                f"  - in: `{r['prompt'][:300]}`",
                f"  - out: `{r['output'][:300]}`",
            ]
    for name, rows in report.rows.items():
        if name == "identity":
            continue
        from eval.brief import dedupe_templates

        bad = [r for r in dedupe_templates(rows) if r.get("defects")]
        if not bad:
            continue
        lines += ["", f"## Defects: {name} ({len(bad)} prompts)", ""]
        for r in bad[:_DEFECT_ROWS]:
            lines += [
                f"- {', '.join(r['defects'])}",
                f"  - in: `{_cell(r['prompt'], 300)}`",
                f"  - out: `{_cell(r['output'], 300)}`",
            ]
        if len(bad) > _DEFECT_ROWS:
            lines.append(f"- … and {len(bad) - _DEFECT_ROWS} more")
    if report.gate:
        lines += ["", "## Gate failures", ""] + [f"- {g}" for g in report.gate]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


_DEFECT_ROWS = 150


def _cell(text: str, limit: int = 160) -> str:
    """Text for a Markdown table cell or inline code: one line, no backticks or pipes, clipped."""
    text = " ".join(text.split()).replace("`", "'").replace("|", "/")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _around(text: str, hit: str, limit: int = 160) -> str:
    """A table cell of `text` that shows where `hit` is in it."""
    k = text.find(hit) if hit else -1
    if k <= limit // 2:
        return _cell(text, limit)
    return "…" + _cell(text[k - limit // 3 :], limit - 1)


def _plots(report: Report, out_dir: Path) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    names = list(report.engines)
    made = []
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    for ax, metric in zip(axes, ("recall", "length", "invented")):
        for name in names:
            ax.hist([r[metric] for r in report.rows[name]], bins=20, alpha=0.6, label=name)
        ax.set_title(metric)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / "distributions.png", dpi=110)
    plt.close(fig)
    made.append("distributions.png")
    fig, ax = plt.subplots(figsize=(8, 3))
    metrics = ["recall", "filler_removed", "params_preserved", "lint_clean", "order_ok"]
    width = 0.8 / max(1, len(names))
    for k, name in enumerate(names):
        ax.bar(
            [i + k * width for i in range(len(metrics))], [report.engines[name][m] for m in metrics], width, label=name
        )
    ax.set_xticks([i + width * (len(names) - 1) / 2 for i in range(len(metrics))], metrics, fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / "engines.png", dpi=110)
    plt.close(fig)
    made.append("engines.png")
    return made


def counts(rows: list[dict[str, Any]]) -> Counter[str]:
    """How often each invented word appears (for reports)."""
    c: Counter[str] = Counter()
    for r in rows:
        c.update(r["invented_words"])
    return c
