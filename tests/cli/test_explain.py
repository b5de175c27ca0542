"""`promptsmith explain`: Markdown rendered by rich on a terminal, plain text in a pipe."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from promptsmith.cli.main import main

ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: An SGR sequence that sets a foreground or background colour (30–38, 40–48, 90–97, 100–107).
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]")


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["explain", *args], env=env)


def test_a_pipe_gets_the_markdown_as_written() -> None:
    for args in (("PS201",), ("PS201", "--no-color")):
        out = run(*args).output
        assert out.startswith("# filler-quality-token (PS201)\n")
        assert "## Why is this bad?" in out and "## References\n- " in out
        assert not ANSI.search(out)


def test_without_rich_color_prints_plain_text_and_says_why() -> None:
    code = ("import sys; sys.modules['rich'] = None\n"  # rich not installed (it is an optional extra)
            "from promptsmith.cli.main import main\n"
            "main(['explain', 'PS201', '--color'])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "## Why is this bad?" in proc.stdout and not ANSI.search(proc.stdout)
    assert "promptsmith[tui]" in proc.stderr


def test_color_renders_with_rich() -> None:
    pytest.importorskip("rich")
    out = run("PS201", "--color").output
    assert COLOUR.search(out), "a rendered rule has coloured code spans"
    plain = ANSI.sub("", out)
    assert "Why is this bad?" in plain and "## Why is this bad?" not in plain
    assert "https://arxiv.org/abs/2103.00020" in plain.replace("\n", "")


def test_color_flag_overrides_no_color_env() -> None:
    pytest.importorskip("rich")
    assert COLOUR.search(run("PS201", "--color", env={"NO_COLOR": "1"}).output)


def _on_a_terminal(env_update: dict[str, str]) -> str:
    """`promptsmith explain PS201` with its stdout on a pseudo-terminal, as a user runs it."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update({"COLUMNS": "100", "TERM": "xterm-256color", **env_update})
    proc = subprocess.Popen([sys.executable, "-m", "promptsmith", "explain", "PS201"], stdout=slave,
                            stderr=subprocess.PIPE, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_terminal_gets_rendered_markdown() -> None:
    pytest.importorskip("rich")
    out = _on_a_terminal({})
    assert COLOUR.search(out)
    assert "## What it does" not in ANSI.sub("", out)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_no_color_env_keeps_the_rendering_without_colours() -> None:
    pytest.importorskip("rich")
    out = _on_a_terminal({"NO_COLOR": "1"})
    assert ANSI.search(out), "still rendered (bold, underline)"
    assert not COLOUR.search(out)
    assert "## What it does" not in ANSI.sub("", out)
