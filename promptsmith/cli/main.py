"""The `promptsmith` command line: the click group, its commands (one module each, `*_cmd.py`)
and the console script. Exit status: 0 clean, 1 findings or failed records, 2 usage error."""

from __future__ import annotations

import gc
import os
import sys

import click

from promptsmith import __version__
from promptsmith.cli.batch_cmd import batch
from promptsmith.cli.common import CONTEXT
from promptsmith.cli.compare_cmd import compare
from promptsmith.cli.explain_cmd import explain
from promptsmith.cli.lint_cmd import lint
from promptsmith.cli.models_cmd import models
from promptsmith.cli.parse_cmd import parse
from promptsmith.cli.preview_cmd import preview
from promptsmith.cli.rewrite_cmd import rewrite
from promptsmith.cli.rules_cmd import rules
from promptsmith.cli.serve_cmd import serve
from promptsmith.cli.tui_cmd import tui


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="promptsmith")
def main() -> None:
    """Lint Midjourney prompts and rewrite v5 keyword soup into v6 briefs.

    \b
    Examples:
      promptsmith lint prompts.txt
      echo "cyberpunk city, 8k --ar 16:9" | promptsmith lint -
      promptsmith explain PS201
    """


# `promptsmith --help` lists them by name (click sorts them)
for command in (lint, parse, rewrite, compare, preview, serve, tui, models, explain, rules, batch):
    main.add_command(command)


#: Modules whose objects need a proper interpreter teardown (native handles, an event loop, a
#: model's finalisers). Where none was imported, the light commands skip it.
_NEEDS_TEARDOWN = ("torch", "llama_cpp", "transformers", "diffusers", "sentence_transformers", "textual", "asyncio")
#: Modules whose exit handlers must run (a worker pool's, the resource tracker's), though no
#: object of ours needs collecting.
_NEEDS_EXIT_HANDLERS = ("multiprocessing", "concurrent.futures")


def _exit_on_signals() -> None:
    """Ctrl-C exits 130 and SIGTERM 143 (128 + the signal, as shells report them), not 1, the
    status of "findings"; both unwind normally, so worker processes are stopped on the way out."""
    import signal

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, leave)
        except (ValueError, OSError):  # not the main thread, or a platform without it
            pass


def entry() -> None:
    """The console script: run the CLI, then end the process.

    After a light command (`lint`, `parse`, `explain`, `rules`) nothing is left to clean up, yet
    the interpreter's teardown of pydantic's and the rules' objects takes 30–70 ms here, a fifth
    of a `promptsmith lint` start. So once the output is flushed the process exits at once; a
    command that loaded a model (torch, llama.cpp …) gets the normal teardown.
    """
    for stream in (sys.stdout, sys.stderr):
        try:  # a lone surrogate read from JSON (`\ud800`) is printed escaped, never a traceback
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
    _exit_on_signals()
    try:
        main()
        code: str | int | None = 0
    except SystemExit as exc:
        code = exc.code
    signalled = isinstance(code, int) and code > 128  # the workers are stopped; a reader may hold stdin
    if any(name in sys.modules for name in _NEEDS_TEARDOWN) and not signalled:
        sys.exit(code)
    if any(name in sys.modules for name in _NEEDS_EXIT_HANDLERS) and not signalled:
        # the exit handlers run, but the collector skips the heap it would only free: the final
        # collections over the rules' objects cost 70–100 ms after a batch on worker processes
        gc.freeze()
        sys.exit(code)
    status = 0 if code is None else code if isinstance(code, int) else 1
    if not isinstance(code, (int, type(None))):
        print(code, file=sys.stderr)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # the reader went away, or a stream was closed
        status = status or 1
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    entry()
