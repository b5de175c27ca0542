"""Batch rewriting: one result per input record, in input order, whatever fails or how many workers.

Every record is rewritten by a `Session`: the caller's own in a single process; with worker
processes, each worker rebuilds one from the caller's `Settings` (frozen and picklable).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from promptsmith.core.model import dump
from promptsmith.records import Job
from promptsmith.session import Session
from promptsmith.settings import Settings

if TYPE_CHECKING:  # the pool's modules load when a run has workers (a single prompt never does)
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor


#: A record carries its input once (as `input`, from the job) and a check only when asked for.
_NOT_WRITTEN = frozenset({"input", "check"})
_NOT_WRITTEN_CHECKED = frozenset({"input"})


def _run_one(job: Job, session: Session, check: bool) -> dict[str, Any]:
    record: dict[str, Any] = {"line": job.line, "input": job.prompt, "output": "", "engine": session.engine,
                              "changes": [], "error": job.error}
    if job.error is None and job.prompt.strip():
        try:
            result = session.rewrite(job.prompt, check=check)
            record.update(dump(result, _NOT_WRITTEN_CHECKED if check else _NOT_WRITTEN))
            record["error"] = None
        except Exception as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"
    record.update({k: v for k, v in job.extra.items() if k not in record})
    return record


def rewrite_record(job: Job, session: Session, *, check: bool = False) -> dict[str, Any]:
    """The output record of one input line, as `rewrite --format jsonl` writes it (`batch rewrite`
    on Ray builds its records here too)."""
    return _run_one(job, session, check)


def worker_session(settings: Settings) -> Session:
    """The session of a worker process (or a Ray task) for `settings`, built once per process."""
    session = _SESSIONS.get(settings)
    if session is None:
        session = _SESSIONS[settings] = Session(settings)
    return session


_SESSIONS: dict[Settings, Session] = {}


def _as_is(record: dict[str, Any]) -> dict[str, Any]:
    """The encoding of a record when none is asked for: the record itself."""
    return record


def _run_chunk(args: tuple[list[Job], Settings, bool, Callable[[dict[str, Any]], Any]]) -> list[Any]:
    jobs, settings, check, encode = args
    session = worker_session(settings)
    return [encode(_run_one(j, session, check)) for j in jobs]


def rewrite_stream(jobs: Iterable[Job], session: Session, *, workers: int = 1, chunk: int = 64,
                   check: bool = False, encode: Callable[[dict[str, Any]], Any] | None = None,
                   total: int | None = None) -> Iterator[Any]:
    """Rewrite records lazily, yielding each result as soon as it (and all before it) is ready.

    `chunk` is the most jobs sent to a worker at once; with `total`, the number of jobs, known,
    the chunks shrink towards the end, so that no worker is still on a long chunk while the
    others have nothing left to do.

    One process rewrites with `session`; with `workers` > 1, each worker rebuilds a session from
    `session.settings` (objects the caller built and gave the session stay in this process).
    `check` adds the meaning check to each record.

    `encode`, a module-level function, turns each record into what is yielded, in the worker
    that made it (the CLI has its output line written there: a string crosses between
    processes for less than the record does, and the parent's core stays free).
    With `workers` > 1 the worker processes start here, in the calling thread, before anything
    is read: call it before starting threads of your own (a progress bar) where workers fork."""
    encode = encode or _as_is
    if workers <= 1:
        return (encode(_run_one(job, session, check)) for job in jobs)
    from concurrent.futures import ProcessPoolExecutor

    options = (session.settings, check, encode)
    context = _context(session.rewrite_engine().needs_model, check)
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


def _context(needs_model: bool, check: bool) -> multiprocessing.context.BaseContext:
    """How worker processes start.

    An engine that needs no model (the rules engine) forks on Linux: a child starts with the
    parent's loaded rules, lexicons and compiled patterns (a spawned one re-imports and reloads
    them, ~0.4 s each), and the rules engine holds no threads or native runtimes a fork could
    copy in a bad state. Anything that may load a model (an engine that `needs_model`,
    `--check`'s embedder) is spawned: a fork after torch or llama.cpp has started threads can copy
    a held lock into the child and hang it.
    """
    import multiprocessing

    if not needs_model and not check and sys.platform == "linux":
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
        except BaseException as exc:
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
    except Exception:
        pass

