"""Every `console` block of the README and docs/ that shows output is run and compared (issue
31: the README's lint tour showed a finding the tool no longer prints first).
`python scripts/docs_console.py --write` regenerates the shown output."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("docs_console", ROOT / "scripts" / "docs_console.py")
docs_console = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
sys.modules["docs_console"] = docs_console  # a dataclass needs its module registered
_spec.loader.exec_module(docs_console)  # type: ignore[union-attr]

EXAMPLES = [ex for path in docs_console.documents() for ex in docs_console.examples(path)]


def test_the_readme_shows_output_to_check() -> None:
    shown = [ex.command for ex in EXAMPLES if ex.path.name == "README.md"]
    assert any(c.startswith("echo ") and "lint -" in c for c in shown)
    assert any(c.startswith("promptsmith compare") for c in shown)


@pytest.mark.slow
@pytest.mark.parametrize("ex", EXAMPLES, ids=[f"{ex.path.name}:{ex.line}" for ex in EXAMPLES])
def test_console_output_matches_the_real_output(ex) -> None:
    why = docs_console.drift(ex, docs_console.run(ex.command))
    assert why is None, f"{why}\n(regenerate with: python scripts/docs_console.py --write)"


def test_a_drifted_example_is_caught(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("```console\n$ echo hi\nhello\n$ echo a; echo b\na\n...\n$ promptsmith lint x.txt\n```\n",
                   encoding="utf-8")
    found = docs_console.examples(doc)
    assert [(e.command, e.shown, e.partial) for e in found] == [("echo hi", ["hello"], False),
                                                                ("echo a; echo b", ["a"], True)]
    assert docs_console.drift(found[0], ["hi"]) is not None
    assert docs_console.drift(found[1], ["a", "b"]) is None
