"""`promptsmith lint`: stream records through the linter and print them in the chosen format."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from promptsmith.cli.inputs import Record, display_name, input_format_for, read_records
from promptsmith.cli.output import github_line, record_json, sarif, text_block
from promptsmith.config import Config
from promptsmith.core.fix import fix_text
from promptsmith.core.model import Applicability, Diagnostic
from promptsmith.lint.engine import Linter


def _records(paths: list[str], input_format: str | None) -> Iterator[tuple[str, Record]]:
    for path in paths:
        fmt = input_format_for(path, input_format)
        for rec in read_records(path, fmt):
            yield fmt, rec


def run_lint(paths: list[str], config: Config, *, fmt: str, fix: bool, unsafe: bool,
             input_format: str | None, colour: bool | None) -> int:
    """Lint every record; returns the exit status (0 clean, 1 findings, 2 bad input)."""
    linter = Linter(version=config.target_version, select=config.select, ignore=config.ignore,
                    rule_dirs=config.rule_dirs)
    out = sys.stdout
    err = sys.stderr
    use_colour = out.isatty() if colour is None else colour
    found = fixed_count = fixable = bad_input = 0
    collected: list[tuple[str, int, Diagnostic]] = []
    json_records: list[str] = []
    # --fix on files rewrites them once all their lines are read; stdin is echoed fixed.
    rewritten: dict[str, list[str]] = {}

    for input_fmt, rec in _records(paths, input_format):
        name = display_name(rec.file)
        if rec.error:
            bad_input += 1
            click.echo(f"{name}:{rec.line}: error: {rec.error}", err=True)
            if fix:
                rewritten.setdefault(rec.file, []).append(rec.raw)
            if fmt == "jsonl":
                out.write(record_json(rec.line, "", [], file=name, error=rec.error) + "\n")
            continue
        prompt_text = rec.prompt
        if fix and prompt_text.strip():
            result = fix_text(prompt_text, linter.lint, unsafe=unsafe)
            fixed_count += len(result.applied)
            prompt_text = result.text
            diags = list(result.remaining)
        else:
            diags = linter.lint(prompt_text) if prompt_text.strip() else []
        if fix:
            rewritten.setdefault(rec.file, []).append(_line_for(rec, input_fmt, prompt_text))
        found += len(diags)
        fixable += sum(1 for d in diags if d.fix is not None and
                       (d.fix.applicability is Applicability.SAFE or unsafe))
        if fmt == "jsonl":
            if prompt_text.strip() or input_fmt == "text":
                out.write(record_json(rec.line, prompt_text, diags, file=name, **rec.extra) + "\n")
                out.flush()
        elif fmt == "json":
            json_records.append(record_json(rec.line, prompt_text, diags, file=name, **rec.extra))
        elif fmt == "text":
            stream = err if (fix and rec.file == "-") else out
            for d in diags:
                stream.write(text_block(name, rec.line, prompt_text, d, use_colour) + "\n\n")
        elif fmt == "github":
            for d in diags:
                out.write(github_line(name, rec.line, d) + "\n")
        else:
            collected.extend((name, rec.line, d) for d in diags)

    if fmt == "json":
        out.write("[" + ",\n ".join(json_records) + "]\n")
    elif fmt == "sarif":
        from promptsmith.lint.registry import Rule

        rules: list[Rule] = list(linter.rules)
        out.write(sarif(collected, rules) + "\n")

    for path, lines in rewritten.items():
        body = "\n".join(lines) + ("\n" if lines else "")
        if path == "-":
            if fmt == "text":
                out.write(body)
        else:
            Path(path).write_text(body, encoding="utf-8")

    if fmt == "text":
        summary_stream = err if (fix and "-" in rewritten) else out
        _summary(summary_stream, found, fixed_count, fixable, fix, unsafe)
    if bad_input:
        return 2
    return 1 if found else 0


def _line_for(rec: Record, input_fmt: str, text: str) -> str:
    if input_fmt == "jsonl":
        if not rec.raw.strip():
            return rec.raw
        return json.dumps({"prompt": text, **rec.extra}, ensure_ascii=False)
    return text


def _summary(stream, found: int, fixed: int, fixable: int, fix: bool, unsafe: bool) -> None:
    parts = []
    if fix and fixed:
        parts.append(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.")
    if found:
        line = f"Found {found} finding{'s' if found != 1 else ''}"
        if fixable and not fix:
            line += f" ({fixable} fixable with `--fix`{' --unsafe-fixes' if unsafe else ''})"
        parts.append(line + ".")
    elif not fixed:
        parts.append("All checks passed!")
    stream.write("\n".join(parts) + "\n")
    if sys.stdout is not None:
        stream.flush()
