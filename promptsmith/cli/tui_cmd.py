"""`promptsmith tui`: open the terminal UI (Textual loads only here)."""

from __future__ import annotations

import click

from promptsmith.cli.common import CONTEXT, command_session
from promptsmith.registries import ENGINES


@click.command(context_settings=CONTEXT)
@click.argument("prompt", required=False, default="")
@click.option("--target-version", default=None, metavar="VERSION")
@click.option("--engine", type=click.Choice(ENGINES.names), default=None, help=f"{ENGINES.help()}.")
@click.option("--backend", metavar="URL", help="Render server for previews (ctrl+g).")
@click.option("--target", default=None, metavar="TARGET",
              help="What ctrl+r writes for (rewrite --target's names; ctrl+p switches it).")
@click.pass_context
def tui(ctx: click.Context, prompt: str, target_version: str | None, engine: str | None, backend: str | None,
        target: str | None) -> None:
    """Open the terminal UI: live lint, rewrite, parameters, comparison, preview, history."""
    try:
        from promptsmith.tui.app import run  # deferred: textual loads only for the TUI
    except ImportError as exc:
        raise click.UsageError("the TUI needs textual: pip install 'promptsmith[tui]'") from exc
    session = command_session(ctx, engine=engine, target_version=target_version, backend=backend, target=target)
    run(prompt, session=session, version=session.target_version, engine=session.engine,
        backend=session.settings.backend, history_size=session.settings.history_size)
