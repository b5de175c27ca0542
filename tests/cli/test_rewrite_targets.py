"""`promptsmith rewrite --target`: the target's prompt in text and jsonl, every cut term named,
and `--check` failing on a cut."""

from __future__ import annotations

import json

from click.testing import CliRunner

import promptsmith as ps
from promptsmith.cli.main import main
from promptsmith.cli.rewrite_cmd import entry

LONG = ", ".join(
    f"{w} tower with {w} flags"
    for w in (
        "red",
        "blue",
        "green",
        "gold",
        "silver",
        "stone",
        "glass",
        "iron",
        "wooden",
        "crystal",
        "broken",
        "ancient",
        "tall",
        "narrow",
        "twisted",
        "burning",
        "frozen",
        "floating",
        "sunken",
        "hidden",
        "ivory",
        "copper",
        "marble",
    )
)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_jsonl_record_carries_the_target_fields() -> None:
    r = run(
        "rewrite",
        "a lighthouse in a storm, oil painting --ar 3:2 --seed 9 --no people",
        "--target",
        "sdxl",
        "--format",
        "jsonl",
    )
    rec = json.loads(r.stdout)
    assert rec["target"] == "sdxl" and rec["negative_prompt"] == "people"
    assert rec["pipeline_args"]["seed"] == 9 and rec["pipeline_args"]["width"] > rec["pipeline_args"]["height"]
    assert rec["tokens"]["budget"] == 77 and rec["tokens"]["exact"] is True and rec["cut"] == []
    assert "lighthouse" in rec["prompt"] and "--" not in rec["prompt"]


def test_a_cut_is_named_in_text_output_and_explain() -> None:
    r = run("rewrite", LONG, "--target", "sd15")
    assert r.exit_code == 0
    assert "✂ cut" in r.stdout and "tokens: " in r.stdout and "/77 clip" in r.stdout
    res = ps.rewrite(LONG, target="sd15")
    assert res.cut and all(f"{c.term}" in r.stdout for c in res.cut)
    r = run("rewrite", LONG, "--target", "flux", "--explain")
    assert "(upper bound)" in r.stdout and "· brief: " in r.stdout


def test_check_fails_on_a_cut() -> None:
    record = {"line": 1, "output": "x", "check": {"verdict": "preserved"}, "cut": [{"term": "t"}], "error": None}
    assert entry(record, "jsonl", False)[3] is True
    record["cut"] = []
    assert entry(record, "jsonl", False)[3] is False


def test_unknown_target_is_a_usage_error() -> None:
    r = run("rewrite", "a cat", "--target", "dalle")
    assert r.exit_code == 2 and "unknown target" in r.output and "qwen-image" in r.output
