"""The real app in a real terminal: tmux runs `python -m promptsmith tui` at 80×24 and 140×42,
send-keys reaches every control (each key of the key bar, every parameter field, the raw toggle,
the version list, the palette, help and history) and capture-pane reads each result back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from promptsmith.tui.actions import ACTIONS

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BOX = "│╭╮╰╯─▊▎▏"


def _tmux(*args: str, check: bool = True) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=check).stdout


class Terminal:
    """One tmux session running the TUI."""

    def __init__(self, session: str, width: int, height: int) -> None:
        self.session, self.width, self.height = session, width, height

    def screen(self) -> str:
        return _tmux("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        for key in keys:
            _tmux("send-keys", "-t", self.session, key)
            time.sleep(0.05)

    def type(self, text: str) -> None:
        _tmux("send-keys", "-t", self.session, "-l", text)

    def wait_for(self, test, what: str, timeout: float = 30) -> str:
        """The screen once `test(screen)` holds (a string: once it is on the screen)."""
        check = (lambda s: test in s) if isinstance(test, str) else test
        end = time.time() + timeout
        screen = ""
        while time.time() < end:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{what}: never appeared at {self.width}×{self.height}; screen was:\n{screen}")

    def prompt(self, screen: str | None = None) -> str:
        """The editor's text: the rows of the left pane inside the editor's box, joined."""
        rows = (screen or self.screen()).splitlines()
        half = self.width // 2
        top = next(i for i, r in enumerate(rows) if "╭" in r[:half])
        bottom = next(i for i, r in enumerate(rows) if i > top and "╰" in r[:half])
        inside = [r[:half].strip().strip("│").strip() for r in rows[top + 1 : bottom]]
        return " ".join(x for x in inside if x)


def flat(screen: str) -> str:
    return " ".join(" ".join("".join(" " if ch in BOX else ch for ch in line).split()) for line in screen.splitlines())


@pytest.mark.parametrize("size", [(80, 24), (140, 42)], ids=["80x24", "140x42"])
def test_every_control_in_a_real_terminal(tmp_path: Path, size: tuple[int, int]) -> None:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed (apt-get install tmux)")
    width, height = size
    session = f"ps-{os.getpid()}-{width}"
    env = {"XDG_DATA_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", "TERM": "xterm-256color",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    # COLUMNS/LINES (pytest may set them) would override the terminal size the app reads
    command = ("env -u COLUMNS -u LINES " + " ".join(f"{k}={v}" for k, v in env.items())
               + f" {sys.executable} -m promptsmith tui")
    _tmux("new-session", "-d", "-s", session, "-c", str(ROOT), "-x", str(width), "-y", str(height), command)
    t = Terminal(session, width, height)
    try:
        # the key bar on the terminal's last row: the app has drawn itself at this size
        screen = t.wait_for(lambda s: "Type or paste a Midjourney prompt" in s and len(s.splitlines()) >= height
                            and "Palette" in s.splitlines()[height - 1], "the empty editor's placeholder")
        assert "PS306" not in screen
        bar = flat("\n".join(screen.splitlines()[-2:]))
        assert all(f" {a.label}" in bar for a in ACTIONS), screen
        positions = [bar.index(f" {a.label}") for a in ACTIONS]  # every action, in the table order
        assert positions == sorted(positions), bar
        assert "Palette" in bar

        # live lint while typing
        t.type("old fisherman portrait, oil painting, masterpiece, 8k –ar 2:3 --s 5000")
        screen = t.wait_for(lambda s: "PS101" in s and "PS004" in s, "live findings")
        assert "ctrl+r writes one" in flat(screen) or "PS204" not in screen

        # ctrl+n moves the selection, ctrl+f applies a fix, ctrl+l applies the rest
        marked = lambda s: next(line.split("▶")[1].split("▊")[0].strip() for line in s.splitlines() if "▶" in line)  # noqa: E731
        first = marked(screen)
        t.keys("C-n")
        t.wait_for(lambda s: marked(s) != first, "ctrl+n selects the next finding")
        t.keys("C-f")
        t.wait_for("applied PS", "ctrl+f applies a fix")
        t.keys("C-l")
        t.wait_for(lambda s: "PS004" not in s and "PS201" not in s and "masterpiece" not in t.prompt(s),
                   "ctrl+l applies every safe fix")  # the clamp of --s is unsafe: the field sets it below
        assert t.prompt().startswith("old fisherman portrait, oil painting")

        # every parameter control, reached with shift+tab from the editor (the last ones first)
        t.keys("BTab", "Enter")  # the version list
        t.wait_for("6.1", "the version list opens")
        t.keys("Up", "Enter")
        from promptsmith.registries import default_version, target_versions

        others = [v for v in target_versions() if v != default_version()]
        t.wait_for(lambda s: any(f"target {v} " in s or s.rstrip().endswith(f"target {v}") or f"target {v}\n" in s
                                 for v in others), "a version picked from the list")
        t.keys("BTab", "Space")  # the raw toggle
        t.wait_for(lambda s: "--raw" in t.prompt(s), "the raw toggle")
        for value, expect in (("people", "--no people"), ("42", "--seed 42"), (None, None), ("50", "--weird 50"),
                              ("10", "--c 10")):
            t.keys("BTab")
            if value is None:  # the aspect field holds 2:3 from the prompt
                t.keys("End", "BSpace", "BSpace", "BSpace")
                value, expect = "16:9", "--ar 16:9"
            t.type(value)
            t.keys("Enter")
            t.wait_for(lambda s, e=expect: e in t.prompt(s), f"the field for {expect}")
        t.keys("BTab", "End", *["BSpace"] * 6)  # stylize, holding 5000
        t.type("250")
        t.keys("Enter")
        prompt = t.prompt(t.wait_for(lambda s: "--s 250" in t.prompt(s), "the stylize field"))
        for part in ("--ar 16:9", "--s 250", "--c 10", "--weird 50", "--seed 42", "--no people", "--raw"):
            assert part in prompt, prompt
        assert "PS101" not in t.screen()
        t.keys("Tab")  # back to the editor (the chain wraps)

        # rewrite, copy, compare
        t.keys("C-r")
        t.wait_for(lambda s: "rewritten in" in s and "v6 brief" in flat(s) and "change" in flat(s),
                   "ctrl+r writes the brief and its changes")
        t.keys("C-y")
        t.wait_for("copied", "ctrl+y copies the current brief")
        t.keys("C-k")
        t.wait_for(lambda s: "similarity" in s or "comparison unavailable" in s, "ctrl+k compares", timeout=60)

        # engine switch, preview without a server, history, help, palette
        t.keys("C-e")
        t.wait_for("engine: llm rank", "ctrl+e switches the engine")
        t.keys("C-e", "C-e", "C-e")
        t.wait_for("engine: rules", "ctrl+e comes round again")
        t.keys("C-g")
        t.wait_for("no render backend", "ctrl+g says what a preview needs")
        t.keys("C-o")
        # the modal draws first and its entries a moment later (read from the history file)
        t.wait_for(lambda s: "history — enter loads" in s and "old fisherman portrait, oil painting" in s,
                   "ctrl+o opens the history with the rewrite in it")
        t.keys("Escape")
        t.wait_for(lambda s: "history — enter loads" not in s, "escape closes the history")
        t.keys("F1")
        t.wait_for(lambda s: "Edit the prompt on the left" in s and "Apply every safe fix" in s, "f1 opens help")
        t.keys("Escape")
        t.wait_for(lambda s: "Apply every safe fix" not in s, "escape closes help")
        t.keys("C-p")
        t.wait_for(lambda s: "Apply every safe fix" in s and "Compare the brief with the prompt" in s,
                   "ctrl+p lists the actions on an empty search")
        t.type("rewrite")
        t.wait_for("Rewrite the prompt into a brief", "the palette finds an action by name")
        t.keys("Escape")
        t.wait_for(lambda s: "Search for commands" not in s and "Rewrite the prompt" not in s,
                   "escape closes the palette")
        t.keys("Escape")  # nothing running: esc does nothing
        t.keys("C-q")
        end = time.time() + 10
        while time.time() < end and subprocess.run(["tmux", "has-session", "-t", session],
                                                   capture_output=True).returncode == 0:
            time.sleep(0.2)
        assert subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode != 0, \
            "ctrl+q did not quit"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_a_prompt_piped_to_tui_dash_opens_in_the_editor(tmp_path: Path) -> None:
    """`… | promptsmith tui -`: the prompt comes from the pipe, the keys from the terminal."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed (apt-get install tmux)")
    session = f"ps-{os.getpid()}-pipe"
    env = {"XDG_DATA_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", "TERM": "xterm-256color",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    command = ("echo 'cat, windowsill, golden hour, 8k' | env -u COLUMNS -u LINES "
               + " ".join(f"{k}={v}" for k, v in env.items()) + f" {sys.executable} -m promptsmith tui -")
    _tmux("new-session", "-d", "-s", session, "-c", str(ROOT), "-x", "100", "-y", "30", command)
    t = Terminal(session, 100, 30)
    try:
        screen = t.wait_for("PS201", "the piped prompt's findings (8k is filler)")
        assert t.prompt(screen).startswith("cat, windowsill, golden hour, 8k")
        t.type(" --ar 3:2")  # keys reach the editor from the terminal
        t.wait_for(lambda s: "--ar 3:2" in t.prompt(s), "a key typed after the pipe closed")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
