"""Blind side-by-side judgements of two engines' briefs, read by people or strong models, scored here.

    python -m eval.judge pairs ROWS.jsonl --left rules --right trained --out eval/reports/adapter/judge-rules
    python -m eval.judge score eval/reports/adapter/judge-rules

`pairs` takes the prompts where the two columns of ROWS.jsonl differ and writes them blind, twice:
`pairs-1.md` and `pairs-2.md` hold the same pairs in two shuffled orders, each pair's sides shown
the other way round in the second file (A in one is B in the other), so a judge's pull towards a
position cancels across the two. Each file goes to its own judge, who sees nothing but that file
(never the engines' names), and writes one line per pair to `verdicts-1.jsonl` / `verdicts-2.jsonl`
beside it: `{"pair": N, "verdict": "A" | "B" | "tie", "reason": "..."}`. Which side is which is in
`key.json`, read only by `score`.

`score` turns the verdicts into counts: per file (each judge, each order), over both (every
judgement counted once), and per pair by agreement (a side wins a pair when both judges pick it;
one pick and one tie leans that way; opposite picks are a split).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

INSTRUCTIONS = """# Blind pairs: which brief is better?

Each pair shows a user's text-to-image prompt and two briefs (A and B) written from it for an
illustrator or photographer. Judge **faithfulness first**: a brief that drops, changes or invents
content (subjects, attributes, styles, artists, media, light, colour, composition, quoted text,
parameters), or gives a word the wrong role (a light source as an artist, a style as an object),
loses. Filler such as "8k", "masterpiece", "highly detailed" or "trending on artstation" may go.
**Then fluency**: which reads as clear, natural English a skilled writer would sign. If they are
equally good, or the difference is too small to matter, say tie.

Answer with one JSON object per pair, one per line: {"pair": N, "verdict": "A" | "B" | "tie", "reason": "..."}
"""


def make_pairs(rows: list[dict], left: str, right: str, seed: int, limit: int = 0) -> list[dict]:
    """The rows where `left` and `right` differ, as {prompt, left, right, id}."""
    out = [{"id": r.get("id", str(i)), "prompt": r["prompt"], "left": r[left], "right": r[right]}
           for i, r in enumerate(rows) if r.get(left) and r.get(right) and r[left].strip() != r[right].strip()]
    random.Random(seed).shuffle(out)
    return out[:limit] if limit else out


def write_pairs(pairs: list[dict], left: str, right: str, out: Path, seed: int) -> None:
    """pairs-1.md and pairs-2.md (sides swapped, another order) and key.json."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1)
    a_is_left = [rng.random() < 0.5 for _ in pairs]
    key = {"left": left, "right": right, "pairs": []}
    orders = [list(range(len(pairs))), list(range(len(pairs)))]
    random.Random(seed + 2).shuffle(orders[1])
    numbers: list[dict[int, int]] = [{}, {}]
    for file_no, order in enumerate(orders):
        lines = [INSTRUCTIONS, ""]
        for n, i in enumerate(order, 1):
            numbers[file_no][i] = n
            left_first = a_is_left[i] if file_no == 0 else not a_is_left[i]
            a, b = (pairs[i]["left"], pairs[i]["right"]) if left_first else (pairs[i]["right"], pairs[i]["left"])
            lines += [f"## Pair {n}", "", f"Prompt: {pairs[i]['prompt']}", "", f"A: {a}", "", f"B: {b}", ""]
        (out / f"pairs-{file_no + 1}.md").write_text("\n".join(lines), encoding="utf-8")
    for i, pair in enumerate(pairs):
        key["pairs"].append({"id": pair["id"], "prompt": pair["prompt"], "left": pair["left"], "right": pair["right"],
                             "files": [{"pair": numbers[0][i], "A": "left" if a_is_left[i] else "right"},
                                       {"pair": numbers[1][i], "A": "right" if a_is_left[i] else "left"}]})
    (out / "key.json").write_text(json.dumps(key, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def read_verdicts(path: Path) -> dict[int, str]:
    out: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("{"):
            row = json.loads(line)
            verdict = str(row["verdict"]).strip().upper()
            out[int(row["pair"])] = "tie" if verdict == "TIE" else verdict
    return out


def score(folder: Path) -> dict:
    """The counts, per file, over both files, and per pair by agreement."""
    key = json.loads((folder / "key.json").read_text(encoding="utf-8"))
    left, right = key["left"], key["right"]
    files = [read_verdicts(folder / f"verdicts-{k}.jsonl") if (folder / f"verdicts-{k}.jsonl").exists() else {}
             for k in (1, 2)]
    per_file = [Counter(), Counter()]
    agreement: Counter[str] = Counter()
    missing = 0
    for pair in key["pairs"]:
        picks = []
        for k, shown in enumerate(pair["files"]):
            verdict = files[k].get(shown["pair"])
            if verdict is None:
                missing += bool(files[k])
                continue
            other = "right" if shown["A"] == "left" else "left"
            side = "tie" if verdict == "tie" else shown["A"] if verdict == "A" else other
            name = {"left": left, "right": right}.get(side, "tie")
            per_file[k][name] += 1
            picks.append(name)
        if len(picks) == 2:
            a, b = picks
            if a == b:
                agreement[a] += 1
            elif "tie" in (a, b):
                agreement[f"{a if b == 'tie' else b} (lean)"] += 1
            else:
                agreement["split"] += 1
    both = per_file[0] + per_file[1]
    return {"left": left, "right": right, "pairs": len(key["pairs"]), "missing": missing,
            "per_file": [dict(c) for c in per_file], "both": dict(both), "agreement": dict(agreement)}


def _share(counts: dict, name: str) -> str:
    total = sum(counts.values())
    return f"{counts.get(name, 0)}/{total} = {counts.get(name, 0) / total:.0%}" if total else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.judge", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pairs", help="write the blind pairs files and the key")
    p.add_argument("rows", type=Path)
    p.add_argument("--left", required=True)
    p.add_argument("--right", required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=29)
    p.add_argument("--limit", type=int, default=0)
    s = sub.add_parser("score", help="count the verdicts against the key")
    s.add_argument("folder", type=Path)
    args = ap.parse_args(argv)
    if args.command == "pairs":
        rows = [json.loads(line) for line in args.rows.read_text(encoding="utf-8").splitlines() if line.strip()]
        pairs = make_pairs(rows, args.left, args.right, args.seed, args.limit)
        write_pairs(pairs, args.left, args.right, args.out, args.seed)
        print(f"{len(pairs)} pairs where {args.left} and {args.right} differ (of {len(rows)} rows) → {args.out}")
        return 0
    result = score(args.folder)
    (args.folder / "score.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    left, right = result["left"], result["right"]
    print(f"{result['pairs']} pairs, {left} against {right}")
    for k, counts in enumerate(result["per_file"], 1):
        print(f"  judge {k} (order {k}): {right} {counts.get(right, 0)}, {left} {counts.get(left, 0)}, "
              f"tie {counts.get('tie', 0)}")
    both = result["both"]
    print(f"  both orders: {right} wins {_share(both, right)}, {left} {_share(both, left)}, tie {_share(both, 'tie')}; "
          f"{right} wins or ties {both.get(right, 0) + both.get('tie', 0)}/{sum(both.values())}")
    print(f"  per pair: {dict(sorted(result['agreement'].items()))}")
    if result["missing"]:
        print(f"  {result['missing']} verdicts missing", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
