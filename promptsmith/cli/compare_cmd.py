"""`promptsmith compare`: one pair, or a stream of pairs from JSON lines."""

from __future__ import annotations

import sys
from itertools import islice
from typing import TYPE_CHECKING, Any

import click

from promptsmith.cli.common import CONTEXT, command_session, stdin_text
from promptsmith.errors import PromptsmithError
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
    from promptsmith.services.pairs import (
        compare_records,  # deferred: services.compare loads the term ledger (~0.3 s)
    )

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


@click.command(context_settings=CONTEXT)
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("--file", "-f", "file", metavar="FILE|-", help='JSON lines with fields "a" and "b" (`-` for stdin).')
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default=None,
              help="Output format (default: text for A B, jsonl for --file).")
@click.option("--embed-model", metavar="PATH", help="Embedding model folder (default: the packaged all-MiniLM-L6-v2).")
@click.option("--similarity-threshold", type=click.FloatRange(-1, 1), default=None,
              help="Below this embedding similarity the verdict says low-similarity (config similarity-threshold).")
@click.option("--term-threshold", type=click.FloatRange(-1, 1), default=None,
              help="A lost term counts as said in other words at this cosine or above (config term-threshold).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 whatever the verdicts (errors still exit 2).")
@click.option("--progress", is_flag=True, help="Show the model's loading bars on stderr.")
@click.pass_context
def compare(ctx: click.Context, a: str | None, b: str | None, file: str | None, fmt: str | None,
            embed_model: str | None, similarity_threshold: float | None, term_threshold: float | None,
            exit_zero: bool, progress: bool) -> None:
    """Check whether prompt B still asks for what prompt A asked for.

    Accounts for every content term of A in B (as written, in its normal form, or in other
    words), and prints the terms B dropped, those it changed (with the part lost), what B added,
    the embedding similarity, the parameter differences (by value on the version's table; what the
    version explains is listed as migrated) and a verdict: preserved, dropped (terms or parameters
    missing; a term only partly there counts), changed (a parameter value, quoted text or a term's
    role said otherwise), added, drifted (low similarity, every term present) or different (terms
    missing and low similarity).

    `-` as A (alone) reads pairs from stdin; `-` as A or B reads that prompt from stdin.

    Exit status: 0 when every pair is preserved, 1 when one is not (or a record is bad), 2 on a
    usage error; --exit-zero makes verdicts exit 0.

    \b
    Examples:
      promptsmith compare "old fisherman, oil painting, 8k" "An oil painting of an old fisherman."
      promptsmith compare --file pairs.jsonl > checks.jsonl
    """
    session = command_session(ctx, embed_model=embed_model, similarity_threshold=similarity_threshold,
                       term_threshold=term_threshold)
    if a == "-" and b is None and file is None:  # `-` is stdin on every command: pairs, one JSON line each
        a, file = None, "-"
    elif "-" in (a, b) and a != b:  # one prompt from stdin, the other given
        text = stdin_text()
        a, b = (text if a == "-" else a), (text if b == "-" else b)
    if file is None and (a is None or b is None):
        raise click.UsageError("give two prompts A and B, or --file pairs.jsonl")
    if file is not None and (a is not None or b is not None):
        raise click.UsageError("give two prompts A and B, or --file, not both")
    try:
        status = run_compare(a, b, file, session, fmt=fmt or ("jsonl" if file else "text"), progress=progress,
                             exit_zero=exit_zero)
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    ctx.exit(status)
