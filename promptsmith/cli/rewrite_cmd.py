"""`promptsmith rewrite`: one prompt, or a stream of them, in text, json or jsonl."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import click

from promptsmith.cli.inputs import input_format_for, read_records
from promptsmith.cli.output import dumps
from promptsmith.config import Config
from promptsmith.services.batch import CheckOptions, Job, rewrite_stream


def _jobs(path: str, input_format: str | None) -> Iterator[Job]:
    for rec in read_records(path, input_format_for(path, input_format)):
        yield Job(rec.line, rec.prompt, rec.extra, rec.error)


def _text(record: dict[str, Any], explain: bool) -> str:
    lines = [record["output"]]
    if explain and record.get("jobs"):
        lines.append(f"  · llm jobs: {', '.join(record['jobs'])} ({record.get('model', '')})"
                     + (f"; fell back: {record['fallback']}" if record.get("fallback") else ""))
    elif explain and record.get("fallback"):
        lines.append(f"  · rules engine: {record['fallback']}")
    check = record.get("check")
    if check:
        from promptsmith.cli.compare_cmd import summary

        lines.append(f"  ≈ {summary(check)}")
    if explain:
        for change in record.get("changes", []):
            before, after = change["before"] or "∅", change["after"] or "∅"
            lines.append(f"  · {change['rule']}: {before} → {after}  ({change['reason']})")
    return "\n".join(lines)


def run_rewrite(prompt: str | None, file: str | None, config: Config, *, fmt: str, explain: bool,
                input_format: str | None, workers: int, progress: bool | None, check: bool = False,
                llm: Any = None) -> int:
    """Rewrite and print; returns the exit status (0 all fine, 1 some record failed, its output is
    not lint-clean for its version, or `check` found it not preserved)."""
    engine = config.engine if config.engine in ("rules", "llm", "auto") else "auto"
    target = config.target_version or "6.1"
    if engine in ("llm", "auto"):
        from promptsmith.services.llm import LlmOptions, get_llm_rewriter

        llm = LlmOptions(**llm) if isinstance(llm, dict) else (llm or LlmOptions(model=config.model))
        if engine == "llm":
            get_llm_rewriter(llm, target, config.rule_dirs)  # a missing model fails here, once
    else:
        llm = None
    from promptsmith.services.rewrite import get_rewriter

    get_rewriter(target, config.rule_dirs)  # bad settings fail here, before any output
    jobs = iter([Job(1, prompt, {})]) if prompt is not None else _jobs(file or "-", input_format)
    out, err = sys.stdout, sys.stderr
    show_bar = err.isatty() if progress is None else progress
    failed = flagged = unpreserved = 0
    collected: list[dict[str, Any]] = []
    count = 0
    options = None
    if check:
        options = CheckOptions(config.embed_model, config.embed_cache, config.similarity_threshold,
                               config.term_threshold, config.embed_runtime)
        from promptsmith.services.compare import default_embedder

        default_embedder(options.embed_model, options.embed_cache, options.runtime)  # a missing model fails here, once
    # stdin goes to the workers a line at a time, so that a slow stream comes back line by line
    chunk = 1 if prompt is None and (file or "-") == "-" else 64
    for record in rewrite_stream(jobs, engine=engine, target_version=target, rule_dirs=config.rule_dirs,
                                 workers=workers, chunk=chunk, check=options, llm=llm):
        count += 1
        if record.get("error"):
            failed += 1
            click.echo(f"line {record['line']}: error: {record['error']}", err=True)
        else:
            # the output still has findings for its version (they are in the record), or --check
            # found that it does not ask for what its input asked for
            flagged += record.get("clean") is False
            unpreserved += bool(record.get("check")) and record["check"]["verdict"] != "preserved"
        if fmt == "jsonl":
            out.write(dumps(record) + "\n")
        elif fmt == "json":
            collected.append(record)
        else:
            out.write(_text(record, explain) + "\n")
        out.flush()
        if show_bar and count % 50 == 0:
            err.write(f"\r{count} prompts rewritten")
            err.flush()
    if show_bar and count >= 50:
        err.write(f"\r{count} prompts rewritten\n")
    if fmt == "json":
        payload = collected[0] if prompt is not None and collected else collected
        out.write(dumps(payload, indent=2) + "\n")
    return 1 if failed or flagged or unpreserved else 0
