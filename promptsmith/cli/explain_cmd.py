"""`promptsmith explain`: a rule's documentation, rendered as Markdown on a terminal."""

from __future__ import annotations

import os
import sys

import click

from promptsmith.cli.common import CONTEXT
from promptsmith.errors import PromptsmithError
from promptsmith.linter.registry import get_rule


@click.command(context_settings=CONTEXT)
@click.argument("code")
@click.option("--color/--no-color", default=None,
              help="Render the Markdown for a terminal, or print it as plain text (default: render on a terminal "
                   "when rich is installed; NO_COLOR keeps the rendering but drops the colours).")
def explain(code: str, color: bool | None) -> None:
    """Explain a rule: what it does, why it matters, an example, and what to write instead.

    \b
    Example:
      promptsmith explain PS201
      promptsmith explain filler-quality-token
      promptsmith explain PS201 | less      # plain Markdown in a pipe
    """
    try:
        r = get_rule(code)
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    text = (f"# {r.name} ({r.code})\n\n"
            f"Family: {r.family}. Severity: {r.severity.value}. Fix: {r.fix.value}.\n\n{r.doc}")
    _echo_markdown(text, color)


def _echo_markdown(text: str, color: bool | None) -> None:
    """Markdown rendered with rich on a terminal (or with --color), else printed as written.

    rich is not a base dependency (it comes with the `tui` extra), so without it the text is
    printed as it is, which is what a pipe gets anyway.
    """
    render = sys.stdout.isatty() if color is None else color
    if render:
        try:
            from rich.console import (
                Console,  # deferred: optional, and only explain renders Markdown
            )
            from rich.markdown import Markdown
        except ImportError:
            if color:
                click.echo("rendering needs rich (pip install 'promptsmith[tui]'); printing plain text", err=True)
            render = False
    if not render:
        click.echo(text)
        return
    # NO_COLOR (no-color.org) drops the colours of the automatic rendering; --color overrides it
    no_color = color is None and os.environ.get("NO_COLOR", "") != ""
    console = Console(file=sys.stdout, force_terminal=True, no_color=no_color, highlight=False)
    console.print(Markdown(text))
