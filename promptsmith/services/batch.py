"""Batch rewriting: one result per input record, in input order, whatever fails or how many workers."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptsmith.config import SIMILARITY_THRESHOLD, TERM_THRESHOLD
from promptsmith.core.model import dump

if TYPE_CHECKING:  # the pool's modules load when a run has workers (a single prompt never does)
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor


@dataclass(frozen=True)
class Job:
    """One input line: its number, the prompt, and fields to pass through (or why it is bad)."""

    line: int
    prompt: str
    extra: dict[str, Any]
    error: str | None = None


@dataclass(frozen=True)
class CheckOptions:
    """How `--check` compares each rewrite with its input (picklable, for worker processes)."""

    embed_model: str | None = None
    embed_cache: bool = False
    similarity_threshold: float = SIMILARITY_THRESHOLD
    term_threshold: float = TERM_THRESHOLD
    runtime: str = "auto"


#: A record carries its input once (as `input`, from the job) and a check only when asked for.
_NOT_WRITTEN = frozenset({"input", "check"})
_NOT_WRITTEN_CHECKED = frozenset({"input"})


def _run_one(job: Job, engine: str, target: str | None, rule_dirs: tuple[Path, ...],
             check: CheckOptions | None = None, llm: Any = None, goal: str | None = None) -> dict[str, Any]:
    from promptsmith.rewrite.rules.engine import rewrite

    record: dict[str, Any] = {"line": job.line, "input": job.prompt, "output": "", "engine": engine,
                              "changes": [], "error": job.error}
    if job.error is None and job.prompt.strip():
        try:
            result = rewrite(job.prompt, engine=engine, target_version=target, rule_dirs=rule_dirs, llm=llm,
                             target=goal)
            if check is not None:
                from promptsmith.services.compare import compare, default_embedder

                embedder = default_embedder(check.embed_model, check.embed_cache, check.runtime)
                result = result.model_copy(update={"check": compare(
                    job.prompt, result.output, embedder=embedder,
                    similarity_threshold=check.similarity_threshold, term_threshold=check.term_threshold)})
            record.update(dump(result, _NOT_WRITTEN_CHECKED if check else _NOT_WRITTEN))
            record["error"] = None
        except Exception as exc:  # noqa: BLE001 - one bad line must not stop the batch
            record["error"] = f"{type(exc).__name__}: {exc}"
    record.update({k: v for k, v in job.extra.items() if k not in record})
    return record


def rewrite_record(job: Job, *, engine: str = "rules", target_version: str | None = None, rule_dirs: tuple[Path, ...] = (),
                   check: CheckOptions | None = None, llm: Any = None, target: str | None = None) -> dict[str, Any]:
    """The output record of one input line, as `rewrite --format jsonl` writes it (`batch rewrite`
    on Ray builds its records here too)."""
    return _run_one(job, engine, target_version, rule_dirs, check, llm, target)


def _as_is(record: dict[str, Any]) -> dict[str, Any]:
    """The encoding of a record when none is asked for: the record itself."""
    return record


def _run_chunk(args: tuple[list[Job], str, str, tuple[Path, ...], CheckOptions | None, Any,
                            Callable[[dict[str, Any]], Any], str | None]) -> list[Any]:
    jobs, engine, target, rule_dirs, check, llm, encode, goal = args
    return [encode(_run_one(j, engine, target, rule_dirs, check, llm, goal)) for j in jobs]


def rewrite_stream(jobs: Iterable[Job], *, engine: str = "rules", target_version: str | None = None,
                   rule_dirs: tuple[Path, ...] = (), workers: int = 1, chunk: int = 64,
                   check: CheckOptions | None = None, llm: Any = None,
                   encode: Callable[[dict[str, Any]], Any] | None = None,
                   total: int | None = None, target: str | None = None) -> Iterator[Any]:
    """Rewrite records lazily, yielding each result as soon as it (and all before it) is ready.

    `chunk` is the most jobs sent to a worker at once; with `total`, the number of jobs, known,
    the chunks shrink towards the end, so that no worker is still on a long chunk while the
    others have nothing left to do.

    `encode`, a module-level function, turns each record into what is yielded, in the worker
    that made it (the CLI has its output line written there: a string crosses between
    processes for less than the record does, and the parent's core stays free).
    With `workers` > 1 the worker processes start here, in the calling thread, before anything
    is read: call it before starting threads of your own (a progress bar) where workers fork."""
    encode = encode or _as_is
    if workers <= 1:
        return (encode(_run_one(job, engine, target_version, rule_dirs, check, llm, target)) for job in jobs)
    from concurrent.futures import ProcessPoolExecutor

    options = (engine, target_version, rule_dirs, check, llm, encode, target)
    context = _context(engine, check, llm)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    forks = context.get_start_method() == "fork"
    if forks:
        # a forked worker shares the parent's pages until it writes to them, and the collector
        # writes to every object it looks at: frozen, the rules' objects stay shared and are
        # never traversed again (the parent unfreezes its own once the workers are up)
        gc.freeze()
    try:
        pool.submit(_ready).result()  # every worker starts now, in this thread (a fork copies only it)
    finally:
        if forks:
            gc.unfreeze()
    return _parallel(pool, jobs, workers, chunk, options, total)


def chunk_sizes(chunk: int, workers: int, total: int | None) -> Iterator[int]:
    """Sizes of the chunks to send: `chunk` each, or with `total` known a share of what is left
    (an eighth of it per worker, at most `chunk`, at least 4 or `chunk`): large chunks while
    there is much to do, a few jobs at a time at the end."""
    left = total
    least = min(4, chunk)
    while True:
        size = chunk if left is None else max(least, min(chunk, -(-left // (8 * workers))))
        yield size
        if left is not None:
            left = max(0, left - size)


def _ready() -> None:
    """The first task of a pool: it makes the pool start its workers."""


def _context(engine: str, check: CheckOptions | None, llm: Any) -> multiprocessing.context.BaseContext:
    """How worker processes start.

    The rules engine forks on Linux: a child starts with the parent's loaded rules, lexicons
    and compiled patterns (a spawned one re-imports and reloads them, ~0.4 s each), and the
    rules engine holds no threads or native runtimes a fork could copy in a bad state. Anything
    that may load a model (the llm engine, `--check`'s embedder) is spawned: a fork after torch
    or llama.cpp has started threads can copy a held lock into the child and hang it.
    """
    import multiprocessing

    if engine == "rules" and check is None and llm is None and sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _parallel(pool: ProcessPoolExecutor, jobs: Iterable[Job], workers: int, chunk: int,
              options: tuple[Any, ...], total: int | None = None) -> Iterator[Any]:
    """Chunks of jobs on the pool's worker processes, results in input order, as soon as each
    is ready.

    A reader thread pulls the input and submits each chunk as it fills (the CLI reads stdin in
    chunks of one line, so a slow stream is rewritten line by line); at most `4 × workers` chunks
    are in flight, so a huge input is never read ahead into memory.
    However the generator ends (exhausted, closed, an exception, a signal turned into SystemExit),
    the workers are stopped.
    """
    import queue
    import threading

    pending: queue.Queue[Any] = queue.Queue(maxsize=4 * workers)
    stop = threading.Event()
    done = object()

    def read() -> None:
        try:
            batch: list[Job] = []
            sizes = chunk_sizes(chunk, workers, total)
            size = next(sizes)
            for job in jobs:
                if stop.is_set():
                    return
                batch.append(job)
                if len(batch) >= size:
                    pending.put(pool.submit(_run_chunk, (batch, *options)))
                    batch = []
                    size = next(sizes)
            if batch:
                pending.put(pool.submit(_run_chunk, (batch, *options)))
            pending.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            pending.put(exc)

    reader = threading.Thread(target=read, name="promptsmith-batch-reader", daemon=True)
    reader.start()
    finished = False
    try:
        while True:
            item = pending.get()
            if item is done:
                finished = True
                return
            if isinstance(item, BaseException):
                raise item
            yield from item.result()
    finally:
        stop.set()
        if not finished:  # a signal, an error, or the consumer gave up: the workers must not outlive us
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        if not finished:
            _stop_resource_tracker()


def _stop_resource_tracker() -> None:
    """End multiprocessing's resource-tracker process now, not seconds after we are gone."""
    try:
        from multiprocessing import resource_tracker

        resource_tracker._resource_tracker._stop()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a private hook of the standard library: best effort only
        pass

