"""Issue 31: a non-zero exit says why on stderr (and `--explain` lists it), `-` is stdin on every
command, `--show-settings` shows the value in force and where it came from, and `--explain`
describes the sentence that went out."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from promptsmith.cli.main import main


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_a_rewrite_that_exits_1_says_why_on_stderr_one_line_per_cause() -> None:
    r = run("rewrite", "a cat --q 5 --seed 1234 --weird 100", "--target-version", "6.1")  # --q: PS109 on 6.1
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert any("PS111" in line for line in lines) and any("PS109" in line for line in lines), r.stderr
    assert all(line.startswith("rewrite: ") for line in lines)


def test_explain_lists_why_the_exit_is_1() -> None:
    r = run("rewrite", "a cat --seed 1234 --weird 100", "--explain")
    assert r.exit_code == 1 and "! exit 1:" in r.stdout and "PS111" in r.stdout


def test_a_clean_rewrite_says_nothing_on_stderr() -> None:
    r = run("rewrite", "a red fox, snowy forest")
    assert r.exit_code == 0 and r.stderr == ""


def test_a_file_names_the_line_of_each_cause(tmp_path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("a red fox\na cat --seed 1234 --weird 100\n", encoding="utf-8")
    r = run("rewrite", "--file", str(path), "--workers", "1")
    assert r.exit_code == 1 and r.stderr.startswith("line 2: ") and "PS111" in r.stderr


@pytest.mark.parametrize("args", [("rewrite", "-"), ("rewrite", "-", "--format", "jsonl")])
def test_dash_is_stdin_for_rewrite(args: tuple[str, ...]) -> None:
    r = run(*args, input="cat, windowsill\n")
    assert r.exit_code == 0 and "A -" not in r.stdout and "cat" in r.stdout.lower()


@pytest.mark.parametrize(("text", "why"), [("cat, windowsill\n", "needs a terminal"), ("a\nb\n", "takes one prompt")])
def test_tui_dash_says_why_it_cannot_run(text: str, why: str) -> None:
    """`tui -` reads one prompt from stdin, then runs on the terminal (tests/tui/test_tmux.py): with
    no terminal (a new session has none), or more than one prompt, it exits 2 and says why."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "promptsmith", "tui", "-"], input=text, capture_output=True,
                       text=True, start_new_session=True, timeout=120)
    assert r.returncode == 2 and why in r.stderr, r.stderr


def test_dash_is_stdin_for_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    from promptsmith.backends.fake import HashEmbedder
    from promptsmith.services import compare as service

    monkeypatch.setattr(service, "default_embedder", lambda *a, **k: HashEmbedder())
    r = run("compare", "-", "A cat on a windowsill.", "--format", "json", input="cat, windowsill\n")
    assert r.exit_code in (0, 1) and '"a": "cat, windowsill"' in r.stdout
    pairs = run("compare", "-", input='{"a": "a cat", "b": "A cat."}\n')
    assert pairs.exit_code in (0, 1) and '"line": 1' in pairs.stdout


def test_show_settings_prints_the_version_in_force_and_where_it_came_from(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.delenv("PROMPTSMITH_TARGET_VERSION", raising=False)
    out = run("lint", "--show-settings").stdout
    line = next(x for x in out.splitlines() if x.startswith("target-version"))
    assert "None" not in out
    from promptsmith.registries import default_version

    assert line.split()[1] == default_version() and "rules/midjourney.toml" in line
    flagged = run("lint", "--show-settings", "--target-version", "7").stdout
    assert "7" in flagged and "(command line)" in next(
        x for x in flagged.splitlines() if x.startswith("target-version")
    )


def test_explain_does_not_say_the_guard_accepted_a_draft_it_rejected() -> None:
    """Free writing: the guard rejects the draft and the span lock repairs it; the change says so."""
    from promptsmith.backends.fake import ScriptedGenerator
    from promptsmith.rewriters.llm.rewriter import LlmRewriter

    source = "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, 8k"
    bad = "A portrait of an old fisherman at sunset with a red fox, an oil painting in the style of Rembrandt."
    good = "A portrait of an old fisherman, an oil painting in the style of Rembrandt with dramatic lighting."
    r = LlmRewriter(ScriptedGenerator(writes=[bad, good]), jobs=("write",), write_mode="free").rewrite(source)
    assert r.draft == bad and r.output.startswith(good.rstrip("."))
    reasons = " ".join(c.reason for c in r.changes)
    assert "the guard accepted it" not in reasons and "rejected the free draft" in reasons
