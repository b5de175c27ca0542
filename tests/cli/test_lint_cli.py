"""`promptsmith lint`, `parse`, `explain`, `rules`: formats, exit codes, stdin and files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from promptsmith.cli.main import main

BAD = "a lighthouse at dusk –ar 16:9"
CLEAN = "A lighthouse at dusk, painted in watercolour. --ar 16:9"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_clean_prompt_exits_0() -> None:
    result = run("lint", "-", input=CLEAN + "\n")
    assert result.exit_code == 0, result.output
    assert "All checks passed!" in result.output


def test_findings_exit_1_with_ruff_like_text() -> None:
    result = run("lint", "-", "--no-color", input=BAD + "\n")
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("-:1:22: PS004")
    assert "^" in result.output


def test_usage_error_exits_2() -> None:
    assert run("lint", "--format", "nope", "-", input="x\n").exit_code == 2
    assert run("lint", "--select", "PS999", "-", input="x\n").exit_code == 2
    assert run("explain", "PS999").exit_code == 2


def test_jsonl_one_record_per_input_line_in_order() -> None:
    lines = [BAD, "", CLEAN, "{not json, a prompt in braces}"]
    result = run("lint", "-", "--format", "jsonl", input="\n".join(lines) + "\n")
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3, 4]
    assert [r["prompt"] for r in records] == lines
    diag = records[0]["diagnostics"][0]
    assert set(diag) >= {"code", "name", "severity", "message", "span", "fix"}
    assert diag["span"] == {"start": 21, "end": 22}
    assert diag["fix"]["applicability"] == "safe"
    assert diag["fix"]["edits"] == [{"start": 21, "end": 22, "content": "--"}]


def test_jsonl_input_keeps_other_fields(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": 7, "prompt": BAD}) + "\n" + "oops\n", encoding="utf-8")
    result = run("lint", str(path), "--format", "jsonl")
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert out[0]["id"] == 7 and out[0]["diagnostics"]
    assert out[1]["error"].startswith("invalid JSON")
    assert result.exit_code == 2


def test_select_and_ignore() -> None:
    text = "a cat, 8k –ar 16:9\n"
    only = run("lint", "-", "--format", "jsonl", "--select", "PS004", input=text)
    assert {d["code"] for d in json.loads(only.stdout)["diagnostics"]} == {"PS004"}
    none = run("lint", "-", "--format", "jsonl", "--ignore", "PS0,PS2", input=text)
    assert not any(d["code"].startswith(("PS0", "PS2")) for d in json.loads(none.stdout)["diagnostics"])


def test_fix_stdin_echoes_fixed_text() -> None:
    result = CliRunner().invoke(main, ["lint", "-", "--fix", "--select", "PS004,PS008"], input="koi —ar 2:3\n" + BAD + "\n")
    assert result.stdout.splitlines()[:2] == ["koi --ar 2:3", "a lighthouse at dusk --ar 16:9"]


def test_fix_rewrites_file_and_keeps_every_line(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text(f"{BAD}\n\nplain line\n", encoding="utf-8")
    run("lint", str(path), "--fix", "--select", "PS004")
    assert path.read_text(encoding="utf-8") == "a lighthouse at dusk --ar 16:9\n\nplain line\n"


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_other_formats(fmt: str) -> None:
    result = run("lint", "-", "--format", fmt, input=BAD + "\n")
    assert result.exit_code == 1
    if fmt == "json":
        assert json.loads(result.output)[0]["diagnostics"][0]["code"] == "PS004"
    elif fmt == "sarif":
        log = json.loads(result.output)
        assert log["version"] == "2.1.0"
        res = log["runs"][0]["results"][0]
        assert res["ruleId"] == "PS004"
        assert res["locations"][0]["physicalLocation"]["region"]["startColumn"] == 22
    else:
        assert result.output.startswith("::error file=stdin,line=1,col=22")


def test_target_version_flag() -> None:
    text = "a vase --oref https://x.com/a.png\n"
    v6 = run("lint", "-", "--format", "jsonl", "--target-version", "6.1", input=text)
    v7 = run("lint", "-", "--format", "jsonl", "--target-version", "7", input=text)
    assert any(d["code"] == "PS401" for d in json.loads(v6.output)["diagnostics"])
    assert not any(d["code"] == "PS401" for d in json.loads(v7.output)["diagnostics"])


def test_config_from_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.promptsmith]\nignore = ["PS004"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("lint", "-", "--format", "jsonl", input=BAD + "\n")
    assert not any(d["code"] == "PS004" for d in json.loads(result.output)["diagnostics"])


def test_bad_config_is_a_clear_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "promptsmith.toml").write_text('colour = "blue"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("lint", "-", input="x\n")
    assert result.exit_code == 2 and "unknown key 'colour'" in result.output


def test_parse_jsonl_params_shape() -> None:
    result = run("parse", "-", input="a cat --ar 3:2 --s 50\n")
    obj = json.loads(result.output)
    assert obj["line"] == 1 and obj["text"] == "a cat"
    assert {k: obj["params"][0][k] for k in ("name", "alias", "raw", "value")} == {
        "name": "aspect", "alias": "ar", "raw": "3:2", "value": [3, 2]}
    assert obj["params"][0]["span"] == {"start": 6, "end": 14}


def test_explain_and_rules() -> None:
    out = run("explain", "filler-quality-token").output
    assert "PS201" in out and "## Why is this bad?" in out
    table = run("rules").output
    assert "PS001" in table and "PS401" in table
    rules = json.loads(run("rules", "--format", "json").output)
    assert len(rules) >= 35


def test_version_and_help() -> None:
    assert "promptsmith" in run("--version").output
    for cmd in ("lint", "parse", "explain", "rules"):
        assert "Usage:" in run(cmd, "--help").output


def test_real_console_script_on_a_pipe() -> None:
    exe = Path(sys.executable).parent / "promptsmith"
    proc = subprocess.run([str(exe), "lint", "-", "--format", "jsonl"], input=BAD + "\n",
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["diagnostics"][0]["code"] == "PS004"
