"""`promptsmith parse`: print the parsed model of each prompt (JSON lines or a readable outline)."""

from __future__ import annotations

import sys
from typing import Any

import click

from promptsmith.cli.common import CONTEXT, input_paths
from promptsmith.core.parse import parse as parse_text
from promptsmith.errors import PromptsmithError
from promptsmith.records import dumps, input_format_for, read_records


@click.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, metavar="[FILE...|-]")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="jsonl", show_default=True)
@click.option("--input-format", type=click.Choice(["text", "jsonl"]), help="As for `lint`.")
def parse(files: tuple[str, ...], fmt: str, input_format: str | None) -> None:
    """Parse prompts and print the model: image prompts, segments, permutations, quotes, params.

    \b
    Example:
      echo "<https://s.mj.run/x> cat::2 dog --ar 3:2" | promptsmith parse -
    """
    out = sys.stdout
    failed = False
    try:
        for path in input_paths(files):
            for rec in read_records(path, input_format_for(path, input_format)):
                if rec.error:
                    failed = True
                    out.write(dumps({"line": rec.line, "error": rec.error, **rec.extra}) + "\n")
                    continue
                prompt = parse_text(rec.prompt)
                if fmt == "jsonl":
                    obj = {"line": rec.line, **prompt.model_dump(mode="json"), **rec.extra}
                    out.write(dumps(obj) + "\n")
                else:
                    out.write(_describe(rec.line, prompt) + "\n")
                out.flush()
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    sys.exit(1 if failed else 0)


def _describe(line: int, prompt: Any) -> str:
    rows = [f"line {line}: {prompt.source}"]
    for img in prompt.images:
        rows.append(f"  image   {img.url}" + (f"  weight {img.weight:g}" if img.weight is not None else ""))
    for seg in prompt.segments:
        weight = f"  ::{seg.weight_raw or ''}" if seg.separated else ""
        rows.append(f"  text    {seg.text}{weight}")
    for perm in prompt.permutations:
        rows.append(f"  perm    {{{', '.join(perm.options)}}}")
    for q in prompt.quotes:
        rows.append(f"  quote   {q.text!r}")
    for p in prompt.params:
        value = "" if p.value is True else f" = {p.value!r}"
        rows.append(f"  param   --{p.alias} {p.raw}".rstrip() + f"  → {p.name}{value}")
    return "\n".join(rows)
