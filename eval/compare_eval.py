"""Can `compare` be trusted? Deletion tests and threshold measurements on the shared prompt set,
with the real all-MiniLM-L6-v2.

    python -m eval.compare_eval [--data PATH] [--pairs 300] [--seed 7]

Over `--pairs` diverse rules rewrites (templates counted once, then a seeded sample):

1. **untouched**: compare each original with its own rewrite. Any `dropped` or `changed` term
   there is a false alarm (target ≤ 2% of rewrites).
2. **whole-term deletion**: for each content term of the original in turn, delete from the
   rewrite every word that says it (and that no other term of the original also says), one
   deletion per run, and check that the term is named in `dropped` (target ≥ 95%).
3. **one word inside a multi-word term**: the same with one word of a term of two or more
   content words (its longest word only B says for it); the word must be named among the lost
   parts of the term (`changed`) or the term in `dropped`.
4. **damage classes** (issue 31), each on the rewrites where it applies, each gated at ≥ 95%
   caught:
   - `param-flipped`: one of the rewrite's parameters (one A also has) given another value
     (`--ar 2:3` → `--ar 3:2`, a number moved inside its range); must fire `param-changed`;
   - `param-dropped`: one such parameter removed; must fire `param-dropped`;
   - `no-dropped`: one `--no` word of A removed from the rewrite's `--no`; must be in `dropped`;
   - `quote-altered`: a quoted text of A that the rewrite says, altered (a word dropped, or a
     letter's case); must fire `quote-changed`. Few prompts quote text, so this class reads
     every template of the set with a quote, not only the sample;
   - `role-changed`: a word of A whose role A states (a light, a colour, an object led by an
     article) written into the rewrite as an artist (`in the style of X`) or a style
     (`in a X style`); must fire `role-changed`;
   - `generic-deleted`: a generic noun the user wrote (`heroic composition`, `warm colors`)
     deleted from the rewrite; the term must be named `changed` (the noun lost) or `dropped`.
   A false alarm is now any damage rule on an untouched rewrite (a term dropped or changed, a
   parameter dropped or altered, a quote, a role), target ≤ 2%.
5. **thresholds**: the similarity of each original with its own rewrite against its similarity
   with another prompt's rewrite. `similarity-threshold` is set where the two distributions
   part: below the 1st percentile of own pairs, above most of the others. The rates printed here
   are how the default in `promptsmith.settings` was chosen; rerun them after changing the model.

The embedding stage (paraphrase matching) runs in every comparison, so a deletion it "explains
away" as a paraphrase counts as a miss.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

from eval.brief import dedupe_templates

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"


def percentiles(values: list[float], points: tuple[int, ...] = (1, 5, 10, 25, 50, 75, 90)) -> str:
    ordered = sorted(values)
    out = []
    for p in points:
        k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
        out.append(f"p{p} {ordered[k]:.3f}")
    return "  ".join(out)


def delete_keys(text: str, keys: set[str], start: int, end: int) -> str:
    """`text` with every word between `start` and `end` whose ledger key is in `keys` removed,
    and the punctuation left dangling tidied."""
    from promptsmith.core.spelling import fold
    from promptsmith.core.words import WORD

    pieces, at = [], 0
    for m in WORD.finditer(text, start, end):
        if fold(m.group()) in keys:
            pieces.append(text[at : m.start()])
            at = m.end()
    pieces.append(text[at:])
    out = "".join(pieces)
    out = re.sub(r"\s{2,}", " ", out)
    out = re.sub(r"\s+([,.;:!?])", r"\1", out)
    out = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", out)
    return out.strip()


def term_keys(term: str) -> set[str]:
    """The keys that say a term in B: its content words, and the lexicon's wording of it."""
    from promptsmith.core.accounting import is_content, lexicon_wording
    from promptsmith.core.spelling import fold
    from promptsmith.core.words import words

    return {fold(w) for w in words(term) + words(lexicon_wording(term)) if is_content(w)}


def deletions(a: str, b: str) -> Iterator[tuple[str, str, str, str]]:
    """(kind, term, what was deleted, cut B) for each deletion test of one pair: the whole term
    (`term`), and one word of a multi-word term (`word`)."""
    from promptsmith.core.accounting import account
    from promptsmith.core.fix import parse_mended
    from promptsmith.core.spelling import fold
    from promptsmith.core.words import words

    pa, pb = parse_mended(a)[0], parse_mended(b)[0]
    acc = account(pa, pb)
    b_keys = {fold(w) for w in words(pb.text)}
    s, e = pb.text_span.start, pb.text_span.end
    for i, t in enumerate(acc.terms):
        if t.status != "kept":
            continue
        others = set().union(*(term_keys(x.term) for j, x in enumerate(acc.terms) if j != i))
        own = (term_keys(t.term) - others) & b_keys
        if own and not ({fold(w) for w in t.words} - own):  # every word of it is its own in B
            yield "term", t.term, t.term, delete_keys(b, own, s, e)
        if len(t.words) >= 2:
            for word in sorted(t.words, key=len, reverse=True):
                key = fold(word)
                if key in b_keys and key not in others and len(word) > 2:
                    yield "word", t.term, word, delete_keys(b, {key}, s, e)
                    break


#: The verdict rules that say something of A was damaged (a false alarm on an untouched rewrite).
DAMAGE_CLASSES = ("param-flipped", "param-dropped", "no-dropped", "quote-altered", "role-changed", "generic-deleted")
DAMAGE_RULES = frozenset({"term-dropped", "term-changed", "param-dropped", "param-changed", "quote-changed",
                          "role-changed"})


def _with_params(b: str, pb, keep: list[str]) -> str:
    """B's text with the parameters `keep` (canonical strings) in place of its own."""
    return (b[: pb.params_start].rstrip() + " " + " ".join(keep)).strip()


def param_damage(a: str, b: str) -> Iterator[tuple[str, str, str, str]]:
    """(kind, what, expected rule or term, cut B) for the parameter classes of one pair."""
    from promptsmith.core.fix import parse_mended
    from promptsmith.core.format import format_param
    from promptsmith.core.spec import load_spec
    from promptsmith.services.compare_checks import prompt_version

    spec = load_spec()
    pa, pb = parse_mended(a)[0], parse_mended(b)[0]
    if pb.params_start is None or not pb.params:
        return
    vb = prompt_version(pb, spec)
    a_params = {p.name: format_param(p, spec) for p in pa.params}
    rendered = [format_param(p, spec) for p in pb.params]
    for i, p in enumerate(pb.params):
        if p.permuted or p.name in ("version", "niji") or p.name not in a_params:
            continue
        pspec = spec.params.get(p.name)
        if pspec is None or a_params[p.name] != rendered[i]:
            continue
        if p.name == "no" and isinstance(p.value, tuple):
            a_no = next(q for q in pa.params if q.name == "no")
            for item in p.value:
                if isinstance(a_no.value, tuple) and item in a_no.value:
                    rest = [x for x in p.value if x != item]
                    keep = rendered[:i] + ([f"--no {', '.join(rest)}"] if rest else []) + rendered[i + 1:]
                    yield "no-dropped", item, item, _with_params(b, pb, keep)
                    break
            continue
        # one of several `--p`/`--sref` removed changes the set: either rule names it
        want = "param-dropped|param-changed" if sum(q.name == p.name for q in pb.params) > 1 else "param-dropped"
        yield "param-dropped", rendered[i], want, _with_params(b, pb, rendered[:i] + rendered[i + 1:])
        flipped = _flip(p, pspec, vb)
        if flipped is not None:
            new = f"--{pspec.render} {flipped}"
            yield "param-flipped", f"{rendered[i]} → {new}", "param-changed", _with_params(
                b, pb, rendered[:i] + [new] + rendered[i + 1:])


def _flip(p, pspec, version: str) -> str | None:
    """Another valid value of a parameter on `version` (None: none to give)."""
    if pspec.type == "ratio" and isinstance(p.value, tuple):
        w, h = p.value
        return f"{h}:{w}" if w != h else f"{w * 2}:{h}"
    if pspec.type not in ("int", "float") or not isinstance(p.value, (int, float)):
        return None
    r = pspec.range_for(version)
    value = float(p.value)
    if r is not None and r.values:
        others = [v for v in r.values if isinstance(v, (int, float)) and float(v) != value]
        return f"{others[0]:g}" if others else None
    lo, hi = (r.min, r.max) if r is not None else (None, None)
    if lo is None or hi is None:
        return f"{value + 1:g}"
    new = lo + (hi - lo) / 2 if value != lo + (hi - lo) / 2 else lo
    return str(int(new)) if pspec.type == "int" else f"{new:g}"


def quote_damage(a: str, b: str) -> Iterator[tuple[str, str, str, str]]:
    """(kind, what, expected rule, cut B): each quote of A that B says, altered."""
    from promptsmith.core.fix import parse_mended
    from promptsmith.services.compare_checks import drawn_quotes

    for inside, _, _ in drawn_quotes(parse_mended(a)[0]):
        at = b.find(inside)
        if at < 0:
            continue
        words = inside.split()
        altered = " ".join(words[:-1]) if len(words) > 1 else inside.swapcase()
        if altered == inside:
            continue
        yield "quote-altered", inside, "quote-changed", b[:at] + altered + b[at + len(inside):]


def role_damage(a: str, b: str, n: int) -> Iterator[tuple[str, str, str, str]]:
    """(kind, word, expected rule, cut B): a word of A whose role A states (light, colour, an
    object with an article), written into B as an artist or a style instead."""
    from promptsmith.core.accounting import account, is_content
    from promptsmith.core.fix import parse_mended
    from promptsmith.core.spelling import fold
    from promptsmith.core.words import WORD
    from promptsmith.services.compare_checks import role_in_a

    pa, pb = parse_mended(a)[0], parse_mended(b)[0]
    acc = account(pa, pb)
    s, e = pb.text_span.start, pb.text_span.end
    b_words = [(fold(m.group()), m.start(), m.end()) for m in WORD.finditer(b, s, e)]
    for t in acc.terms:
        if t.status != "kept" or t.how == "no":
            continue
        keys = {fold(w) for w in t.words if is_content(w)}
        for m in WORD.finditer(a, t.start, t.end):
            word, key = m.group(), fold(m.group())
            role = role_in_a(a, m.start(), m.end())
            if role not in ("lighting", "colour", "subject") or len(word) < 4 or key not in keys:
                continue
            if sum(k == key for k, _, _ in b_words) != 1:
                continue
            cut = delete_keys(b, {key}, s, e)
            cut_end = len(cut) - (len(b) - e) if e < len(b) else len(cut)
            body, tail = cut[:cut_end].rstrip().rstrip("."), cut[cut_end:]
            phrase = f"in the style of {word.title()}" if n % 2 == 0 else f"in a {word.lower()} style"
            yield "role-changed", word, "role-changed", f"{body}, {phrase}. {tail.strip()}".strip()
            return  # one per pair


def generic_damage(a: str, b: str) -> Iterator[tuple[str, str, str, str]]:
    """(kind, noun, term, cut B): a generic noun the user wrote in a term, deleted from B."""
    from promptsmith.core.accounting import account, is_content
    from promptsmith.core.fix import parse_mended
    from promptsmith.core.spelling import fold
    from promptsmith.core.words import WORD

    pa, pb = parse_mended(a)[0], parse_mended(b)[0]
    acc = account(pa, pb)
    b_keys = {fold(w) for w in WORD.findall(pb.text)}
    for t in acc.terms:
        if t.status != "kept":
            continue
        generic = [w for w in t.words if not is_content(w) and fold(w) in b_keys]
        if generic and len(t.words) > 1:
            yield "generic-deleted", generic[0], t.term, delete_keys(b, {fold(generic[0])}, pb.text_span.start,
                                                                     pb.text_span.end)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--pairs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--show", type=int, default=8, help="misses to print per test")
    ap.add_argument("--gate", action="store_true", help="exit 1 when a target is missed (CI)")
    args = ap.parse_args()

    from promptsmith.rewriters.rules import Rewriter
    from promptsmith.services.compare import compare_many, default_embedder

    records = [json.loads(line) for line in args.data.open(encoding="utf-8") if line.strip()]
    unique = dedupe_templates(records)
    rng = random.Random(args.seed)
    picked = rng.sample(unique, min(args.pairs, len(unique)))
    prompts = [r["prompt"] for r in picked]
    rewriter = Rewriter()
    outs = [rewriter.rewrite(p).output for p in prompts]
    embedder = default_embedder()
    t0 = time.perf_counter()

    # 1. untouched rewrites
    own = list(compare_many(zip(prompts, outs), embedder=embedder))
    false = [(p, c) for p, c in zip(prompts, own) if DAMAGE_RULES & set(c.rules)]
    # 2 and 3. deletions
    cases = [(kind, term, gone, a, cut) for a, b in zip(prompts, outs) for kind, term, gone, cut in deletions(a, b)]
    results = list(compare_many(((a, cut) for *_, a, cut in cases), embedder=embedder))
    hits: dict[str, list[bool]] = {"term": [], "term_any": [], "word": []}
    misses: dict[str, list[str]] = {"term": [], "word": []}
    for (kind, term, gone, a, cut), c in zip(cases, results):
        dropped = {d.text for d in c.dropped}
        if kind == "term":
            named = term in dropped
            hits["term"].append(named)
            hits["term_any"].append(named or any(t.term == term for t in c.changed))
        else:
            lost = {p.text.lower() for t in c.changed if t.term == term for p in t.lost}
            named = term in dropped or any(gone.lower() in part.split() or gone.lower() == part for part in lost)
            hits["word"].append(named)
        if not named and len(misses[kind]) < args.show:
            misses[kind].append(f"    {gone!r} of {term!r}\n      A: {a[:150]}\n      B: {cut[:150]}\n"
                                f"      → dropped {sorted(dropped)}, changed "
                                f"{[(t.term, [p.text for p in t.lost]) for t in c.changed]}")
    # 4. damage classes
    # quotes and `--no` are rare: those classes read every template of the set that has one
    quoted = [r["prompt"] for r in unique if '"' in r["prompt"] or "“" in r["prompt"]]
    quoted_outs = [rewriter.rewrite(p).output for p in quoted]
    negated = [r["prompt"] for r in unique if "--no " in r["prompt"]]
    negated_outs = [rewriter.rewrite(p).output for p in negated]
    damage = [(kind, what, want, a, cut) for a, b in zip(prompts, outs) for kind, what, want, cut in param_damage(a, b)
              if kind != "no-dropped"]
    damage += [(kind, what, want, a, cut) for a, b in zip(negated, negated_outs)
               for kind, what, want, cut in param_damage(a, b) if kind == "no-dropped"]
    damage += [
        (kind, what, want, a, cut)
        for a, b in zip(quoted, quoted_outs)
        for kind, what, want, cut in quote_damage(a, b)
    ]
    damage += [
        (kind, what, want, a, cut)
        for i, (a, b) in enumerate(zip(prompts, outs))
        for kind, what, want, cut in role_damage(a, b, i)
    ]
    damage += [
        (kind, what, want, a, cut) for a, b in zip(prompts, outs) for kind, what, want, cut in generic_damage(a, b)
    ]
    caught: dict[str, list[bool]] = {k: [] for k in DAMAGE_CLASSES}
    missed: dict[str, list[str]] = {k: [] for k in DAMAGE_CLASSES}
    for (kind, what, want, a, cut), c in zip(
        damage, compare_many(((a, cut) for *_, a, cut in damage), embedder=embedder)
    ):
        if kind == "no-dropped":
            ok = any(d.text == want for d in c.dropped)
        elif kind == "generic-deleted":
            ok = any(d.text == want for d in c.dropped) or any(
                t.term == want and any(what.lower() in p.text.lower().split() for p in t.lost) for t in c.changed
            )
        else:
            ok = any(w in c.rules for w in want.split("|"))
        caught[kind].append(ok)
        if not ok and len(missed[kind]) < args.show:
            missed[kind].append(f"    {what!r}\n      A: {a[:150]}\n      B: {cut[:150]}\n      → rules {c.rules}")
    # 5. thresholds
    shuffled = outs[1:] + outs[:1]
    other = [c.similarity for c in compare_many(zip(prompts, shuffled), embedder=embedder)]
    sims = [c.similarity for c in own]
    elapsed = time.perf_counter() - t0

    n = len(prompts)
    print(
        f"compare on {n} diverse rules rewrites of the shared set ({len(unique)} unique templates), "
        f"{len(cases) + len(damage) + 2 * n} comparisons in {elapsed:.1f} s, model {embedder.name}"
    )
    print(
        f"untouched rewrites with a false alarm (any damage rule): {len(false)}/{n} = {len(false) / n:.1%}"
        "   target ≤ 2%"
    )
    for p, c in false[: args.show]:
        print(
            f"    A: {p[:150]}\n      → rules {c.rules}, dropped {[d.text for d in c.dropped]}, changed "
            f"{[(t.term, [x.text for x in t.lost], t.role_a, t.role_b) for t in c.changed]}, params "
            f"{c.params.dropped + c.params.altered}, quotes {[q.text for q in c.quotes]}"
        )
    t, ta, w = hits["term"], hits["term_any"], hits["word"]
    print(
        f"whole term deleted, named in dropped: {sum(t)}/{len(t)} = {sum(t) / max(1, len(t)):.1%}   target ≥ 95%"
        f"   (in dropped or changed: {sum(ta) / max(1, len(ta)):.1%})"
    )
    print("\n".join(misses["term"]))
    print(
        f"one word of a multi-word term deleted, named: {sum(w)}/{len(w)} = {sum(w) / max(1, len(w)):.1%}"
        "   target ≥ 95%"
    )
    print("\n".join(misses["word"]))
    for kind in DAMAGE_CLASSES:
        got = caught[kind]
        print(f"damage {kind}: caught {sum(got)}/{len(got)} = {sum(got) / max(1, len(got)):.1%}   target ≥ 95%")
        print("\n".join(missed[kind]))
    print(f"similarity, original ↔ its own rewrite:     {percentiles(sims)}")
    print(f"similarity, original ↔ another's rewrite:   {percentiles(other)}")
    from promptsmith.settings import SIMILARITY_THRESHOLD

    below_own = sum(s < SIMILARITY_THRESHOLD for s in sims) / n
    below_other = sum(s < SIMILARITY_THRESHOLD for s in other) / n
    print(
        f"similarity-threshold {SIMILARITY_THRESHOLD}: own rewrites below it {below_own:.1%}, "
        f"another prompt's rewrite below it {below_other:.1%}"
    )
    verdicts: dict[str, int] = {}
    for c in own:
        verdicts[c.verdict] = verdicts.get(c.verdict, 0) + 1
    print("verdicts of untouched rewrites: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
    if args.gate:
        missed = [
            name
            for name, ok in (
                ("false alarms ≤ 2%", len(false) / n <= 0.02),
                ("whole term named ≥ 95%", sum(t) / max(1, len(t)) >= 0.95),
                ("one word named ≥ 95%", sum(w) / max(1, len(w)) >= 0.95),
                *(
                    (f"{k} caught ≥ 95%", bool(caught[k]) and sum(caught[k]) / len(caught[k]) >= 0.95)
                    for k in DAMAGE_CLASSES
                ),
            )
            if not ok
        ]
        if missed:
            raise SystemExit("compare gate failed: " + "; ".join(missed))
        print("compare gate passed")


if __name__ == "__main__":
    main()
