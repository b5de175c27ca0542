"""Terminal output formats for diagnostics: text (ruff-like, coloured), SARIF and GitHub annotations.

The JSON record writers (json, jsonl) live in `promptsmith.records`, shared with the Ray stages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import click

from promptsmith import __version__
from promptsmith.core.model import Diagnostic, Severity
from promptsmith.linter.registry import Rule

FORMATS = ("text", "json", "jsonl", "sarif", "github")

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _style(text: str, colour: bool, **kw: Any) -> str:
    if not colour:
        return text
    return click.style(text, **kw)


def text_block(file: str, line: int, prompt: str, d: Diagnostic, colour: bool) -> str:
    """`file:line:col: CODE message`, the prompt line, and a caret under the span (like ruff)."""
    col = d.span.start + 1
    fixable = ""
    if d.fix is not None:
        fixable = " " + d.fix_mark
    head = (
        f"{_style(file, colour, bold=True)}:{line}:{col}: "
        f"{_style(d.code, colour, fg=_COLOURS[d.severity], bold=True)}{_style(fixable, colour, fg='cyan')} {d.message}"
    )
    width = max(1, d.span.end - d.span.start)
    # Keep very long prompts readable: show a window around the span.
    start = max(0, d.span.start - 60)
    end = min(len(prompt), d.span.end + 60)
    shown = ("…" if start else "") + prompt[start:end] + ("…" if end < len(prompt) else "")
    pad = d.span.start - start + (1 if start else 0)
    caret = " " * pad + "^" * min(width, end - d.span.start)
    gutter = f"{line:>4} | "
    return "\n".join(
        [
            head,
            " " * (len(gutter) - 2) + "|",
            gutter + shown,
            " " * (len(gutter) - 2) + "| " + _style(caret, colour, fg=_COLOURS[d.severity], bold=True),
        ]
    )


def github_line(file: str, line: int, d: Diagnostic) -> str:
    """A GitHub Actions workflow command that annotates the line."""
    level = {"error": "error", "warning": "warning", "info": "notice"}[d.severity.value]
    message = d.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    name = file if file != "-" else "stdin"
    return (
        f"::{level} file={name},line={line},col={d.span.start + 1},endColumn={d.span.end + 1},"
        f"title={d.code} {d.name}::{d.code} {message}"
    )


def sarif(results: Iterable[tuple[str, int, Diagnostic]], rules: list[Rule]) -> str:
    """A SARIF 2.1.0 log of every finding, with the rules' metadata."""
    index = {r.code: i for i, r in enumerate(rules)}
    level = {"error": "error", "warning": "warning", "info": "note"}
    out_results = []
    for file, line, d in results:
        result: dict[str, Any] = {
            "ruleId": d.code,
            "level": level[d.severity.value],
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": file if file != "-" else "stdin"},
                        "region": {"startLine": line, "startColumn": d.span.start + 1,
                                   "endLine": line, "endColumn": d.span.end + 1},
                    }
                }
            ],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        if d.fix is not None:
            result["fixes"] = [
                {
                    "description": {"text": f"{d.fix.applicability.value} fix"},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": file if file != "-" else "stdin"},
                            "replacements": [
                                {
                                    "deletedRegion": {"startLine": line, "startColumn": e.start + 1,
                                                      "endLine": line, "endColumn": e.end + 1},
                                    "insertedContent": {"text": e.content},
                                }
                                for e in d.fix.edits
                            ],
                        }
                    ],
                }
            ]
        out_results.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "promptsmith",
                        "version": __version__,
                        "informationUri": "https://github.com/promptsmith/promptsmith",
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary},
                                "fullDescription": {"text": r.doc},
                                "defaultConfiguration": {"level": level[r.severity.value]},
                                "properties": {"family": r.family, "fixable": r.fix.value},
                            }
                            for r in rules
                        ],
                    }
                },
                "results": out_results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2)
