"""`promptsmith rewrite`: one prompt, or a stream of them, in text, json or jsonl."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from promptsmith.cli.common import (
    AUTO_WORKERS_LINES,
    CONTEXT,
    WORKERS,
    command_session,
    stdin_is_interactive,
)
from promptsmith.cli.compare_cmd import summary
from promptsmith.cli.progress import Progress, count_lines
from promptsmith.errors import PromptsmithError
from promptsmith.records import Job, dumps, input_format_for, read_records
from promptsmith.registries import ENGINES, GENERATORS, LLM_JOBS, TARGETS, WRITE_MODES
from promptsmith.services.batch import rewrite_stream

if TYPE_CHECKING:
    from promptsmith.session import Session


def _jobs(path: str, input_format: str | None) -> Iterator[Job]:
    for rec in read_records(path, input_format_for(path, input_format)):
        yield Job.of(rec)


def reasons(record: dict[str, Any]) -> list[str]:
    """Why a record makes the command exit 1, one line per cause: its error, each error or
    warning its output still has for its version, and a `--check` that found it not preserved."""
    if record.get("error"):
        return [f"error: {record['error']}"]
    out = []
    if record.get("clean") is False:
        for d in record.get("diagnostics") or []:
            severity = getattr(d.get("severity"), "value", d.get("severity"))
            if severity in ("error", "warning"):
                out.append(f"the output still has {d['code']} ({severity}): {d['message']}")
    check = record.get("check")
    if check and check["verdict"] != "preserved":
        out.append(f"--check: {summary(check)}")
    return out


def _text(record: dict[str, Any], explain: bool) -> str:
    # an open pipeline's record: its own prompt first, with what goes with it
    open_target = bool(record.get("pipeline_args"))
    lines = [record["prompt"] if open_target else record["output"]]
    if open_target:
        tokens = record.get("tokens") or {}
        bound = "" if tokens.get("exact", True) else " (upper bound)"
        if record.get("negative_prompt"):
            lines.append(f"  negative: {record['negative_prompt']}")
        if tokens:
            lines.append(f"  tokens: {tokens['count']}/{tokens['budget']} {tokens['encoder']}{bound}")
        lines.append(f"  {record['target']}: " + ", ".join(f"{k}={v}" for k, v in record["pipeline_args"].items()))
        if explain:
            lines.append(f"  · brief: {record['output']}")
    if explain and record.get("jobs"):
        lines.append(f"  · llm jobs: {', '.join(record['jobs'])} ({record.get('model', '')})"
                     + (f"; fell back: {record['fallback']}" if record.get("fallback") else ""))
    elif explain and record.get("fallback"):
        lines.append(f"  · rules engine: {record['fallback']}")
    if explain and record.get("draft"):
        lines.append(f"  · {'repaired' if record.get('repairs') else 'rejected'} draft: {record['draft']}")
        lines.append(f"    because: {'; '.join(record.get('draft_rejected') or [])}")
        if record.get("repairs"):
            lines.append(f"    repaired: {'; '.join(record['repairs'])}")
    if explain:
        lines += [f"  ! exit 1: {why}" for why in reasons(record) if not why.startswith("--check")]
    check = record.get("check")
    if check:
        lines.append(f"  ≈ {summary(check)}")
    if explain or record.get("cut"):  # a cut is never silent
        for c in record.get("cut") or []:
            lines.append(f"  ✂ cut ({c['slot']}, {c['tokens']} tokens): {c['term']} — {c['reason']}")
    if explain:
        for change in record.get("changes", []):
            before, after = change["before"] or "∅", change["after"] or "∅"
            lines.append(f"  · {change['rule']}: {before} → {after}  ({change['reason']})")
    return "\n".join(lines)


class Entry(NamedTuple):
    """What the CLI needs of one rewritten record (see `entry`)."""

    line: int
    error: str | None
    #: Its output still has findings for its version.
    unclean: bool
    #: `--check` found it does not ask for what its input asked for.
    changed: bool
    #: What is written for it: the jsonl or text line, or the record itself for json.
    written: Any
    #: Why it fails, one line per cause (for stderr).
    why: list[str]


def entry(record: dict[str, Any], fmt: str, explain: bool) -> Entry:
    """What the CLI needs of one record, made in the worker that rewrote it: its line, its
    error, whether its output still has findings for its version (they are in the record), whether
    `--check` found it does not ask for what its input asked for, what is written for it (the
    jsonl or text line; the record itself for json, written whole at the end), and why it fails
    (`reasons`, for stderr)."""
    error = record.get("error")
    unclean = not error and record.get("clean") is False
    # with --check, a term cut to fit the target's budget is a change of meaning too
    changed = not error and bool(record.get("check")) and (record["check"]["verdict"] != "preserved"
                                                           or bool(record.get("cut")))
    if fmt == "jsonl":
        written: Any = dumps(record) + "\n"
    elif fmt == "json":
        written = record
    else:
        written = _text(record, explain) + "\n"
    return Entry(record["line"], error, unclean, changed, written, [] if error else reasons(record))


def run_rewrite(prompt: str | None, file: str | None, session: Session, *, fmt: str, explain: bool,
                input_format: str | None, workers: int | None, progress: bool | None, check: bool = False,
                auto_lines: int = 200) -> int:
    """Rewrite and print; returns the exit status (0 all fine, 1 some record failed, its output is
    not lint-clean for its version, or `check` found it not preserved). `workers` None is
    `auto`: one process per physical core for a file of `auto_lines` prompts or more on the
    rules engine without `check`, else one."""
    from promptsmith.rewriters.targets import (
        resolve_target,  # deferred: the rewrite packages load only to rewrite
    )

    session.prepare()  # bad settings or a missing model fail here, once, before any output
    resolve_target(session.target, session.spec)  # an unknown --target fails here too
    if check:
        session.embedder()  # a missing model fails here, once
    source = file or "-"
    jobs = iter([Job(1, prompt, {})]) if prompt is not None else _jobs(source, input_format)
    show = (sys.stderr.isatty() if progress is None else progress) and prompt is None
    # the total costs a pass over the file: only for the bar and for cutting it across workers
    auto = workers is None
    total = 1 if prompt is not None else count_lines(source) if show or auto or (workers or 0) > 1 else None
    if auto:
        workers = auto_workers(session.engine, check, total, auto_lines)
    assert workers is not None
    out = sys.stdout
    failed = flagged = unpreserved = 0
    collected: list[dict[str, Any]] = []
    # stdin goes to the workers a line at a time, so that a slow stream comes back line by line;
    # a file is cut into chunks that give every worker several, however short the file
    streaming = prompt is None and source == "-"
    chunk = 1 if streaming else split_size(total, workers)
    # the workers start before the bar's thread does (rules workers fork)
    records = rewrite_stream(jobs, session, workers=workers, chunk=chunk, check=check,
                             encode=partial(entry, fmt=fmt, explain=explain), total=total)
    with Progress(total, "rewriting", show=show) as bar:
        for line, error, unclean, changed, written, why in records:
            if error:
                failed += 1
                click.echo(f"line {line}: error: {error}", err=True)
            for reason in why:  # a non-zero exit says why, one line per cause
                click.echo(f"rewrite: {reason}" if prompt is not None else f"line {line}: {reason}", err=True)
            flagged += unclean
            unpreserved += changed
            if fmt == "json":
                collected.append(written)
            else:
                out.write(written)
            if streaming:  # a stream's line goes out as it is rewritten; a file's in full buffers
                out.flush()
            bar.advance()
    if fmt == "json":
        payload = collected[0] if prompt is not None and collected else collected
        out.write(dumps(payload, indent=2) + "\n")
    return 1 if failed or flagged or unpreserved else 0


def auto_workers(engine: str, check: bool, total: int | None, lines: int) -> int:
    """`--workers auto`: one process per physical core for a file of `lines` prompts or more
    on an engine that needs no model (rules), else one. A model engine stays in one process (each
    worker would load its own model, and llama.cpp already uses the cores), and so does stdin,
    whose length is unknown and whose lines go out as they come."""
    from promptsmith.backends.cpu import physical_cores  # deferred: as resolve_target
    from promptsmith.rewriters.engines import engine_class  # deferred: as resolve_target

    if engine_class(engine).needs_model or check or total is None or total < lines:
        return 1
    return max(1, physical_cores())


def split_size(total: int | None, workers: int, largest: int = 64) -> int:
    """Records per chunk: at most `largest`, and small enough that each worker gets about four
    chunks (so 15 prompts on 2 workers run on both, not on one)."""
    if workers <= 1 or not total:
        return largest
    return max(1, min(largest, -(-total // (4 * workers))))


@click.command(context_settings=CONTEXT)
@click.argument("prompt", required=False)
@click.option("--file", "-f", "file", metavar="FILE|-", help="Read prompts from a file (`-` for stdin).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True)
@click.option("--engine", type=click.Choice(ENGINES.names), default=None,
              help=f"{ENGINES.help()}. Config key: engine.")
@click.option("--target-version", default=None, metavar="VERSION",
              help="Version a brief is written for: any version of rules/midjourney.toml (5.2, 6.1, 7, 8.2, niji 7 …; "
                   "default: the table's, Midjourney's current default). Prompts already on 6 or newer keep "
                   "their own --v.")
@click.option(
    "--target",
    default=None,
    metavar="TARGET",
    help=f"What the brief is written for: {TARGETS.help()}. The record gets the target's prompt, negative "
    "prompt, pipeline arguments, tokens and what was cut. Config key: target.",
)
@click.option("--explain", is_flag=True, help="Show every change with the rule behind it.")
@click.option(
    "--input-format",
    type=click.Choice(["text", "jsonl"]),
    help='One prompt per line (text) or JSON lines with a "prompt" field; never guessed from content.',
)
@click.option(
    "--workers",
    type=WORKERS,
    default="auto",
    show_default=True,
    help="Processes (order is kept). auto: one per physical core for a file of at least "
    f"{AUTO_WORKERS_LINES} prompts on the rules engine, else one.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar with rate and ETA on stderr (default: when stderr is a terminal).",
)
@click.option(
    "--check", is_flag=True, help="Compare each brief with its input by sentence embeddings (needs promptsmith[embed])."
)
@click.option(
    "--embed-model", metavar="PATH", help="Embedding model folder for --check (default: the packaged all-MiniLM-L6-v2)."
)
@click.option(
    "--model",
    "-m",
    metavar="NAME|PATH.gguf",
    help="Model for the llm engine: a name `promptsmith models` prints, or a GGUF file (default: the packaged "
    "SmolLM2-135M).",
)
@click.option(
    "--llm-job",
    "llm_jobs",
    multiple=True,
    type=click.Choice(LLM_JOBS.names),
    help=f"What the model does (repeatable; default: {LLM_JOBS.default}): {LLM_JOBS.help()}.",
)
@click.option(
    "--write-mode",
    type=click.Choice(WRITE_MODES.names),
    default=WRITE_MODES.default,
    show_default=True,
    help=f"How the write job writes: {WRITE_MODES.help()}.",
)
@click.option(
    "--temperature",
    type=click.FloatRange(0, 2),
    default=0.0,
    show_default=True,
    help="Sampling temperature for free writing.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for reproducible LLM output.")
@click.option(
    "--closed-vocab", is_flag=True, help="Free writing: only the input's words plus function words (grammar)."
)
@click.option("--llm-backend", type=click.Choice(GENERATORS.names), default=GENERATORS.default, show_default=True)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=None,
    help="llama.cpp threads (default: the physical cores less one, at least one).",
)
@click.pass_context
def rewrite(
    ctx: click.Context,
    prompt: str | None,
    file: str | None,
    fmt: str,
    engine: str | None,
    target_version: str | None,
    target: str | None,
    explain: bool,
    input_format: str | None,
    workers: int | None,
    progress: bool | None,
    check: bool,
    embed_model: str | None,
    model: str | None,
    llm_jobs: tuple[str, ...],
    write_mode: str,
    temperature: float,
    seed: int,
    closed_vocab: bool,
    llm_backend: str,
    threads: int | None,
) -> None:
    """Rewrite v5 keyword prompts into v6 natural-language briefs.

    With PROMPT, rewrites it; otherwise streams stdin (or --file) line by line, one output record
    per input line, in order. A line that fails gives a record with an `error` and the batch goes
    on; the exit status is then 1.

    The engine is `rules` unless --engine or the config's `engine` says otherwise (the same
    default as the Python API and the TUI).

    \b
    Examples:
      promptsmith rewrite "old fisherman portrait, oil painting, rembrandt style, 8k"
      cat prompts.txt | promptsmith rewrite --format jsonl > briefs.jsonl
      promptsmith rewrite -f prompts.jsonl --format jsonl --workers 2
      promptsmith rewrite "…" --engine llm -m smollm2-135m-instruct --explain
    """
    if prompt == "-":  # `-` is stdin on every command
        if file is not None:
            raise click.UsageError("give - (stdin) or --file, not both")
        prompt, file = None, "-"
    if prompt is not None and file is not None:
        raise click.UsageError("give a PROMPT or --file, not both")
    if prompt is None and file is None:
        if stdin_is_interactive():
            raise click.UsageError("no input: give a PROMPT, --file FILE, or pipe prompts on stdin")
        file = "-"
    # settings only: the LLM engine is imported when a rewrite needs it (rules stays fast)
    session = command_session(
        ctx,
        engine=engine,
        target_version=target_version,
        target=target,
        embed_model=embed_model,
        model=model,
        llm_backend=llm_backend,
        llm_jobs=tuple(dict.fromkeys(llm_jobs)) or (LLM_JOBS.default or "rank",),
        temperature=temperature,
        seed=seed,
        closed_vocabulary=closed_vocab,
        threads=threads,
        write_mode=write_mode,
    )
    try:
        status = run_rewrite(
            prompt,
            file,
            session,
            fmt=fmt,
            explain=explain,
            input_format=input_format,
            workers=workers,
            auto_lines=AUTO_WORKERS_LINES,
            progress=progress,
            check=check,
        )
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    ctx.exit(status)
