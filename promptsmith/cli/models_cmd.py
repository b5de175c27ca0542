"""`promptsmith models`: the local LLM files promptsmith can use."""

from __future__ import annotations

import json
import os

import click

from promptsmith.backends.models import INSTALL_HINT, find_models
from promptsmith.cli.common import CONTEXT, command_config


@click.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def models(ctx: click.Context, fmt: str) -> None:
    """List the local LLM files promptsmith can use, with size, quantization and chat template.

    The first word of each entry is its name: `promptsmith rewrite --engine llm -m NAME` (or the
    config key `model`) takes it, as it takes a path to a .gguf file. Files put in
    ~/.cache/promptsmith/models are listed too.
    """
    config = command_config(ctx)
    found = find_models([config.model] if config.model and os.path.isfile(config.model) else [])
    if fmt == "json":
        click.echo(json.dumps([{"name": m.key, "path": str(m.path), "source": m.source, "size": m.size,
                                "title": m.name, "architecture": m.architecture, "quantization": m.quantization,
                                "chat_template": m.template_kind, "context_length": m.context_length}
                               for m in found], indent=2))
        return
    if not found:
        click.echo(f"no models found: {INSTALL_HINT}")
        ctx.exit(1)
    for m in found:
        click.echo(f"{click.style(m.key, bold=True)}  [{m.source}]")
        click.echo(f"  {m.path}")
        click.echo(f"  {m.size / 1e6:.0f} MB · {m.architecture or '?'} · {m.quantization} · "
                   f"chat template: {m.template_kind} · context {m.context_length or '?'}"
                   + (f" · {m.name}" if m.name and m.name.lower() != m.key else ""))
