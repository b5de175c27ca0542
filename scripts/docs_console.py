"""Run the `console` blocks of the README and docs/ that show output, and compare (or rewrite).

    python scripts/docs_console.py            # check: exit 1 and show the difference when one drifted
    python scripts/docs_console.py --write    # rewrite the shown output from the real one

In a ```console block, a line starting with `$ ` is a command; the lines after it, up to the next
command, are its output. A command with no output lines is a usage example and is not run (it
names files the reader has). An output that ends with a `...` line shows the first lines only:
those must match the start of the real output. Commands run in a shell from the repository root,
with this Python's `promptsmith` first on PATH, no colour, and the hub offline.
`tests/test_docs_console.py` runs the check.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
MORE = "..."


@dataclass
class Example:
    """One command of a console block with the output the document shows for it."""

    path: Path
    line: int
    command: str
    shown: list[str]
    #: The document shows only the first lines (a `...` line ends them).
    partial: bool
    #: Where the shown lines sit in the document text (offsets), for --write.
    start: int
    end: int


def examples(path: Path) -> list[Example]:
    """The commands of `path`'s console blocks that show output."""
    text = path.read_text(encoding="utf-8")
    out: list[Example] = []
    for block in _BLOCK.finditer(text):
        offset = block.start(1)
        lines = block.group(1).splitlines(keepends=True)
        i = 0
        while i < len(lines):
            if not lines[i].startswith("$ "):
                i += 1
                continue
            command = lines[i][2:].rstrip("\n")
            j = i + 1
            while j < len(lines) and not lines[j].startswith("$ "):
                j += 1
            shown = [x.rstrip("\n") for x in lines[i + 1 : j]]
            if shown:
                partial = shown[-1].strip() == MORE
                start = offset + sum(len(x) for x in lines[: i + 1])
                end = offset + sum(len(x) for x in lines[: j - (1 if partial else 0)])
                out.append(Example(path, text.count("\n", 0, offset) + i + 1, command,
                                   shown[:-1] if partial else shown, partial, start, end))
            i = j
    return out


def run(command: str) -> list[str]:
    """The command's stdout lines, run as the reader would (no colour, no terminal)."""
    env = dict(os.environ, NO_COLOR="1", HF_HUB_OFFLINE="1", COLUMNS="100", TERM="dumb",
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    env.pop("FORCE_COLOR", None)
    done = subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    return done.stdout.rstrip("\n").splitlines()


def drift(ex: Example, real: list[str]) -> str | None:
    """The difference between what the document shows and the real output, or None."""
    got = real[: len(ex.shown)] if ex.partial else real
    if got == ex.shown:
        return None
    diff = difflib.unified_diff(ex.shown, got, f"{ex.path.name}:{ex.line} shows", "real output", lineterm="")
    return f"$ {ex.command}\n" + "\n".join(diff)


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="rewrite the shown output from the real output")
    args = ap.parse_args()
    failed = 0
    for path in documents():
        found = examples(path)
        text = path.read_text(encoding="utf-8")
        for ex in reversed(found):  # from the end, so earlier offsets stay valid
            real = run(ex.command)
            why = drift(ex, real)
            if why is None:
                continue
            if args.write:
                keep = real[: len(ex.shown)] if ex.partial else real
                text = text[: ex.start] + "".join(x + "\n" for x in keep) + text[ex.end :]
            else:
                failed += 1
                print(why, file=sys.stderr)
        if args.write:
            path.write_text(text, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
