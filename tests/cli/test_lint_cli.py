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
    result = CliRunner().invoke(
        main, ["lint", "-", "--fix", "--select", "PS004,PS008"], input="koi —ar 2:3\n" + BAD + "\n"
    )
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
        "name": "aspect",
        "alias": "ar",
        "raw": "3:2",
        "value": [3, 2],
    }
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
    proc = subprocess.run(
        [str(exe), "lint", "-", "--format", "jsonl"], input=BAD + "\n", capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["diagnostics"][0]["code"] == "PS004"


# -- ruff-style options ---------------------------------------------------------------------------
def test_a_prompt_where_a_path_goes_is_linted() -> None:
    r = run("lint", "portrait, 8k --v 6")
    assert r.exit_code == 1 and "<prompt>:1:11: PS201" in r.stdout
    fixed = run("lint", "portrait, 8k --v 6", "--fix")
    assert fixed.exit_code == 0 and fixed.stdout.startswith("portrait --v 6")
    one_word = run("lint", "lighthouse")  # no such file and nothing prompt-like: said, then linted
    assert one_word.exit_code == 0 and "no such file; linting it as a prompt" in one_word.stderr
    assert run("lint", "missing.txt").exit_code == 2  # a file name stays a file name


def prompt_dir(tmp_path: Path) -> Path:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("a cat, 8k\nb\n", encoding="utf-8")
    (tmp_path / "sub" / "b.jsonl").write_text('{"prompt": "masterpiece, dog"}\n', encoding="utf-8")
    (tmp_path / "notes.md").write_text("a cat, 8k\n", encoding="utf-8")  # not a prompt file
    return tmp_path


def test_directories_are_linted_recursively_by_extension(tmp_path: Path) -> None:
    r = run("lint", str(prompt_dir(tmp_path)), "--output-format", "jsonl")
    assert sorted((Path(x["file"]).name, x["line"]) for x in map(json.loads, r.stdout.splitlines())) == [
        ("a.txt", 1),
        ("a.txt", 2),
        ("b.jsonl", 1),
    ]


def test_diff_shows_the_fixes_and_writes_nothing(tmp_path: Path) -> None:
    folder = prompt_dir(tmp_path)
    r = run("lint", str(folder), "--diff")
    assert r.exit_code == 1 and "-a cat, 8k\n+a cat\n" in r.stdout and '+{"prompt": "dog"}' in r.stdout
    assert (folder / "a.txt").read_text(encoding="utf-8") == "a cat, 8k\nb\n"
    (folder / "a.txt").write_text("a cat\n", encoding="utf-8")
    (folder / "sub" / "b.jsonl").unlink()
    assert run("lint", str(folder), "--diff").exit_code == 0


def test_statistics_quiet_and_exit_zero(tmp_path: Path) -> None:
    folder = prompt_dir(tmp_path)
    stats = run("lint", str(folder), "--statistics")
    assert stats.stdout.splitlines()[0].split("\t") == ["    2", "PS201", "[*] filler-quality-token"]
    quiet = run("lint", str(folder), "-q")
    assert quiet.exit_code == 1 and "Found" not in quiet.stdout and "PS201" in quiet.stdout
    assert run("lint", str(folder), "--exit-zero").exit_code == 0
    assert (
        run("lint", str(folder), "--format", "github").stdout
        == run("lint", str(folder), "--output-format", "github").stdout
    )


def test_show_fixes_lists_them_per_file(tmp_path: Path) -> None:
    folder = prompt_dir(tmp_path)
    r = run("lint", str(folder), "--fix", "--show-fixes")
    assert "Fixed 2 findings:" in r.stdout and "1 × PS201" in r.stdout
    assert (folder / "a.txt").read_text(encoding="utf-8") == "a cat\nb\n"


def test_config_is_found_from_the_linted_files_folder_upward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "proj"
    (project / "sub").mkdir(parents=True)
    (project / "sub" / "p.txt").write_text("a cat, 8k --upbeta\n", encoding="utf-8")
    (project / "pyproject.toml").write_text('[tool.promptsmith]\nignore = ["PS201"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # above the project: its config is found from the file, as ruff does
    r = run("lint", "proj/sub/p.txt", "--output-format", "jsonl")
    assert [d["code"] for d in json.loads(r.stdout)["diagnostics"]] == ["PS107"]
    (tmp_path / "strict.toml").write_text('select = ["PS2"]\n', encoding="utf-8")
    r = run("lint", "proj/sub/p.txt", "--config", "strict.toml", "--output-format", "jsonl")
    assert [d["code"] for d in json.loads(r.stdout)["diagnostics"]] == ["PS201"]
    r = run("lint", "proj/sub/p.txt", "--config", "strict.toml", "--extend-select", "PS107", "--output-format", "jsonl")
    assert [d["code"] for d in json.loads(r.stdout)["diagnostics"]] == ["PS201", "PS107"]  # by position
    assert run("lint", "proj/sub/p.txt", "--config", "missing.toml").exit_code == 2


def test_show_settings_says_where_each_came_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "promptsmith.toml").write_text('target-version = "7"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    r = run("lint", "--show-settings", "--ignore", "PS2")
    rows = {line.split()[0]: line for line in r.stdout.splitlines()}
    assert r.exit_code == 0 and "promptsmith.toml" in rows["target-version"] and "(command line)" in rows["ignore"]


def test_rules_lists_summaries_and_explains_fix_marks() -> None:
    from promptsmith.linter.registry import all_rules

    table = run("rules").output
    assert "fix: every finding comes with a fix; fix?: some findings do." in table
    by_code = {r.code: r for r in all_rules()}
    for line in table.splitlines():
        if line.startswith("  PS"):
            assert line.endswith(by_code[line.split()[0]].summary), line
    listed = json.loads(run("rules", "--format", "json").output)
    assert {r["code"]: r["summary"] for r in listed} == {c: r.summary for c, r in by_code.items()}
