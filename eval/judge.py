"""A blind side-by-side judgement: the rules brief against an LLM engine's, pair by pair (issue 17).

    python -m eval.judge --engine "qwen 1.5B lock" [--pairs 30] [--judge PATH.gguf]

Reads eval/reports/llm/rows.jsonl (written by `python -m eval.llm_eval`), takes the first
`--pairs` prompts where the two briefs differ, and shows each pair to a judge model in both
orders (A/B and B/A, to cancel its position bias). The judge picks the letter whose brief reads
more like a clear, natural description a person would write, by the log-probability of " A"
against " B" after the question. A side wins a pair when it wins in both orders; otherwise the
pair is a tie. A judge with a strong position bias ties every pair that way, so the run also
reports the bias-cancelled lean of each pair: with the judge's margins m₁ (rules shown as A) and
m₂ (the engine shown as A), a constant pull towards A cancels in (m₂ − m₁) / 2, which is the
judge's preference for the engine; beyond ±0.05 it decides the pair. It prints the raw counts and writes eval/reports/llm/judge.md: the pairs in a
random blind order (for a person to read and judge before looking at the key at the end).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "eval" / "reports" / "llm"
JUDGE = Path.home() / ".cache" / "promptsmith-eval" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"

QUESTION = ("Two descriptions of the same image were written for an illustrator. Which one reads more like "
            "clear, natural English that a person would write, while keeping every detail?\n\n"
            "A: {a}\n\nB: {b}\n\nAnswer with one letter, A or B.")


#: How far the bias-cancelled lean (a log-probability difference) must go to decide a pair.
LEAN = 0.05


def pairs(rows: list[dict], engine: str, limit: int) -> list[tuple[str, str, str]]:
    """(prompt, rules brief, engine brief) for the first `limit` prompts where the two differ."""
    by_prompt: dict[str, dict[str, str]] = {}
    for row in rows:
        by_prompt.setdefault(row["prompt"], {})[row["engine"]] = row["output"]
    out = []
    for prompt, outputs in by_prompt.items():
        if "rules" in outputs and engine in outputs and outputs["rules"] != outputs[engine]:
            out.append((prompt, outputs["rules"], outputs[engine]))
    return out[:limit]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", required=True, help="the LLM engine's name in rows.jsonl")
    ap.add_argument("--pairs", type=int, default=30)
    ap.add_argument("--judge", type=Path, default=JUDGE)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()

    from promptsmith.backends.llama_cpp import LlamaCppGenerator
    from promptsmith.services.llm import chat

    rows = [json.loads(line) for line in (REPORT / "rows.jsonl").open(encoding="utf-8")]
    chosen = pairs(rows, args.engine, args.pairs)
    gen = LlamaCppGenerator(str(args.judge), n_threads=args.threads)
    system = "You are a careful editor. You answer with a single letter."

    def prefers_a(a: str, b: str) -> float:
        prompt = chat(system, [("user", QUESTION.format(a=a, b=b))], "chatml")
        score_a, score_b = gen.logprobs(prompt, ["A", "B"])
        return score_a - score_b

    tally: Counter[str] = Counter()
    leaned: Counter[str] = Counter()
    rng = random.Random(args.seed)
    blind, key = [], []
    for i, (prompt, rules, llm) in enumerate(chosen, 1):
        first = prefers_a(rules, llm)   # rules shown as A
        second = prefers_a(llm, rules)  # the engine shown as A
        if first > 0 and second < 0:
            verdict = "rules"
        elif first < 0 and second > 0:
            verdict = "llm"
        else:
            verdict = "tie"
        tally[verdict] += 1
        lean = (second - first) / 2  # the position bias cancels; > 0 prefers the engine
        leaning = "llm" if lean > LEAN else "rules" if lean < -LEAN else "tie"
        leaned[leaning] += 1
        flip = rng.random() < 0.5
        a, b = (llm, rules) if flip else (rules, llm)
        blind += [f"## {i}", "", f"> {prompt}", "", f"- A: {a}", f"- B: {b}", ""]
        key.append(f"{i}: A = {'llm' if flip else 'rules'}; judge model: {verdict} "
                   f"(rules-first margin {first:+.2f}, llm-first margin {second:+.2f}); bias-cancelled lean {lean:+.3f} → "
                   f"{leaning}")
    n = len(chosen)
    print(f"{n} pairs (rules vs {args.engine}), judge {args.judge.name}, both orders:")
    print(f"  llm wins {tally['llm']}, rules wins {tally['rules']}, ties {tally['tie']}"
          f"  → llm share of decided {tally['llm'] / max(1, tally['llm'] + tally['rules']):.2f},"
          f" of all {tally['llm'] / max(1, n):.2f}")
    print(f"  bias-cancelled (m₂ − m₁)/2 beyond ±{LEAN}: llm {leaned['llm']}, rules {leaned['rules']}, "
          f"ties {leaned['tie']}  → llm share of all {leaned['llm'] / max(1, n):.2f}")
    text = ["# Blind pairs: the rules brief and an LLM brief", "",
            f"{n} prompts where `rules` and `{args.engine}` differ, in a random order per pair. Judge each",
            "pair before reading the key at the end.", "", *blind, "## Key", "", *key, ""]
    (REPORT / "judge.md").write_text("\n".join(text), encoding="utf-8")
    (REPORT / "judge.json").write_text(json.dumps({"engine": args.engine, "pairs": n, **tally,
                                                          "bias_cancelled": dict(leaned)}, indent=2) + "\n")
    print(f"wrote {REPORT / 'judge.md'}")


if __name__ == "__main__":
    main()
