"""Check brief pairs against the ledger accounting and the linter (the gate of the brief corpus).

A pair is a prompt and the brief's prose (the sentences only: image prompts and parameters are
the rules engine's, appended as it writes them). A pair passes when the LLM guard accepts the
prose (nothing of the prompt dropped, nothing invented, roles and counts kept, no wording
warning the rules brief does not have) and the whole brief lints no worse than the rules
engine's own output.

    python -m eval.corpus.check FILE.jsonl            # {"id", "prompt", "body"} per line
    python -m eval.corpus.check FILE.jsonl --failed   # only the pairs that fail, with why
    python -m eval.corpus.check eval/corpus/briefs.jsonl --assemble   # write each `brief` and `guard` anew

`--assemble` keeps every pair's prose and writes its whole brief (image prompts, prose, the
parameters as the rules engine writes them now) and the guard's reasons, if any, in place.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from promptsmith.rewriters.llm.rewriter import LlmRewriter
from promptsmith.rewriters.result import RewriteResult
from promptsmith.rewriters.rules import Rewriter


@lru_cache(maxsize=1)
def _guard() -> LlmRewriter:
    return LlmRewriter(None, jobs=("write",))  # type: ignore[arg-type]  # the guard needs no model


def assemble(result: RewriteResult, body: str) -> str:
    """The whole brief: the rules output with its prose replaced by `body`."""
    first = result.candidates[0] if result.candidates else ""
    return result.output.replace(first, body, 1) if first else result.output


@dataclass
class Verdict:
    id: str
    prompt: str
    body: str
    brief: str
    reasons: list[str]

    @property
    def ok(self) -> bool:
        return not self.reasons


def check(pair_id: str, prompt: str, body: str) -> Verdict:
    rules: Rewriter = _guard().rules
    result = rules.rewrite(prompt)
    body = " ".join(body.split())
    if not result.candidates:
        same = body == (result.output if not result.params else result.output.split(" --")[0])
        reasons = [] if same or not body else [
            "this prompt is kept as written (a multi-prompt, prose or empty): leave the body empty"]
        return Verdict(pair_id, prompt, body, result.output, reasons)
    reasons = list(_guard().guard(result, body).reasons)
    brief = assemble(result, body)
    worse = {d.code for d in rules.linter.lint(brief) if d.severity.value in ("error", "warning")} \
        - {d.code for d in result.diagnostics if d.severity.value in ("error", "warning")}
    if worse:
        reasons.append("lint " + ", ".join(sorted(worse)))
    if body and body[-1] not in ".!?\"”":
        reasons.append("end the prose with a full stop")
    return Verdict(pair_id, prompt, body, brief, reasons)


def assemble_corpus(path: Path) -> int:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for row in rows:
        v = check(str(row["id"]), row["prompt"], row["body"])
        row = {k: val for k, val in row.items() if k != "guard"} | {"brief": v.brief}
        if not v.ok:
            row["guard"] = v.reasons
        out.append(json.dumps(row, ensure_ascii=False))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(
        f"{len(rows)} pairs assembled, {sum('guard' in json.loads(r) for r in out)} with guard reasons", file=sys.stderr
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--failed", action="store_true", help="print only the pairs that fail")
    parser.add_argument("--assemble", action="store_true", help="write each pair's brief and guard fields in place")
    args = parser.parse_args(argv)
    if args.assemble:
        return assemble_corpus(args.file)
    bad = total = 0
    for line in args.file.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        v = check(str(row["id"]), row["prompt"], row["body"])
        total += 1
        bad += not v.ok
        if not v.ok or not args.failed:
            print(json.dumps({"id": v.id, "ok": v.ok, "reasons": v.reasons, "brief": v.brief}, ensure_ascii=False))
    print(f"{total - bad} of {total} pairs pass", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
