"""`promptsmith compare`: one pair, or a stream of pairs from JSON lines."""

from __future__ import annotations

import sys
from itertools import islice
from typing import TYPE_CHECKING, Any

import click

from promptsmith.records import dumps, read_records

if TYPE_CHECKING:
    from promptsmith.session import Session


def _missing(c: dict[str, Any]) -> list[str]:
    """Dropped terms and changed ones, as a reader wants them: `term`, `term (lost: part)`."""
    return ([d["text"] for d in c["dropped"]]
            + [f"{', '.join(p['text'] for p in t['lost'])} (of {t['term']!r})" for t in c["changed"] if t["lost"]]
            + c["params"]["dropped"])


def _altered(c: dict[str, Any]) -> list[str]:
    """What B says otherwise: parameter values, quoted text, a term's role."""
    return (c["params"]["altered"]
            + [f"quote {q['text']!r} not kept exactly" for q in c["quotes"]]
            + [f"{t['role_word']!r} (of {t['term']!r}) {t['role_a']} → {t['role_b']}" for t in c["changed"]
               if t.get("role_a")])


def summary(c: dict[str, Any]) -> str:
    """One line: similarity, verdict, and what was dropped, changed or added (rewrite --check)."""
    missing, altered = _missing(c), _altered(c)
    return (f"similarity {c['similarity']:.2f}, {c['verdict']}"
            + (f"; dropped: {'; '.join(missing)}" if missing else "")
            + (f"; changed: {'; '.join(altered)}" if altered else "")
            + (f"; added: {', '.join(a['text'] for a in c['added'])}" if c["added"] else ""))


def _text(c: dict[str, Any]) -> str:
    lines = [f"similarity {c['similarity']:.3f}  verdict: {c['verdict']}"
             + (f"  ({', '.join(c['rules'])})" if c["rules"] else "")]
    lines.append("dropped: " + ("; ".join(_missing(c)) or "nothing"))
    altered = _altered(c)
    if altered:
        lines.append("changed: " + "; ".join(altered))
    lines.append("added:   " + (", ".join(a["text"] for a in c["added"]) or "nothing"))
    p = c["params"]
    if p["only_a"] or p["only_b"] or p["changed"]:
        parts = ([f"removed {x}" for x in p["only_a"]] + [f"added {x}" for x in p["only_b"]] + p["changed"])
        lines.append("params:  " + "; ".join(parts))
    if p["migrated"]:
        lines.append("migrated: " + "; ".join(p["migrated"]))
    for m in c["terms"]:
        if m["how"] == "paraphrase":
            lines.append(f"  {m['term']!r} ≈ {m['match']['text']!r} ({m['score']:.2f})")
    return "\n".join(lines)


def run_compare(a: str | None, b: str | None, file: str | None, session: Session, *, fmt: str,
                progress: bool = False, exit_zero: bool = False) -> int:
    """Compare and print, with the session's embedder and thresholds (`progress`: the model's
    loading bars). Exit status: 0 when every pair is preserved (or `exit_zero`), 1 when a pair is
    not, or a record was bad."""
    session.embedder(progress)  # made before any input is read: a missing model fails here, once
    out = sys.stdout
    if file is None:
        result = session.compare(a or "", b or "", progress=progress).model_dump(mode="json")
        if fmt == "text":
            out.write(_text(result) + "\n")
        else:
            out.write(dumps(result, indent=2 if fmt == "json" else None) + "\n")
        return 0 if exit_zero or result["verdict"] == "preserved" else 1
    from promptsmith.services.pairs import compare_records  # deferred: services.compare loads the term ledger (~0.3 s)

    failed = changed = 0
    records = read_records(file, "text")
    window = 1 if file == "-" else 64  # stdin streams a record per line read; a file is embedded 64 pairs at a time
    while group := list(islice(records, window)):
        for record in compare_records(group, session, progress=progress):
            if record["error"] is None:
                changed += record["verdict"] != "preserved"
            else:
                failed += 1
                click.echo(f"line {record['line']}: error: {record['error']}", err=True)
            if fmt == "text":
                out.write((_text_record(record)) + "\n")
            else:
                out.write(dumps(record) + "\n")
            out.flush()
    if failed:
        return 1
    return 0 if exit_zero or not changed else 1


def _text_record(record: dict[str, Any]) -> str:
    if record.get("error"):
        return f"line {record['line']}: error: {record['error']}"
    return f"line {record['line']}: {summary(record)}"
