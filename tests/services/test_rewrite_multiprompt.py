"""Issue 31: `::` multi-prompts. Each weighted part is its own short phrase (rewritten inside
itself, never across `::`, no article on a bare weighted noun, no slot moves); where the output's
version has no `::` (read from the version table's era, as the linter's PS403 reads it), the
parts are folded and the change says so."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import promptsmith as ps
from promptsmith.linter.context import multiprompts_work


def test_weighted_parts_keep_their_words_without_articles_or_slot_moves() -> None:
    # on a version with multi-prompts (V8.2, the default, has none: it would fold them)
    out = ps.rewrite("hot dog::1.5 bun::-0.5 mustard, ketchup, food photography, macro --s 250",
                     target_version="6.1").output
    assert out == "Hot dog::1.5 bun::-0.5 mustard, ketchup, food photography, macro. --s 250"
    assert "a bun" not in out and "mustard colors" not in out


def test_a_part_is_cleaned_inside_itself() -> None:
    out = ps.rewrite("a cat::2 dog, 8k, ((red hat)), dog --v 6").output
    assert out == "A cat::2 dog, red hat. --v 6"


def test_a_prompt_on_v7_is_folded_and_the_change_says_so() -> None:
    r = ps.rewrite("space::2 ship::1 nebula --v 7")
    assert "::" not in r.output and r.clean, r.output
    fold = next(c for c in r.changes if c.rule == "fold-multi-prompt")
    assert "V7" in fold.reason
    # the same prompt raised from --v 5 to 7 is folded the same way
    assert ps.rewrite("space::2 ship::1 nebula --v 5", target_version="7").output == r.output


def test_the_cli_exits_0_for_a_folded_v7_multiprompt() -> None:
    from promptsmith.cli.main import main

    r = CliRunner().invoke(main, ["rewrite", "space::2 ship::1 nebula --v 7"])
    assert r.exit_code == 0 and "::" not in r.stdout and r.stderr == ""


def test_a_prompt_kept_on_v6_keeps_its_weights_whatever_the_target() -> None:
    assert "::2" in ps.rewrite("space::2 ship --v 6", target_version="7").output


def test_niji_7_folds_too() -> None:
    assert "::" not in ps.rewrite("space::2 ship --niji 7").output


@pytest.mark.parametrize(("version", "works"), [
    ("5.2", True), ("6.1", True), ("niji6", True), ("7", False), ("8.1", False), ("niji7", False),
    ("8.2", False), ("niji8", False),  # versions a later table adds: their number is their era
])
def test_one_definition_of_where_multiprompts_work(version: str, works: bool) -> None:
    assert multiprompts_work(version) is works


@pytest.mark.parametrize("version", ["5.2", "6.1", "7", "8.1", "niji 6", "niji 7"])
def test_the_linter_and_the_rewriter_agree(version: str) -> None:
    flag = f"--niji {version.split()[1]}" if version.startswith("niji") else f"--v {version}"
    prompt = f"space::2 ship {flag}"
    ps403 = any(d.code == "PS403" for d in ps.lint(prompt))
    key = version.replace(" ", "")
    assert ps403 is not multiprompts_work(key)
    # a 5.2 prompt is raised to the target version: 6.1 here, which has multi-prompts as 5.2 had
    assert ("::" in ps.rewrite(prompt, target_version="6.1").output) is multiprompts_work(key)
