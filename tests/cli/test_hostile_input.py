"""Hostile input through the installed CLI (a real process, real stdin): every line gets its
record, nothing crashes, and `lint --fix` never loses or changes a byte it does not fix."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import promptsmith as ps

DEEP_BRACES = "{" * 989 + "a" + "}" * 989
DEEP_JSON = '{"prompt": "a", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"


def run(*args: str, stdin: bytes | str = b"", cwd: Path | None = None, **kw) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode("utf-8", "surrogatepass") if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-m", "promptsmith", *args], input=data, capture_output=True,
                          timeout=120, cwd=cwd, **kw)


def records(out: bytes) -> list[dict]:
    return [json.loads(line) for line in out.decode("utf-8").splitlines() if line.strip()]


# -- batches that aborted or lost lines ----------------------------------------------------------
def test_deep_braces_give_a_record_for_every_line() -> None:
    text = f"{DEEP_BRACES}\nb, 8k\n"
    for args in (("lint", "-", "--format", "jsonl"), ("rewrite", "--engine", "rules", "--format", "jsonl"),
                 ("parse", "-")):
        out = run(*args, stdin=text)
        assert b"Traceback" not in out.stderr, (args, out.stderr[-400:])
        assert [r["line"] for r in records(out.stdout)] == [1, 2], args
    ps.lint(DEEP_BRACES)
    ps.fix(DEEP_BRACES)
    assert ps.rewrite(DEEP_BRACES).output


def test_a_lone_surrogate_escape_in_jsonl_is_kept_and_written_escaped(tmp_path: Path) -> None:
    data = '{"prompt":"a"}\n{"prompt":"x \\ud800"}\n{"prompt":"c"}\n'
    for args in (("lint", "-", "--input-format", "jsonl", "--format", "jsonl"),
                 ("rewrite", "--engine", "rules", "--input-format", "jsonl", "--format", "jsonl"),
                 ("parse", "-", "--input-format", "jsonl")):
        out = run(*args, stdin=data)
        got = records(out.stdout)
        assert [r["line"] for r in got] == [1, 2, 3] and b"Traceback" not in out.stderr, args
        assert any(isinstance(v, str) and v.endswith("x \ud800") for v in got[1].values()), args  # kept as it came
    for fmt in ("text", "json", "sarif", "github"):
        out = run("lint", "-", "--input-format", "jsonl", "--format", fmt, stdin=data)
        assert b"Traceback" not in out.stderr and out.returncode in (0, 1), fmt
    pairs = '{"a":"a fox","b":"A fox."}\n{"a":"x \\ud800 fox","b":"A fox."}\n{"a":"c","b":"C."}\n'
    out = run("compare", "--file", "-", stdin=pairs)
    assert [r["line"] for r in records(out.stdout)] == [1, 2, 3] and b"Traceback" not in out.stderr


def test_deeply_nested_json_is_a_bad_record_not_a_crash() -> None:
    data = DEEP_JSON + '\n{"prompt": "b, 8k"}\n'
    for args in (("lint", "-", "--input-format", "jsonl", "--format", "jsonl"),
                 ("rewrite", "--engine", "rules", "--input-format", "jsonl", "--format", "jsonl"),
                 ("parse", "-", "--input-format", "jsonl")):
        out = run(*args, stdin=data)
        got = records(out.stdout)
        assert [r["line"] for r in got] == [1, 2] and "nested too deeply" in got[0]["error"], args
    out = run("compare", "--file", "-", stdin=DEEP_JSON.replace('"prompt": "a"', '"a": "x", "b": "y"') + "\n")
    assert "nested too deeply" in records(out.stdout)[0]["error"]


def test_a_lone_carriage_return_is_not_a_line_break() -> None:
    out = run("lint", "-", "--format", "jsonl", stdin=b"a\rb, 8k\nc\n")
    assert [(r["line"], r["prompt"]) for r in records(out.stdout)] == [(1, "a\rb, 8k"), (2, "c")]


def test_empty_prompts_get_records_in_every_command() -> None:
    data = '{"prompt":""}\n{"prompt":"  "}\n{"prompt":"a, 8k"}\n'
    for args in (("lint", "-", "--input-format", "jsonl", "--format", "jsonl"),
                 ("rewrite", "--engine", "rules", "--input-format", "jsonl", "--format", "jsonl"),
                 ("parse", "-", "--input-format", "jsonl")):
        assert [r["line"] for r in records(run(*args, stdin=data).stdout)] == [1, 2, 3], args


def test_a_byte_order_mark_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfold fisherman, 8k\n")
    assert records(run("lint", str(path), "--format", "jsonl").stdout)[0]["prompt"] == "old fisherman, 8k"


def test_an_overlong_prompt_is_one_finding_and_is_left_alone() -> None:
    long = "cyberpunk city, neon, rain, 8k, " * 2_000  # 64,000 characters: read, and PS013
    out = run("lint", "-", "--format", "jsonl", stdin=long + "\nb\n")
    got = records(out.stdout)
    assert [d["code"] for d in got[0]["diagnostics"]] == ["PS013"] and got[1]["line"] == 2
    line = "cyberpunk city, neon, rain, 8k, " * 40_000  # 1.28 MB: over the line bound, never held
    out = run("lint", "-", "--format", "jsonl", stdin=line + "\nb\n")
    got = records(out.stdout)
    assert "PS013" in got[0]["error"] and "1,280,000 bytes" in got[0]["error"] and got[1]["line"] == 2
    assert out.returncode == 2 and b"-:1: error: this line is 1,280,000 bytes long" in out.stderr
    result = ps.rewrite(line)
    assert result.output == line and not result.clean
    assert ps.fix(line).text == line


def test_workers_stream_stdin_and_stop_on_sigterm() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "promptsmith", "rewrite", "--engine", "rules", "--workers", "2",
                             "--format", "jsonl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)
    try:
        for i in range(1, 4):  # each record comes back before the next line is written
            proc.stdin.write(f"a castle number {i}, 8k\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
            assert json.loads(proc.stdout.readline())["line"] == i  # type: ignore[union-attr]
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert children
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 128 + signal.SIGTERM
        deadline = time.time() + 5
        while time.time() < deadline and any(Path(f"/proc/{c}").exists() for c in children):
            time.sleep(0.1)
        assert not [c for c in children if Path(f"/proc/{c}").exists()]
        assert "Traceback" not in proc.stderr.read()  # type: ignore[union-attr]
    finally:
        proc.kill()


def test_ctrl_c_exits_130() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "promptsmith", "lint", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)  # started and waiting on stdin
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    proc.stdin.close()  # type: ignore[union-attr]


# -- lint --fix never loses or changes what it does not fix --------------------------------------
def test_fix_keeps_every_byte_it_does_not_fix(tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(b"a cat, 8k\r\nold man\r\nno newline at the end, 8k")
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfa dog, 8k\n")
    cr = tmp_path / "cr.txt"
    cr.write_bytes(b"a\rb, 8k\n")
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_bytes(b'{"id": 1, "prompt": "a cat, 8k", "z": "\xc3\xa9"}\n{"prompt":"unchanged",  "k":1}\n')
    os.chmod(crlf, 0o640)
    out = run("lint", "--fix", str(crlf), str(bom), str(cr), str(jsonl))
    assert out.returncode in (0, 1), out.stderr
    assert crlf.read_bytes() == b"a cat\r\nold man\r\nno newline at the end"
    assert oct(crlf.stat().st_mode & 0o777) == oct(0o640)
    assert bom.read_bytes() == b"\xef\xbb\xbfa dog\n"
    assert cr.read_bytes() == b"a\rb\n"
    assert jsonl.read_bytes() == b'{"id": 1, "prompt": "a cat", "z": "\xc3\xa9"}\n{"prompt":"unchanged",  "k":1}\n'


def test_fix_leaves_an_undecodable_file_and_an_unchanged_file_alone(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"a cat, 8k\n\xff bad\n")
    clean = tmp_path / "clean.txt"
    clean.write_bytes(b"a clean prompt\n")
    before = clean.stat()
    out = run("lint", "--fix", str(bad), str(clean))
    assert bad.read_bytes() == b"a cat, 8k\n\xff bad\n"
    assert b"not UTF-8" in out.stderr and out.returncode == 2
    after = clean.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_fix_of_the_same_file_twice_fixes_it_once(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_text("a cat, 8k\nb\n", encoding="utf-8")
    run("lint", "--fix", str(path), str(path))
    assert path.read_text(encoding="utf-8") == "a cat\nb\n"


def test_a_write_that_fails_midway_leaves_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    text = "".join(f"prompt number {i}, a castle on a hill, 8k, masterpiece\n" for i in range(3000))
    path.write_text(text, encoding="utf-8")

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (50 * 1024, 50 * 1024))

    out = run("lint", "--fix", str(path), preexec_fn=small_files)
    assert out.returncode == 2 and b"cannot write" in out.stderr
    assert path.read_text(encoding="utf-8") == text
    assert [p.name for p in tmp_path.iterdir()] == ["big.txt"]  # no temporary file left behind


def test_a_read_only_file_is_reported_and_the_rest_are_fixed(tmp_path: Path) -> None:
    locked = tmp_path / "a.txt"
    locked.write_text("a fox, 8k\n", encoding="utf-8")
    locked.chmod(0o444)
    other = tmp_path / "b.txt"
    other.write_text("a cat, 8k\n", encoding="utf-8")
    out = run("lint", "--fix", str(locked), str(other))
    assert out.returncode == 2 and b"a.txt: cannot write the fixes" in out.stderr and b"Traceback" not in out.stderr
    assert locked.read_text(encoding="utf-8") == "a fox, 8k\n"
    assert other.read_text(encoding="utf-8") == "a cat\n"


def test_a_symlink_is_fixed_through_with_a_word(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_text("a cat, 8k\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    out = run("lint", "--fix", str(link))
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "a cat\n"
    assert b"a symlink" in out.stderr


def test_fix_on_stdin_keeps_line_endings() -> None:
    out = run("lint", "--fix", "-", stdin=b"a, 8k\r\nb\n")
    assert out.stdout == b"a\r\nb\n"


@pytest.mark.parametrize("size_mb", [1])
def test_fix_on_a_long_line_is_bounded(tmp_path: Path, size_mb: int) -> None:
    path = tmp_path / "long.txt"
    path.write_text("cyberpunk city, neon, rain, 8k, " * (size_mb * 32_768) + "\n", encoding="utf-8")
    before = path.read_bytes()
    out = run("lint", "--fix", str(path))
    assert b"PS013" in out.stderr and b"not fixed: line 1 was too long to read" in out.stderr
    assert out.returncode == 2 and path.read_bytes() == before


# -- elsewhere: config, extras, exit codes --------------------------------------------------------
def test_an_unreadable_user_config_is_one_line_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "promptsmith").mkdir()
    (tmp_path / "promptsmith" / "config.toml").write_bytes(b"\xff\xfe not text")
    out = subprocess.run([sys.executable, "-m", "promptsmith", "lint", "-"], input=b"a cat\n", capture_output=True,
                         timeout=60, env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)})
    assert out.returncode == 2 and b"config.toml is not UTF-8" in out.stderr and b"Traceback" not in out.stderr


def test_a_missing_model_exits_2_in_every_command(tmp_path: Path) -> None:
    missing = str(tmp_path / "nothing")
    for args in (("compare", "a", "b", "--embed-model", missing),
                 ("rewrite", "a cat", "--engine", "llm", "--model", missing + ".gguf"),
                 ("preview", "a cat", "--pipeline", missing)):
        out = run(*args)
        assert out.returncode == 2 and b"Traceback" not in out.stderr, (args, out.stderr[-300:])


def test_the_transformers_backend_without_transformers_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from promptsmith.backends.transformers_generator import TransformersGenerator
    from promptsmith.errors import BackendUnavailable

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "transformers" else real(name, *a)
    )
    with pytest.raises(BackendUnavailable, match="needs transformers"):
        TransformersGenerator()


def test_the_rule_cache_is_keyed_by_python_and_falls_back_on_a_bad_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from promptsmith.core import resources

    rule = tmp_path / "r.toml"
    rule.write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(resources, "user_cache_dir", lambda: tmp_path / "cache")
    resources._load_toml.cache_clear()
    assert resources._load_toml(rule) == {"x": 1}
    copy = resources._cache_path(rule)
    copy.write_bytes(b"\x00garbage")
    resources._load_toml.cache_clear()
    assert resources._load_toml(rule) == {"x": 1}
    resources._load_toml.cache_clear()


@pytest.mark.parametrize(
    ("module", "args", "says"),
    [
        ("diffusers", ["serve", "--pipeline", "."], "diffusers is not installed"),
        ("textual", ["tui"], "promptsmith[tui]"),
        ("sentence_transformers", ["compare", "a", "b", "--embed-model", "."], ""),
    ],
)
def test_a_missing_extra_exits_2_and_names_it(module: str, args: list[str], says: str, tmp_path: Path) -> None:
    """The extra's package made unimportable (sys.modules[name] = None), then the command run."""
    code = (
        f"import sys; sys.modules[{module!r}] = None; sys.argv = ['promptsmith', *{args!r}]; "
        "from promptsmith.cli.main import entry; entry()"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr and says in out.stderr, out.stderr[-400:]
