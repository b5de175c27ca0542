"""`import promptsmith` and `promptsmith lint` stay free of heavy imports (checked in a subprocess)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "transformers", "diffusers", "llama_cpp", "sentence_transformers", "textual", "ray")


def _loaded(code: str) -> list[str]:
    probe = code + f"\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_import_promptsmith_is_light() -> None:
    assert _loaded("import promptsmith") == []


def test_lint_path_is_light() -> None:
    code = (
        "import promptsmith as ps\n"
        "ps.lint('cyberpunk city, neon, 8k --ar 16:9 --s 750')\n"
        "ps.fix('cyberpunk city, 8k --ar 16:9')\n"
        "from promptsmith.cli.main import main\n"
        "from click.testing import CliRunner\n"
        "CliRunner().invoke(main, ['lint', '-'], input='a cat, 8k --s 5000\\n')\n"
    )
    assert _loaded(code) == []
