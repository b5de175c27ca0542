"""`python -m promptsmith` runs the CLI (where the console script is not on PATH)."""

from promptsmith.cli.main import entry

entry()
