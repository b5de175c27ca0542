"""Evaluate the rules rewriter over the real prompt set and regenerate eval/examples.md.

    python -m eval.rewrite_eval [--data PATH] [--examples 30] [--seed 7]

Prints: share of input content terms found in the output (or moved to --no / removed by a named
rule), filler terms left, non-legacy parameters preserved, lint-clean share (no wording
warnings), prompts/s on one core against an identity baseline run in the same process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import time
from collections import Counter
from pathlib import Path

from promptsmith.core.filler import strip_filler
from promptsmith.core.fragments import split_terms
from promptsmith.core.lexicon import load_lexicon, normalize
from promptsmith.core.parse import parse
from promptsmith.core.spec import load_spec
from promptsmith.core.spelling import all_keys
from promptsmith.rewriters.rules import Rewriter

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"
WORDING = ("PS201", "PS202", "PS204", "PS205")
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> set[str]:
    """The ledger's normal forms of a text's words (one normal form for every reader)."""
    return all_keys(text)


def term_kept(term: str, output: str, no_items: str, removed: set[str], phrase: str = "") -> bool:
    """A content term is kept when its words (or its lexicon phrase's) appear in the output or
    --no, or a named rule removed it."""
    key = normalize(term)
    if key in removed:
        return True
    have = words(output) | words(no_items)
    for candidate in (term, phrase):
        need = {w for w in words(candidate) if len(w) > 2 or w.isdigit()}
        if candidate and (not need or need <= have):
            return True
    return False


def evaluate(prompts: list[str], target: str = "6.1", rounds: int = 3) -> dict:
    """Run the rewriter over every prompt and compute the metrics."""
    rewriter = Rewriter(target)
    lex = load_lexicon()
    spec = load_spec()
    # best of `rounds`, the rewriter and an identity baseline (parse + render) interleaved so a
    # slow phase of a shared machine hits both alike
    elapsed = base = float("inf")
    results = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        results = [rewriter.rewrite(text) for text in prompts]
        elapsed = min(elapsed, time.perf_counter() - t0)
        t1 = time.perf_counter()
        for text in prompts:
            parse(text).format()
        base = min(base, time.perf_counter() - t1)

    terms_total = terms_kept = filler_left = params_total = params_kept = clean = 0
    dropped: Counter[str] = Counter()
    for text, r in zip(prompts, results):
        p = parse(text)
        removed = {normalize(c.before) for c in r.changes if c.rule in ("filler-quality-token", "negation-to-no")}
        no = " ".join(x for x in r.params if x.startswith("--no"))
        for term in split_terms(p.text):
            kept_text, fillers = strip_filler(term)  # the ledger's: what the rewriter reads
            for f in fillers:
                removed.add(normalize(f))
            if not kept_text:
                continue
            terms_total += 1
            if term_kept(kept_text, r.output, no, removed, lex.phrase.get(normalize(kept_text), "")):
                terms_kept += 1
            else:
                dropped[kept_text.lower()] += 1
        filler_left += sum(1 for d in r.diagnostics if d.code == "PS201")
        for param in p.params:
            ps = spec.params.get(param.name)
            if ps is None or ps.legacy or param.name in ("width", "height", "version", "hd"):
                continue
            params_total += 1
            name = "--" + (ps.render or param.name)
            if any(x.startswith(name) for x in r.params):
                params_kept += 1
        if not any(d.code in WORDING for d in r.diagnostics):
            clean += 1
    n = len(prompts)
    return {
        "prompts": n,
        "content_term_recall": terms_kept / max(1, terms_total),
        "content_terms": terms_total,
        "filler_left": filler_left,
        "params_preserved": params_kept / max(1, params_total),
        "params_checked": params_total,
        "lint_clean_share": clean / n,
        "prompts_per_s": n / elapsed,
        "identity_baseline_prompts_per_s": n / base,
        "most_dropped": dropped.most_common(15),
        "results": results,
    }


def write_examples(prompts: list[str], results, path: Path, count: int, seed: int, long_terms: int = 12,
                   long_share: float = 0.4) -> None:
    """A random sample of distinct prompts and their rewrites, at least `long_share` of them with
    `long_terms` or more terms (the long prompts are where a composer shows what it does)."""
    rng = random.Random(seed)
    # distinct inputs only: the shared set repeats one template hundreds of times
    unique = {}
    seen_tails: set[str] = set()
    for text, r in zip(prompts, results):
        tail = text.split(",", 1)[-1].strip().lower()  # one template with many subjects counts once
        if tail in seen_tails:
            continue
        seen_tails.add(tail)
        unique.setdefault(text, r)
    long = sorted(t for t in unique if len(split_terms(parse(t).text)) >= long_terms)
    short = sorted(t for t in unique if t not in set(long))
    n_long = min(len(long), max(int(count * long_share), 1))
    picks = rng.sample(long, n_long) + rng.sample(short, min(count - n_long, len(short)))
    rng.shuffle(picks)
    lines = [f"# Before and after: {len(picks)} real prompts through the rules rewriter", "",
             f"Drawn at random (seed {seed}) from `../shared/data/prompts-real.jsonl` by",
             f"`python -m eval.rewrite_eval`, one prompt per template, {n_long} of them with {long_terms} or more",
             "terms; regenerate with the same command.", ""]
    for i, text in enumerate(picks, 1):
        r = unique[text]
        n_terms = len(split_terms(parse(text).text))
        lines += [f"## {i} ({n_terms} terms)", "", "**before**", "", f"> {text}", ""]
        lines += ["**after**", "", f"> {r.output}", ""]
        rules = Counter(c.rule for c in r.changes)
        if rules:
            lines += ["changes: " + ", ".join(f"{k} ×{v}" if v > 1 else k for k, v in rules.items()), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--examples", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--target-version", default="6.1")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    prompts = [json.loads(line)["prompt"] for line in args.data.open(encoding="utf-8") if line.strip()]
    Rewriter(args.target_version).rewrite(prompts[0])  # warm
    m = evaluate(prompts, args.target_version)
    print(f"prompts:                       {m['prompts']}")
    print(
        f"content-term recall:           {m['content_term_recall']:.3f}  "
        f"(target ≥ 0.95, over {m['content_terms']} terms)"
    )
    print(f"filler terms left:             {m['filler_left']}  (target 0)")
    print(f"non-legacy params preserved:   {m['params_preserved']:.3f}  (over {m['params_checked']})")
    print(f"lint-clean share (wording):    {m['lint_clean_share']:.3f}")
    print(
        f"rewrite speed, one core:       {m['prompts_per_s']:,.0f} prompts/s  "
        f"(identity parse+render baseline {m['identity_baseline_prompts_per_s']:,.0f}/s)"
    )
    print("most often dropped terms:     " + (", ".join(f"{t!r}×{c}" for t, c in m["most_dropped"]) or "none"))
    write_examples(prompts, m["results"], ROOT / "eval" / "examples.md", args.examples, args.seed)
    print("wrote eval/examples.md")


if __name__ == "__main__":
    main()
