"""Benchmark the LLM engine against raw llama.cpp on the same model, in the same run.

    python benchmarks/bench_llm.py [--model PATH.gguf] [--n 100]

Prints: raw llama.cpp prompt-processing and generation tokens/s (a plain `Llama`, default
settings); the same rates through promptsmith's generator (scoring = prompt processing of
candidate tokens over a cached prefix; writing = generation); the closed-vocabulary grammar's
overhead; span-locked decoding's tokens/s against raw generation; the trained writer's
copy-constrained decoding against raw llama.cpp generation with the same LoRA adapter; and
per-rewrite latency p50/p95 of rank, span-locked write and trained write over N real prompts, at 1
and at 2 threads.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "prompts-real.jsonl"
TEXT = ("A portrait of an old fisherman, an oil painting in the style of Rembrandt, with dramatic lighting, "
        "in deep umber tones, framed as a close-up, with a melancholic atmosphere. ") * 3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--threads", default="1,2", help="thread counts to compare (comma list)")
    args = ap.parse_args()
    for threads in [int(t) for t in args.threads.split(",") if t.strip()]:
        bench(args.model, args.n, threads)


def bench(model: str | None, n: int, threads: int) -> None:

    from llama_cpp import Llama

    from promptsmith.backends.llama_cpp import LlamaCppGenerator
    from promptsmith.backends.models import resolve_model_path
    from promptsmith.core.parse import parse
    from promptsmith.core.words import STOP
    from promptsmith.rewriters.llm.rewriter import LlmRewriter, llm_prompts
    from promptsmith.rewriters.llm.trained import END, CopyConstraint, chat_prompt, notes, packaged_adapter

    path = resolve_model_path(model)
    gen = LlamaCppGenerator(path, n_threads=threads)
    # the same threads as promptsmith's generator (llama-cpp-python's default is half the cores)
    raw = Llama(model_path=str(path), n_ctx=2048, n_threads=gen.n_threads, n_threads_batch=gen.n_threads,
                verbose=False, seed=0)
    # scoring needs the logits of every token, so its fair raw baseline computes them too
    raw_all = Llama(model_path=str(path), n_ctx=2048, n_threads=gen.n_threads, n_threads_batch=gen.n_threads,
                    logits_all=True, verbose=False, seed=0)
    tokens = raw.tokenize(TEXT.encode(), add_bos=True)

    def raw_pp(model=raw) -> float:
        model.reset()
        t0 = time.perf_counter()
        model.eval(tokens)
        return len(tokens) / (time.perf_counter() - t0)

    def raw_gen() -> float:
        raw.reset()
        t0 = time.perf_counter()
        out = raw.create_completion("Describe a lighthouse at dusk:", max_tokens=64, temperature=0, seed=0)
        return out["usage"]["completion_tokens"] / (time.perf_counter() - t0)

    prefix = llm_prompts()["rank"]["prefix"]
    head = len(gen.tokenize(prefix, bos=True))

    def ours_pp() -> float:
        gen.logprobs(prefix, ["x"])  # prefix cached, as in real ranking
        n = len(gen.tokenize(TEXT))
        t0 = time.perf_counter()
        gen.logprobs(prefix, [TEXT])
        return n / (time.perf_counter() - t0)

    def ours_gen(grammar: str | None = None) -> float:
        gen.llama.reset()
        counted = []
        t0 = time.perf_counter()
        gen.generate("Describe a lighthouse at dusk:", max_tokens=64, temperature=0, seed=0, grammar=grammar,
                     on_token=counted.append)
        n = len(gen.tokenize("".join(counted))) or 1
        return n / (time.perf_counter() - t0)

    best = lambda f, *a: max(f(*a) for _ in range(3))  # noqa: E731
    rp, rpa, rg = best(raw_pp), best(raw_pp, raw_all), best(raw_gen)
    op, og = best(ours_pp), best(ours_gen)
    llm = LlmRewriter(gen, jobs=("write",), closed_vocabulary=True)
    grammar = llm.closed_grammar("lighthouse at dusk, oil painting, dramatic lighting, stormy sea")
    gg = best(ours_gen, grammar)
    from promptsmith.rewriters.llm.spanlock import SpanLock, spans_of

    locker = LlmRewriter(gen, jobs=("write",))
    lock_text = "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, stormy sea, dusk"
    brief = locker.rules.analysis(lock_text)
    spans = spans_of(brief, locker.rules.rules.determiners)
    lock_prompt = locker._lock_prompt(spans)

    def ours_locked() -> float:
        pieces: list[str] = []
        gen.locked(lock_prompt, SpanLock(spans), max_tokens=8)  # the prompt's prefix cached, as in a batch
        t0 = time.perf_counter()
        gen.locked(lock_prompt, SpanLock(spans), on_token=pieces.append)
        return len(pieces) / (time.perf_counter() - t0)

    def raw_gen_all() -> float:  # the fair baseline for a decoder that reads every step's logits
        raw_all.reset()
        t0 = time.perf_counter()
        out = raw_all.create_completion("Describe a lighthouse at dusk:", max_tokens=64, temperature=0, seed=0)
        return out["usage"]["completion_tokens"] / (time.perf_counter() - t0)

    rga, ol = best(raw_gen_all), best(ours_locked)
    print(f"\n== {threads} thread{'s' if threads > 1 else ''} ==")
    print(f"model {path.name}; rank prefix {head} tokens (cached)")
    print(f"prompt processing: raw {rp:6.0f} tok/s (last-token logits), {rpa:.0f} tok/s (all logits, as scoring needs)")
    print(f"                   promptsmith scoring {op:6.0f} tok/s  ({op / rpa:.0%} of raw with all logits, "
          f"{op / rp:.0%} of raw last-token)")
    print(f"generation:        raw {rg:6.0f} tok/s   promptsmith writing {og:6.0f} tok/s  ({og / rg:.0%} of raw)")
    print(f"closed-vocabulary grammar: {gg:.0f} tok/s ({gg / og:.0%} of unconstrained: overhead {1 - gg / og:.0%})")
    print(f"span-locked decoding: {ol:6.0f} tok/s  ({ol / rg:.0%} of raw generation, {ol / rga:.0%} of raw with all "
          f"logits at {rga:.0f} tok/s)")

    engines = [("rank", LlmRewriter(gen, jobs=("rank",))), ("span-locked write", locker)]
    adapter = packaged_adapter() if model is None else None
    if adapter is not None:  # the trained writer: the packaged model with its adapter
        tgen = LlamaCppGenerator(path, n_threads=threads, lora=adapter)
        raw_lora = Llama(model_path=str(path), lora_path=str(adapter), n_ctx=2048, n_threads=gen.n_threads,
                         n_threads_batch=gen.n_threads, logits_all=True, verbose=False, seed=0)
        trained = LlmRewriter(tgen, jobs=("write",), write_mode="trained")
        source = "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, stormy sea, dusk"
        result = trained.rules.rewrite(source)
        written = chat_prompt(notes(source))

        def raw_lora_gen() -> float:  # the adapter's own greedy generation, every step's logits kept
            raw_lora.reset()
            t0 = time.perf_counter()
            out = raw_lora.create_completion(written, max_tokens=64, temperature=0, seed=0, stop=[END])
            return max(1, out["usage"]["completion_tokens"]) / (time.perf_counter() - t0)

        def ours_constrained() -> float:
            pieces: list[str] = []
            constraint = CopyConstraint(parse(source).text, STOP | {"a", "an", "the"}, trained.connectives(result))
            tgen.llama.reset()
            t0 = time.perf_counter()
            tgen.constrained(written, constraint, end=END, on_token=pieces.append)
            return max(1, len(tgen.tokenize("".join(pieces)))) / (time.perf_counter() - t0)

        rl, oc = best(raw_lora_gen), best(ours_constrained)
        print(f"trained writer (LoRA): copy-constrained decoding {oc:6.0f} tok/s  ({oc / rl:.0%} of raw llama.cpp "
              f"generation with the same adapter and all logits, {rl:.0f} tok/s)")
        engines.append(("trained write", trained))

    prompts = [json.loads(line)["prompt"] for line in DATA.open(encoding="utf-8")]
    step = max(1, len(prompts) // n)
    sample = prompts[::step][:n]
    for job, engine in engines:
        times = []
        for text in sample:
            t0 = time.perf_counter()
            engine.rewrite(text)
            times.append(time.perf_counter() - t0)
        times.sort()
        print(f"{job} latency over {len(times)} real prompts: p50 {statistics.median(times):.2f} s, "
              f"p95 {times[int(0.95 * (len(times) - 1))]:.2f} s, mean {statistics.mean(times):.2f} s")
    gen.close()


if __name__ == "__main__":
    main()
