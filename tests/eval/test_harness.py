"""The evaluation harness: identical results for any number of workers, and a gate that catches a
deliberately broken rewrite rule."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from eval.harness import _ENGINES, EngineSpec, aggregate, check_gate, load_dataset, run_engine, sample

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def records(real_prompts: list[str]) -> list[dict]:
    return sample([{"prompt": p} for p in real_prompts], 120)


def _stable(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "latency"} for r in rows]


def test_results_do_not_depend_on_workers(records: list[dict]) -> None:
    one = run_engine(EngineSpec("rules", "rules"), records, workers=1)
    two = run_engine(EngineSpec("rules", "rules"), records, workers=2)
    assert _stable(one) == _stable(two)
    assert [r["prompt"] for r in two] == [r["prompt"] for r in records]


def test_gate_passes_on_the_real_rules(records: list[dict]) -> None:
    thresholds = tomllib.loads((ROOT / "eval" / "thresholds.toml").read_text())["rules"]
    agg = aggregate(run_engine(EngineSpec("rules", "rules"), records))
    assert check_gate(agg, thresholds) == []


def test_gate_catches_a_deliberately_broken_rule(records: list[dict], monkeypatch: pytest.MonkeyPatch) -> None:
    from promptsmith.rewriters.rules.analysis import Analyzer

    original = Analyzer._put

    def broken(self, slot, term, brief):  # a "style" rule that silently loses every artist
        if slot == "style":
            return None
        return original(self, slot, term, brief)

    monkeypatch.setattr(Analyzer, "_put", broken)
    _ENGINES.clear()  # fresh engines pick up the broken rule
    thresholds = tomllib.loads((ROOT / "eval" / "thresholds.toml").read_text())["rules"]
    agg = aggregate(run_engine(EngineSpec("rules-broken", "rules"), records))
    failures = check_gate(agg, thresholds)
    assert any(f.startswith("recall") for f in failures), agg
    _ENGINES.clear()


def test_curated_set_has_expected_slots_and_terms() -> None:
    curated = load_dataset("curated")
    assert len(curated) >= 25 and all(r.get("expected_kept") and r.get("expected_slots") for r in curated)
    agg = aggregate(run_engine(EngineSpec("rules", "rules"), curated))
    assert agg["recall"] >= 0.95 and agg["order_ok"] >= 0.95


def test_cli_writes_metrics_and_report(tmp_path: Path) -> None:
    from eval.__main__ import main

    status = main(["--dataset", "curated", "--engines", "identity,rules", "--out", str(tmp_path), "--no-plots"])
    assert status == 0
    assert (tmp_path / "metrics.json").is_file() and "## Metrics per engine" in (tmp_path / "report.md").read_text()


def test_clip_comparison_renders_both_prompts_with_the_same_seeds() -> None:
    from eval.harness import clip_comparison

    seen: list[tuple[str, list[int]]] = []

    class Renderer:
        def render(self, plan, steps=None):
            seen.append((plan.prompt, plan.seeds))
            return ["img"] * 4, {}

    class Scorer:  # scores the v6 brief higher when it has more words of the intent
        def score(self, images, text):
            return [0.3] * len(images)

    out = clip_comparison([{"prompt": "old fisherman, oil painting, 8k"}], Renderer(), Scorer(), seed=99)
    assert [s for _, s in seen] == [[99, 100, 101, 102]] * 2
    assert seen[0][0] != seen[1][0] and out["clip_v5"] == out["clip_v6"] == 0.3 and out["clip_prompts"] == 1
