"""`promptsmith compare`: one pair, or a stream of pairs from JSON lines."""

from __future__ import annotations

import json
import sys
from itertools import islice
from typing import Any

import click

from promptsmith.cli.inputs import read_records
from promptsmith.config import Config


def _text(c: Any) -> str:
    lines = [f"similarity {c.similarity:.3f}  verdict: {c.verdict}"]
    lines.append("dropped: " + (", ".join(c.dropped) if c.dropped else "nothing"))
    lines.append("added:   " + (", ".join(c.added) if c.added else "nothing"))
    p = c.params
    if p.only_a or p.only_b or p.changed:
        parts = ([f"-{x}" for x in p.only_a] + [f"+{x}" for x in p.only_b] + p.changed)
        lines.append("params:  " + "; ".join(parts))
    for m in c.terms:
        if not m.exact:
            lines.append(f"  {m.term!r} ≈ {m.match!r} ({m.score:.2f})")
    return "\n".join(lines)


def run_compare(a: str | None, b: str | None, file: str | None, config: Config, *, fmt: str) -> int:
    """Compare and print; 0 when all pairs were compared, 1 when a record was bad."""
    from promptsmith.services.compare import compare, compare_many, default_embedder

    embedder = default_embedder(config.embed_model, config.embed_cache)
    options = {"embedder": embedder, "similarity_threshold": config.similarity_threshold,
               "term_threshold": config.term_threshold}
    out = sys.stdout
    if file is None:
        result = compare(a or "", b or "", **options)
        if fmt == "text":
            out.write(_text(result) + "\n")
        else:
            out.write(json.dumps(result.model_dump(mode="json"), ensure_ascii=False,
                                 indent=2 if fmt == "json" else None) + "\n")
        return 0
    failed = 0
    records = read_records(file, "text")
    window = 1 if file == "-" else 64  # stdin streams a record per line read; a file is embedded 64 pairs at a time
    while group := list(islice(records, window)):
        checked = [_checked(rec) for rec in group]
        results = compare_many([(obj["a"], obj["b"]) for _, obj in checked if obj is not None],
                               window=window, **options)
        for record, obj in checked:
            if obj is not None:
                record.update(next(results).model_dump(mode="json"))
                record.update({k: v for k, v in obj.items() if k not in record})
                record["error"] = None
            else:
                failed += 1
                click.echo(f"line {record['line']}: error: {record['error']}", err=True)
            if fmt == "text":
                out.write((_text_record(record)) + "\n")
            else:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
    return 1 if failed else 0


def _checked(rec: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the output record so far, the pair object) — or the record with its error and None."""
    record: dict[str, Any] = {"line": rec.line}
    line = rec.raw
    if not line.strip():
        record["error"] = "empty line"
        return record, None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        record["error"] = str(exc)
        return record, None
    if not isinstance(obj, dict) or not isinstance(obj.get("a"), str) or not isinstance(obj.get("b"), str):
        record["error"] = 'expected a JSON object with string fields "a" and "b"'
        return record, None
    return record, obj


def _text_record(record: dict[str, Any]) -> str:
    if record.get("error"):
        return f"line {record['line']}: error: {record['error']}"
    return (f"line {record['line']}: similarity {record['similarity']:.3f} {record['verdict']}"
            + (f"; dropped: {', '.join(record['dropped'])}" if record["dropped"] else "")
            + (f"; added: {', '.join(record['added'])}" if record["added"] else ""))
