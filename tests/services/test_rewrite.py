"""The rules rewriter: one test per rewrite rule, the REWRITE-EXAMPLES behaviours, and round trips."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import promptsmith as ps
from promptsmith.cli.main import main
from promptsmith.rewriters.rules import Rewriter
from promptsmith.rewriters.rules.registry import load_rewrite_rules

WORDING = {"PS201", "PS202", "PS204", "PS205"}


def rules_of(result) -> list[str]:
    return [c.rule for c in result.changes]


def test_filler_goes_content_stays_order_natural() -> None:
    r = ps.rewrite(
        "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, masterpiece, 8k, highly detailed"
    )
    assert (
        r.output == "A portrait of an old fisherman, an oil painting in the style of Rembrandt, with dramatic lighting."
    )
    removed = [c.before for c in r.changes if c.rule == "filler-quality-token"]
    assert sorted(removed) == ["8k", "highly detailed", "masterpiece"]
    assert r.slots["medium"] == ["an oil painting"] and r.slots["style"] == ["Rembrandt"]


def test_camera_terms_are_composition_not_subject() -> None:
    r = ps.rewrite("street food vendor at night, tokyo, 35mm, f/1.4, bokeh, cinematic, kodak portra 400 --ar 3:2")
    assert r.output.startswith("A street food vendor at night in Tokyo, a photograph on Kodak Portra 400")
    assert "35mm" in r.output and "f/1.4" in r.output and "bokeh" in r.output
    assert r.output.endswith("--ar 3:2")
    assert "35mm" not in " ".join(r.slots["subject"])


def test_negations_move_to_no_and_merge() -> None:
    r = ps.rewrite("empty beach at dawn, no people, without boats, pastel colors --no birds")
    assert r.output == "An empty beach at dawn, in pastel colors. --no birds, people, boats"
    assert rules_of(r).count("negation-to-no") == 2


def test_text_to_render_gets_double_quotes_and_raw_suggestion() -> None:
    r = ps.rewrite("vintage coffee shop sign that says 'Morning Brew', hand painted, warm light")
    assert '"Morning Brew"' in r.output and r.output.endswith("--style raw")
    assert {"double-quotes", "suggest-style-raw"} <= set(rules_of(r))


def test_legacy_flags_migrate() -> None:
    r = ps.rewrite("knight in armor, forest, moody --w 320 --h 512 --upbeta --q 2 --v 5")
    assert (
        r.output == "A knight in armor in a forest, with a moody atmosphere. --ar 5:8 --q 2 --v 8.2"
    )  # the default target
    assert [d.code for d in r.diagnostics] == ["PS410"] and r.clean  # --q on V8.2: a doubt, reported
    assert {"width-height-to-aspect", "legacy-flag", "target-version"} <= set(rules_of(r))


def test_out_of_range_is_clamped_and_reported() -> None:
    r = ps.rewrite("glass sculpture of a whale --s 5000 --ar 1:3")
    assert r.output == "A glass sculpture of a whale. --ar 1:3 --s 1000"
    (clamp,) = [c for c in r.changes if c.rule == "clamp-out-of-range"]
    assert clamp.before == "--s 5000" and "0–1000" in clamp.reason


def test_multi_prompt_kept_on_v6_folded_on_v7() -> None:
    # a weighted part is a bare phrase: no article on a weighted noun (issue 31)
    assert ps.rewrite("hot dog::1.5 bun::0.5 --ar 3:2", target_version="6.1").output == "Hot dog::1.5 bun::0.5 --ar 3:2"
    r = ps.rewrite("hot dog::1.5 bun::-0.5", target_version="7")
    assert r.output == "A hot dog. --no bun"
    assert "fold-multi-prompt" in rules_of(r)


def test_artists_are_style_named_once() -> None:
    r = ps.rewrite("castle on a cliff, by greg rutkowski and alphonse mucha, fantasy, artstation")
    assert r.output == "A fantasy castle on a cliff, in the style of Greg Rutkowski and Alphonse Mucha."


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        # a maker credited after a medium or a verb is the work's author: "by" stays
        ("space battle, directed by steven spielberg", "A space battle, directed by Steven Spielberg."),
        ("art by artgerm", "A piece of art by Artgerm."),
        ("a dog, oil painting by claude monet", "An oil painting by Claude Monet of a dog."),
        # a bare "by" is a style reference (and so is a list that names other makers too)
        ("a dog, oil painting, by claude monet", "An oil painting of a dog in the style of Claude Monet."),
        # "by" as a preposition names no maker
        ("a castle by the sea, oil painting", "An oil painting of a castle by the sea."),
        ("a knight surrounded by smoldering ruins", "A knight surrounded by smoldering ruins."),
        ("side by side twins, watercolor", "A watercolor painting of side by side twins."),
    ],
)
def test_by_credits_a_maker_only_when_it_names_one(prompt: str, expected: str) -> None:
    assert ps.rewrite(prompt).output == expected


def test_the_authored_credit_rule_can_be_switched_off() -> None:
    from promptsmith.rewriters.rules import Rewriter
    from promptsmith.rewriters.rules.registry import load_rewrite_rules

    off = Rewriter(rules=load_rewrite_rules().without("authored-credit"))
    assert off.rewrite("a dog, oil painting by claude monet").output == \
        "An oil painting of a dog in the style of Claude Monet."


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        # a movement or aesthetic is a look, not a maker (REWRITE-EXAMPLES 16)
        ("old lighthouse keeper, reading by lamplight, by anna ancher and peder krøyer, impressionism",
         "An old lighthouse keeper, reading by lamplight, in the impressionist style of Anna Ancher and Peder Krøyer."),
        ("anime girl, minimalist", "An anime girl in a minimalist style."),
        ("girl on a rooftop, vogue cover, baroque", "A Vogue cover of a girl on a rooftop in a baroque style."),
        ("portrait of a woman, art nouveau, by alphonse mucha",  # a look of several words names itself
         "A portrait of a woman, in the style of Art Nouveau and Alphonse Mucha."),
        ("castle, surrealism, surrealist", "A castle in a surrealist style."),  # one look, said once
        ("castle, surrealism, cosmic horror", "A castle in the style of Surrealism and Cosmic Horror."),
        ("woman, style of by jordan grimmer", "A woman in the style of Jordan Grimmer."),  # no stray "by"
    ],
)
def test_a_look_is_written_as_a_style_not_credited_as_a_maker(prompt: str, expected: str) -> None:
    assert ps.rewrite(prompt).output == expected


def test_the_look_rule_can_be_switched_off() -> None:
    from promptsmith.rewriters.rules import Rewriter
    from promptsmith.rewriters.rules.registry import load_rewrite_rules

    assert Rewriter(rules=load_rewrite_rules().without("look-not-maker")).rewrite("anime girl, minimalist").output \
        == "An anime girl in the style of Minimalist."


def test_image_prompts_stay_first() -> None:
    r = ps.rewrite("<https://example.com/ref.png> cat wearing a crown, watercolor --iw 1.5")
    assert r.output.startswith("https://example.com/ref.png A watercolor painting of a cat wearing a crown")
    assert r.output.endswith("--iw 1.5")


def test_permutations_survive() -> None:
    r = ps.rewrite("{red, blue} vintage car, studio lighting")
    assert r.output == "A {red, blue} vintage car, with studio lighting."
    assert len(ps.parse(r.output).expand()) == 2


def test_nothing_to_do() -> None:
    text = "A quiet reading nook by a rain-streaked window, soft morning light, muted greens. --ar 4:5"
    r = ps.rewrite(text)
    assert r.output == text and r.changes == []


def test_unknown_words_are_kept() -> None:
    assert (
        ps.rewrite("zorblat creature, bioluminescent, deep sea, 8k").output
        == "A bioluminescent zorblat creature in the deep sea."
    )


def test_syntax_fixed_first() -> None:
    r = ps.rewrite("a lighthouse at dusk –ar 16:9")
    assert r.output.endswith("--ar 16:9") and "en-dash-parameter" in rules_of(r)


def test_same_input_same_output_and_candidates() -> None:
    text = "old fisherman, oil painting, dramatic lighting, moody"
    a, b = ps.rewrite(text), ps.rewrite(text)
    assert a.output == b.output and a.candidates == [a.output]
    many = Rewriter(n_candidates=8).rewrite(text)
    assert len(many.candidates) > 1 and many.candidates[0] == a.output
    assert len(set(many.candidates)) == len(many.candidates)
    assert many.candidates == Rewriter(n_candidates=8).rewrite(text).candidates


@pytest.mark.parametrize(
    "rule",
    [
        "filler-quality-token",
        "negation-to-no",
        "legacy-flag",
        "width-height-to-aspect",
        "clamp-out-of-range",
        "target-version",
        "double-quotes",
        "suggest-style-raw",
    ],
)
def test_each_rule_can_be_switched_off(rule: str) -> None:
    prompts = {
        "filler-quality-token": "a cat, 8k",
        "negation-to-no": "a beach, no people",
        "legacy-flag": "a cat --upbeta",
        "width-height-to-aspect": "a cat --w 320 --h 512",
        "clamp-out-of-range": "a cat --s 5000",
        "target-version": "a cat --v 5",
        "double-quotes": "a sign that says 'Hi'",
        "suggest-style-raw": 'a sign that says "Hi"',
    }
    on = Rewriter().rewrite(prompts[rule])
    off = Rewriter(rules=load_rewrite_rules().without(rule)).rewrite(prompts[rule])
    assert rule in rules_of(on)
    assert rule not in rules_of(off)


def test_real_prompts_round_trip_and_lint_clean(real_prompts: list[str]) -> None:
    rewriter = Rewriter()
    dirty = 0
    sample = real_prompts[::5]
    for text in sample:
        r = rewriter.rewrite(text)
        again = ps.parse(r.output)
        assert again.source == r.output
        if any(d.code in WORDING for d in r.diagnostics):
            dirty += 1
    assert dirty / len(sample) < 0.05


def test_stream_one_record_per_line_in_order_with_errors() -> None:
    lines = ["old fisherman, oil painting, 8k", "", '{"prompt": 1}', "a cat --s 5000"]
    result = CliRunner().invoke(
        main, ["rewrite", "--engine", "rules", "--format", "jsonl"], input="\n".join(lines) + "\n"
    )
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3, 4]
    assert [r["input"] for r in records] == lines
    assert records[1]["output"] == "" and records[1]["error"] is None
    assert all({"line", "input", "output", "engine", "changes", "error"} <= set(r) for r in records)
    # the third line's output is a one-option permutation (PS010): flagged, so the exit status is 1
    assert records[2]["clean"] is False and records[2]["diagnostics"]
    assert [r.get("clean", True) for r in (records[0], records[3])] == [True, True]
    assert result.exit_code == 1


def test_jsonl_input_passes_ids_and_reports_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "a1", "prompt": "a cat, 8k"}) + "\nnot json\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["rewrite", "--engine", "rules", "-f", str(path), "--format", "jsonl"])
    first, second = (json.loads(x) for x in result.stdout.splitlines())
    assert first["id"] == "a1" and first["output"] == "A cat."
    assert second["error"].startswith("invalid JSON")
    assert result.exit_code == 1


def test_workers_keep_order(tmp_path: Path) -> None:
    prompts = [f"cat number {i}, oil painting, 8k" for i in range(150)]
    path = tmp_path / "p.txt"
    path.write_text("\n".join(prompts) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["rewrite", "--engine", "rules", "-f", str(path), "--format", "jsonl", "--workers", "2"]
    )
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["input"] for r in records] == prompts


def test_streams_before_stdin_closes() -> None:
    exe = Path(sys.executable).parent / "promptsmith"
    proc = subprocess.Popen(
        [str(exe), "rewrite", "--engine", "rules", "--format", "jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write("a cat, 8k\n")
    proc.stdin.flush()
    first = json.loads(proc.stdout.readline())  # arrives while stdin is still open
    assert first["output"] == "A cat."
    proc.stdin.close()
    proc.wait(timeout=30)


def test_text_format_and_explain() -> None:
    result = CliRunner().invoke(main, ["rewrite", "--engine", "rules", "a cat, 8k", "--explain"])
    assert result.stdout.splitlines()[0] == "A cat."
    assert "filler-quality-token" in result.stdout
