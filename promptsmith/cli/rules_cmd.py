"""`promptsmith rules`: list the lint rules, or (`--rewrite`) the rewrite rules."""

from __future__ import annotations

import json
from collections import Counter

import click

from promptsmith.cli.common import CONTEXT
from promptsmith.linter.registry import all_rules


@click.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--rewrite", "rewrite_rules", is_flag=True, help="List the rewrite rules (stage, on/off, what each does)."
)
def rules(fmt: str, rewrite_rules: bool) -> None:
    """List every lint rule with its code, name, severity, fixability and summary."""
    if rewrite_rules:
        _rewrite_rules(fmt)
        return
    items = all_rules()
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "code": r.code,
                        "name": r.name,
                        "family": r.family,
                        "severity": r.severity.value,
                        "fix": r.fix.value,
                        "summary": r.summary,
                    }
                    for r in items
                ],
                indent=2,
            )
        )
        return
    width = max(len(r.name) for r in items)
    family = None
    for r in items:
        if r.family != family:
            family = r.family
            click.echo(click.style(f"\n{family}", bold=True))
        fix = {"always": "fix", "sometimes": "fix?", "never": ""}[r.fix.value]
        click.echo(f"  {r.code}  {r.name:<{width}}  {r.severity.value:<7}  {fix:<4}  {r.summary}")
    counts = Counter(r.family for r in items)
    click.echo(f"\n{len(items)} rules: " + ", ".join(f"{n} {f}" for f, n in counts.items()))
    click.echo(
        "fix: every finding comes with a fix; fix?: some findings do. `lint --fix` applies the safe\n"
        "fixes, `--unsafe-fixes` the rest; `promptsmith explain CODE` says which a rule's fix is."
    )


def _rewrite_rules(fmt: str) -> None:
    """The rewrite rules from their registry, with the built-in rule set's switches."""
    from promptsmith.rewriters.rules.registry import (  # deferred: lint and --help never load it
        load_rewrite_rules,
        registered,
    )

    known, switches = registered(), load_rewrite_rules()
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {"name": r.name, "stage": r.stage, "enabled": switches.on(r.name), "summary": r.summary}
                    for r in known.values()
                ],
                indent=2,
            )
        )
        return
    width = max(len(n) for n in known)
    stage = None
    for r in known.values():
        if r.stage != stage:
            stage = r.stage
            click.echo(click.style(f"\n{stage}", bold=True))
        click.echo(f"  {r.name:<{width}}  {'on ' if switches.on(r.name) else 'off'}  {r.summary}")
    click.echo(
        f"\n{len(known)} rewrite rules; switch one off with `enabled = false` in rewrite/v5-to-v6.toml "
        "of a rule directory"
    )
