"""One session behind every command: engines and names from the registries, noqa, model names,
progress bars, threads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from promptsmith.cli.main import main
from promptsmith.registries import ENGINES, GENERATORS, LLM_JOBS


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), input=input, env=env)


# -- registries -----------------------------------------------------------------------------------
def test_the_cli_choices_come_from_the_registries() -> None:
    import click

    params = {p.name: p for p in main.commands["rewrite"].params}
    assert tuple(params["engine"].type.choices) == ENGINES.names
    assert tuple(params["llm_jobs"].type.choices) == LLM_JOBS.names
    assert tuple(params["llm_backend"].type.choices) == GENERATORS.names
    tui = {p.name: p for p in main.commands["tui"].params}
    assert tuple(tui["engine"].type.choices) == ENGINES.names
    assert isinstance(params["model"], click.Option) and "-m" in params["model"].opts


def test_a_registry_resolves_aliases_and_names_its_choices() -> None:
    from promptsmith.errors import ConfigError

    assert GENERATORS.resolve("llama.cpp") == "llama-cpp" and GENERATORS.resolve("HF") == "transformers"
    with pytest.raises(ConfigError, match="choose one of llama-cpp, transformers"):
        GENERATORS.resolve("onnx")
    assert "rules (default)" in ENGINES.help()


def test_an_unknown_engine_in_the_config_is_a_usage_error(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "promptsmith.toml").write_text('engine = "gpt"\n')
    monkeypatch.chdir(tmp_path)
    result = run("rewrite", "a cat, 8k")
    assert result.exit_code == 2
    assert "unknown engine 'gpt'; choose one of rules, llm, auto" in result.output


def test_rewrite_defaults_to_the_rules_engine_without_touching_a_model() -> None:
    result = run("rewrite", "a cat, 8k", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["engine"] == "rules"


def test_rewrite_honours_the_configured_rule_dirs(tmp_path: Path, monkeypatch) -> None:
    rules = tmp_path / "myrules" / "rewrite"
    rules.mkdir(parents=True)
    (rules / "v5-to-v6.toml").write_text('[rules]\nfiller-quality-token = { enabled = false }\n')
    (tmp_path / "promptsmith.toml").write_text('rule-dirs = ["myrules"]\n')
    monkeypatch.chdir(tmp_path)
    with_dirs = run("rewrite", "a cat, 8k", "--format", "json")
    monkeypatch.chdir(tmp_path.parent)
    without = run("rewrite", "a cat, 8k", "--format", "json")
    assert with_dirs.exit_code in (0, 1) and without.exit_code in (0, 1)
    assert "8k" not in json.loads(without.stdout)["output"]
    assert "8k" in json.loads(with_dirs.stdout)["output"]  # stderr says why it exits 1


# -- noqa -----------------------------------------------------------------------------------------
def test_noqa_in_a_text_file_suppresses_and_fix_keeps_the_comment(tmp_path: Path) -> None:
    f = tmp_path / "p.txt"
    f.write_text("cat, 8k  # noqa: PS201\ndog, 8k, #hashtag\nbird, 8k # noqa\nfish, 8k # NOQA: filler-quality-token\n")
    result = run("lint", str(f), "--output-format", "jsonl")
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [[d["code"] for d in r["diagnostics"]] for r in records] == [[], ["PS201"], [], []]
    assert records[0]["prompt"] == "cat, 8k"  # the comment is not part of the prompt
    assert run("lint", str(f), "--fix").exit_code == 0
    assert (
        f.read_text()
        == "cat, 8k  # noqa: PS201\ndog, #hashtag\nbird, 8k # noqa\nfish, 8k # NOQA: filler-quality-token\n"
    )


def test_noqa_in_jsonl_and_a_bad_value_is_bad_input(tmp_path: Path) -> None:
    f = tmp_path / "p.jsonl"
    f.write_text(
        '{"prompt": "cat, 8k", "noqa": ["PS2"]}\n{"prompt": "cat, 8k", "noqa": "PS201,PS203"}\n'
        '{"prompt": "cat, 8k", "noqa": true}\n{"prompt": "cat, 8k", "noqa": 5}\n{"prompt": "cat, 8k"}\n'
    )
    result = run("lint", str(f), "--output-format", "jsonl")
    records = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert len(records) == 5
    assert [[d["code"] for d in r["diagnostics"]] for r in records] == [[], [], [], [], ["PS201"]]
    assert records[3]["error"].startswith('"noqa" must be')
    assert result.exit_code == 2


def test_a_noqa_naming_no_rule_is_warned_about(tmp_path: Path) -> None:
    f = tmp_path / "p.txt"
    f.write_text("cat, 8k # noqa: PS999, PS201\n")
    result = run("lint", str(f))
    assert result.exit_code == 0
    assert "p.txt:1: warning: noqa names no rule: PS999" in result.output


def test_rewrite_reads_past_a_noqa_comment(tmp_path: Path) -> None:
    f = tmp_path / "p.txt"
    f.write_text("a cat, 8k # noqa: PS201\n")
    record = json.loads(run("rewrite", "-f", str(f), "--format", "jsonl").output)
    assert "noqa" not in record["output"] and "cat" in record["output"]


# -- models ---------------------------------------------------------------------------------------
def test_model_names_are_typable(tmp_path: Path) -> None:
    from promptsmith.backends.models import model_name

    assert model_name(Path("SmolLM2-135M-Instruct.Q4_1.gguf")) == "smollm2-135m-instruct"
    assert model_name(Path("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")) == "qwen2.5-coder-1.5b-instruct"
    assert model_name(Path("tiny.F16.gguf")) == "tiny"


def test_model_flag_takes_a_name_from_models_and_says_what_is_wrong(tmp_path: Path, monkeypatch) -> None:
    from promptsmith.backends.models import resolve_model_path
    from promptsmith.errors import ModelNotFound

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = tmp_path / "promptsmith" / "models"
    folder.mkdir(parents=True)
    (folder / "My-Model.Q8_0.gguf").write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x00" * 16)
    assert resolve_model_path("my-model") == folder / "My-Model.Q8_0.gguf"
    with pytest.raises(ModelNotFound, match=r"no model named 'other' \(known: .*my-model"):
        resolve_model_path("other")
    with pytest.raises(ModelNotFound, match="is a folder"):
        resolve_model_path(str(folder))
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model at all")
    from promptsmith.backends.llama_cpp import LlamaCppGenerator

    with pytest.raises(ModelNotFound, match="is not a GGUF file"):
        LlamaCppGenerator(str(bad)).llama  # noqa: B018 - loading is the point
    truncated = tmp_path / "cut.gguf"
    truncated.write_bytes(b"GGUF\x03\x00\x00\x00\x01")
    with pytest.raises(ModelNotFound, match="truncated or damaged"):
        LlamaCppGenerator(str(truncated)).llama  # noqa: B018


@pytest.mark.slow
def test_models_prints_names_rewrite_takes() -> None:
    pytest.importorskip("llama_cpp")
    listing = json.loads(run("models", "--format", "json").output)
    name = listing[0]["name"]
    assert name == "smollm2-135m-instruct"
    result = run("rewrite", "old fisherman, oil painting, 8k", "--engine", "llm", "-m", name, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    record = json.loads(result.output)
    assert record["engine"] == "llm" and "SmolLM2" in record["model"]


@pytest.mark.slow
def test_explain_describes_the_sentence_the_model_ranked() -> None:
    pytest.importorskip("llama_cpp")
    result = run("rewrite", "old fisherman, oil painting, 8k", "--engine", "llm", "--format", "json")
    record = json.loads(result.output)
    brief = next(c for c in record["changes"] if c["rule"] == "natural-language-brief")
    assert brief["after"] in record["output"]


# -- LLM runtime settings -------------------------------------------------------------------------
def test_llm_threads_default_to_physical_cores_less_one() -> None:
    from promptsmith.backends.cpu import cpu_count, llm_threads, physical_cores

    assert 1 <= physical_cores() <= cpu_count()
    assert llm_threads() == max(1, physical_cores() - 1)
    from promptsmith.session import Session
    from promptsmith.settings import Settings

    assert Session(Settings(threads=3)).settings.threads == 3


def test_write_budget_scales_with_the_input() -> None:
    from promptsmith.rewriters.llm.rewriter import write_budget

    short, long = write_budget("a cat"), write_budget(" ".join(["word"] * 120))
    assert short == 64 and long > 96 and write_budget(" ".join(["w"] * 2000)) == 384


def test_chat_templates_from_the_gguf_metadata_with_chatml_as_the_fallback() -> None:
    from promptsmith.backends.chat import chat

    turns = [("user", "notes"), ("assistant", "brief"), ("user", "more")]
    assert chat("sys", turns, "none") == chat("sys", turns, "chatml")
    assert chat("sys", turns, "chatml").endswith("<|im_start|>assistant\n")
    assert chat("sys", turns, "llama-3").endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")
    gemma = chat("sys", turns, "gemma")
    assert gemma.startswith("<start_of_turn>user\nsys\n\nnotes") and gemma.endswith("<start_of_turn>model\n")
    assert chat("sys", turns, "mistral").startswith("<s>[INST] sys\n\nnotes [/INST] brief</s>")


# -- progress and workers -------------------------------------------------------------------------
def test_small_inputs_are_split_across_workers() -> None:
    from promptsmith.cli.rewrite_cmd import split_size

    assert split_size(15, 2) == 2 and split_size(100_000, 2) == 64 and split_size(3, 4) == 1
    assert split_size(None, 2) == 64 and split_size(15, 1) == 64


def test_chunks_shrink_towards_the_end_of_a_known_total() -> None:
    from itertools import islice

    from promptsmith.services.batch import chunk_sizes

    sizes, left = [], 1495
    for size in chunk_sizes(64, 2, 1495):
        sizes.append(min(size, left))
        left -= size
        if left <= 0:
            break
    assert sum(sizes) == 1495 and sizes[0] == 64 and max(sizes) == 64
    assert sizes == sorted(sizes, reverse=True) and sizes[-2] == 4  # the last ones a few jobs each
    assert list(islice(chunk_sizes(64, 2, None), 3)) == [64, 64, 64]  # a stream: always `chunk`
    assert list(islice(chunk_sizes(1, 2, 10), 3)) == [1, 1, 1]


def test_count_lines_counts_a_last_line_without_newline(tmp_path: Path) -> None:
    from promptsmith.cli.progress import count_lines

    f = tmp_path / "p.txt"
    f.write_bytes(b"a\nb\nc")
    assert count_lines(str(f)) == 3
    f.write_bytes(b"a\nb\n")
    assert count_lines(str(f)) == 2
    assert count_lines("-") is None


@pytest.mark.slow
def test_a_file_shows_a_progress_bar_with_rate_and_eta(tmp_path: Path) -> None:
    """In a real pseudo-terminal: rich's bar, the count out of the total, a rate and the time left."""
    import pty
    import select

    f = tmp_path / "p.txt"
    f.write_text("".join(f"a red fox number {i}, oil painting, 8k\n" for i in range(400)))
    out = tmp_path / "out.jsonl"
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "promptsmith", "rewrite", "-f", str(f), "--format", "jsonl"],
        stdin=subprocess.DEVNULL,
        stdout=out.open("wb"),
        stderr=follower,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=60)
    os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert proc.returncode in (0, 1)
    assert "400/400" in text and "/s" in text and "100%" in text
    assert len(out.read_text().splitlines()) == 400


def test_shell_completion_completes_the_registered_engines() -> None:
    env = {
        **os.environ,
        "COMP_WORDS": "promptsmith rewrite --engine ",
        "COMP_CWORD": "3",
        "_PROMPTSMITH_COMPLETE": "bash_complete",
    }
    script = Path(sys.executable).parent / "promptsmith"  # the console script: completion keys on its name
    out = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == [f"plain,{name}" for name in ENGINES.names]


def test_auto_workers_fork_for_a_large_file_on_the_rules_engine_only() -> None:
    from promptsmith.backends.cpu import physical_cores
    from promptsmith.cli.rewrite_cmd import auto_workers

    assert auto_workers("rules", False, 5_000, 200) == physical_cores()
    assert auto_workers("rules", False, 199, 200) == 1  # a short file: forking costs more than it saves
    assert auto_workers("rules", False, None, 200) == 1  # stdin: its length is unknown, its lines stream
    assert auto_workers("llm", False, 5_000, 200) == 1  # each worker would load its own model
    assert auto_workers("rules", True, 5_000, 200) == 1  # --check loads an embedder


def test_workers_auto_gives_what_one_process_gives(tmp_path: Path) -> None:
    """`--workers auto` (the default) on a file long enough to fork: every line, in order, and
    byte for byte the records of one process (but the seconds each took)."""
    prompts = [f"a red fox number {i}, oil painting, volumetric lighting, 8k --ar 3:2" for i in range(450)]
    prompts[7] = ""
    prompts[300] = "x" * 70_000  # over the length limit: left as it is, with PS013
    f = tmp_path / "p.txt"
    f.write_text("\n".join(prompts) + "\n", encoding="utf-8")

    def run(workers: str) -> list[dict]:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "promptsmith",
                "rewrite",
                "--engine",
                "rules",
                "-f",
                str(f),
                "--format",
                "jsonl",
                "--workers",
                workers,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        records = [json.loads(line) for line in out.stdout.splitlines()]
        for r in records:
            r.pop("seconds", None)
        return records

    auto, one = run("auto"), run("1")
    assert len(one) == len(prompts) and [r["line"] for r in one] == list(range(1, len(prompts) + 1))
    assert auto == one


def test_workers_must_be_auto_or_a_count() -> None:
    result = CliRunner().invoke(main, ["rewrite", "--workers", "many", "a cat"])
    assert result.exit_code == 2 and "is not auto or a whole number" in result.output
    result = CliRunner().invoke(main, ["rewrite", "--workers", "0", "a cat"])
    assert result.exit_code == 2 and "not in the range 1 to 64" in result.output
