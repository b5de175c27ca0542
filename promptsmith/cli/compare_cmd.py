"""`promptsmith compare`: one pair, or a stream of pairs from JSON lines."""

from __future__ import annotations

import json
import sys
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
    from promptsmith.services.compare import compare, default_embedder

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
    for rec in read_records(file, "text"):
        line = rec.raw
        record: dict[str, Any] = {"line": rec.line}
        try:
            obj = json.loads(line) if line.strip() else None
            if not isinstance(obj, dict) or not isinstance(obj.get("a"), str) or not isinstance(obj.get("b"), str):
                raise ValueError('expected a JSON object with string fields "a" and "b"')
            result = compare(obj["a"], obj["b"], **options)
            record.update(result.model_dump(mode="json"))
            record.update({k: v for k, v in obj.items() if k not in record})
            record["error"] = None
        except (ValueError, json.JSONDecodeError) as exc:
            failed += 1
            record["error"] = str(exc) if line.strip() else "empty line"
            click.echo(f"line {rec.line}: error: {record['error']}", err=True)
        if fmt == "text":
            out.write((_text_record(record)) + "\n")
        else:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    return 1 if failed else 0


def _text_record(record: dict[str, Any]) -> str:
    if record.get("error"):
        return f"line {record['line']}: error: {record['error']}"
    return (f"line {record['line']}: similarity {record['similarity']:.3f} {record['verdict']}"
            + (f"; dropped: {', '.join(record['dropped'])}" if record["dropped"] else "")
            + (f"; added: {', '.join(record['added'])}" if record["added"] else ""))
