"""`promptsmith tui`: open the terminal UI (Textual loads only here)."""

from __future__ import annotations

import os
import sys

import click

from promptsmith.cli.common import CONTEXT, command_session
from promptsmith.registries import ENGINES


@click.command(context_settings=CONTEXT)
@click.argument("prompt", required=False, default="", metavar="[PROMPT | -]")
@click.option("--target-version", default=None, metavar="VERSION")
@click.option("--engine", type=click.Choice(ENGINES.names), default=None, help=f"{ENGINES.help()}.")
@click.option("--backend", metavar="URL", help="Render server for previews (ctrl+g).")
@click.option("--target", default=None, metavar="TARGET",
              help="What ctrl+r writes for (rewrite --target's names; ctrl+p switches it).")
@click.pass_context
def tui(ctx: click.Context, prompt: str, target_version: str | None, engine: str | None, backend: str | None,
        target: str | None) -> None:
    """Open the terminal UI: live lint, rewrite, parameters, comparison, preview, history.

    PROMPT "-" reads the prompt from stdin (`pbpaste | promptsmith tui -`); the UI then runs on
    the terminal (/dev/tty)."""
    try:
        from promptsmith.tui.app import run  # deferred: textual loads only for the TUI
    except ImportError as exc:
        raise click.UsageError("the TUI needs textual: pip install 'promptsmith[tui]'") from exc
    if prompt == "-":
        prompt = _read_stdin_then_use_the_terminal()
    session = command_session(ctx, engine=engine, target_version=target_version, backend=backend, target=target)
    run(prompt, session=session, version=session.target_version, engine=session.engine,
        backend=session.settings.backend, history_size=session.settings.history_size)


def _read_stdin_then_use_the_terminal() -> str:
    """The one prompt piped in, with the terminal put in stdin's place for the UI's keys."""
    lines = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
    if len(lines) > 1:
        raise click.UsageError(f"tui - takes one prompt and stdin has {len(lines)} lines; "
                               "for a file of prompts, pipe it to 'promptsmith rewrite' or use 'promptsmith batch'")
    text = lines[0] if lines else ""
    if not sys.stdin.isatty():
        try:
            terminal = os.open("/dev/tty", os.O_RDWR)
        except OSError as exc:
            raise click.UsageError(
                f"tui - read the prompt from stdin, but the UI needs a terminal for its keys and none "
                f"could be opened (/dev/tty: {exc.strerror}); pass the prompt as an argument instead"
            ) from exc
        os.dup2(terminal, 0)
        os.close(terminal)
    return text
