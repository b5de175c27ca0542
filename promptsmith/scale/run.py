"""A batch run on Ray: read the input, run one stage over it, write every record in input order.

The input's rows are counted apart from the run (line ends, Parquet footers), the writer checks
that rows come back one per input line, file by file, in order, and the summary compares the
two counts: a run that lost or repeated a row says so and fails.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from promptsmith.scale import require_ray

require_ray()
import pyarrow as pa  # noqa: E402 - after the check that says which extra to install
import ray  # noqa: E402
import ray.data  # noqa: E402

from promptsmith.errors import BackendUnavailable  # noqa: E402
from promptsmith.rewriters.engines import engine_class  # noqa: E402
from promptsmith.scale import source, stages  # noqa: E402
from promptsmith.scale.render import PreviewActor  # noqa: E402


@dataclass(frozen=True)
class Summary:
    """What a run did: rows read, rows written, rows with an `error`, and where."""

    command: str
    rows_in: int
    rows_out: int
    errors: int
    seconds: float
    out: str

    @property
    def ok(self) -> bool:
        """Every input row gave exactly one output row."""
        return self.rows_in == self.rows_out

    def line(self) -> str:
        rate = self.rows_out / self.seconds if self.seconds > 0 else 0.0
        verdict = (
            ""
            if self.ok
            else f"; {abs(self.rows_in - self.rows_out)} rows {'lost' if self.rows_out < self.rows_in else 'extra'}"
        )
        return (
            f"batch {self.command}: {self.rows_in} rows in, {self.rows_out} rows out, {self.errors} errors → "
            f"{self.out} ({self.seconds:.1f} s, {rate:,.0f} rows/s){verdict}"
        )


def output_format_for(out: str, flag: str | None = None) -> str:
    """`jsonl` or `parquet`: the flag, else the extension (default jsonl)."""
    if flag:
        return flag
    return "parquet" if out.lower().endswith((".parquet", ".pq")) else "jsonl"


def connect(address: str | None = None, *, num_cpus: int | None = None) -> bool:
    """Join the Ray cluster at `address` (or `RAY_ADDRESS`), else start a local Ray; whether
    this call started it (and so should shut it down)."""
    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS") or None
    kwargs: dict[str, Any] = {"address": address, "ignore_reinit_error": True, "log_to_driver": True}
    if address is None:
        kwargs.update(num_cpus=num_cpus, include_dashboard=False)
    ray.init(**kwargs)
    return True


def configure(progress: bool | None = None) -> None:
    """Blocks in input order; Ray's own progress bars on stderr when it is a terminal (or asked)."""
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = sys.stderr.isatty() if progress is None else progress


def file_names(given: str, files: list[str]) -> dict[int, str]:
    """The name each file's records carry, as the CLI names a file: as given, or, under a
    folder given, the folder joined with the file's place in it."""
    if len(files) == 1 and not os.path.isdir(given):
        return {0: given}
    if os.path.isdir(given):
        root = os.path.abspath(given)
        return {
            k: os.path.join(given, os.path.relpath(f, root)) if f.startswith(root) else f for k, f in enumerate(files)
        }
    return dict(enumerate(files))


def apply_stage(
    ds: Any,
    command: str,
    options: Any,
    *,
    prompt_column: str = "prompt",
    names: dict[int, str] | None = None,
    actors: int | None = None,
    gpus_per_actor: float = 0.0,
    pair_columns: tuple[str, str] = ("a", "b"),
    batch_size: int | None = None,
) -> Any:
    """`ds` through the stage of `command`: lint, rewrite, compare or preview. `options` is the
    run's `Settings` (a preview's `PreviewOptions`, which carries them).

    Tasks for lint and a rewrite whose engine needs no model (rules); an actor pool of `actors`
    (default: one per CPU, or per GPU for preview) for a model engine's rewrite, compare and
    preview. Ray Data's own defaults make
    the run survive a dead worker: a task is run again (`max_retries=-1`), an actor is restarted
    and its batch retried (`max_restarts=-1`, `max_task_retries=-1`). `batch_size` None: one
    block (the reader's `block_rows`) per batch, which keeps compare's windows aligned."""
    task = {"batch_format": "pyarrow", "batch_size": batch_size}
    actor = task
    if command == "lint":
        return ds.map_batches(
            stages.lint_batch, fn_kwargs={"options": options, "names": names, "prompt_column": prompt_column}, **task
        )
    if command == "rewrite" and not _needs_model(options):
        return ds.map_batches(
            stages.rewrite_batch, fn_kwargs={"options": options, "prompt_column": prompt_column}, **task
        )
    if command == "rewrite":
        return ds.map_batches(
            stages.RewriteActor,
            fn_constructor_kwargs={"options": options, "prompt_column": prompt_column},
            compute=_pool(actors),
            **actor,
        )
    if command == "compare":
        return ds.map_batches(
            stages.CompareActor,
            fn_constructor_kwargs={"options": options, "pair_columns": pair_columns},
            compute=_pool(actors),
            **actor,
        )
    if command == "preview":
        gpus = ray.cluster_resources().get("GPU", 0)
        if gpus_per_actor and gpus < gpus_per_actor:
            raise BackendUnavailable(
                f"the Ray cluster has {gpus:g} GPUs and each render actor asks for "
                f"{gpus_per_actor:g}: run on a GPU cluster (--ray), or --gpus-per-actor 0"
            )
        pool = actors or (max(1, int(gpus // gpus_per_actor)) if gpus_per_actor else 1)
        return ds.map_batches(
            PreviewActor,
            fn_constructor_kwargs={"options": options, "prompt_column": prompt_column},
            compute=ray.data.ActorPoolStrategy(size=pool),
            num_gpus=gpus_per_actor,
            **actor,
        )
    raise ValueError(f"unknown batch command {command!r}")


def _needs_model(settings: Any) -> bool:
    """Whether the settings' rewrite engine may load a model (then it runs in actors)."""
    return bool(engine_class(settings.engine).needs_model)


def _pool(actors: int | None) -> Any:
    """`actors` actors, or a pool Ray grows from one to one per CPU less the one the reader
    needs (a pool holding every CPU would leave none to read the input with)."""
    if actors:
        return ray.data.ActorPoolStrategy(size=actors)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    return ray.data.ActorPoolStrategy(min_size=1, max_size=max(1, cpus - 1))


class OrderedWriter:
    """Writes the stage's rows to one JSONL or Parquet file (any filesystem Arrow writes to),
    checking that each file's rows come in line order, every line once."""

    def __init__(self, out: str, fmt: str) -> None:
        import pyarrow.fs as pafs

        self.fmt = fmt
        self.fs, self.path = pafs.FileSystem.from_uri(out if "://" in out else os.path.abspath(out))
        parent = os.path.dirname(self.path)
        if parent:
            self.fs.create_dir(parent, recursive=True)
        self.rows = self.errors = 0
        self._last: tuple[int, int] | None = None
        self._stream = self.fs.open_output_stream(self.path) if fmt == "jsonl" else None
        self._parquet: Any = None

    def _check(self, table: Any) -> None:
        if "_file" not in table.column_names:
            return
        for f, line in zip(table.column("_file").to_pylist(), table.column("_line").to_pylist()):
            last = self._last
            expected = (f, line) == ((last[0], last[1] + 1) if last else (f, 1)) or (
                last is not None and f > last[0] and line == 1
            )
            if not expected:
                raise RuntimeError(
                    f"rows out of order: file {f} line {line} after {last}; "
                    "the run must keep its input order (preserve_order)"
                )
            self._last = (f, line)

    def write(self, table: Any) -> None:
        self._check(table)
        self.rows += table.num_rows
        self.errors += table.num_rows - table.column("error").null_count
        if self.fmt == "jsonl":
            lines = table.column("record").to_pylist()
            if lines:
                assert self._stream is not None
                self._stream.write(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
            return
        self._write_parquet(table)

    def _write_parquet(self, table: Any) -> None:
        import pyarrow.parquet as pq

        if "_line" in table.column_names:
            if "line" in table.column_names:
                table = table.drop_columns(["_line"])
            else:
                table = table.rename_columns(["line" if c == "_line" else c for c in table.column_names])
        table = table.drop_columns([c for c in ("_file",) if c in table.column_names])
        if self._parquet is None:
            schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in table.schema])
            self._parquet = pq.ParquetWriter(self.path, schema, filesystem=self.fs)
        self._parquet.write_table(table.cast(self._parquet.schema))

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        if self._parquet is not None:
            self._parquet.close()
        elif self.fmt == "parquet":  # no rows: still a file, with the columns a run writes
            import pyarrow.parquet as pq

            pq.write_table(
                pa.table(
                    {
                        "line": pa.array([], pa.int64()),
                        "record": pa.array([], pa.string()),
                        "error": pa.array([], pa.string()),
                    }
                ),
                self.path,
                filesystem=self.fs,
            )


def run(
    command: str,
    inp: str,
    out: str,
    options: Any,
    *,
    prompt_column: str = "prompt",
    input_format: str | None = None,
    output_format: str | None = None,
    address: str | None = None,
    num_cpus: int | None = None,
    actors: int | None = None,
    gpus_per_actor: float = 0.0,
    block_rows: int = source.BLOCK_ROWS,
    progress: bool | None = None,
    pair_columns: tuple[str, str] = ("a", "b"),
) -> Summary:
    """One batch run: `inp` (a file or folder; JSONL, text, Parquet or CSV) through the
    stage of `command` into `out` (JSONL or Parquet), in input order; returns the summary."""
    started = connect(address, num_cpus=num_cpus)
    try:
        configure(progress)
        t0 = time.perf_counter()
        fmt = source.format_for(inp, input_format)
        text_format = "text" if command == "compare" else None
        src = source.prompt_source(inp, input_format=fmt, text_format=text_format, block_rows=block_rows)
        rows_in = source.count_rows(inp, input_format=fmt)
        ds = ray.data.read_datasource(src)
        ds = apply_stage(
            ds,
            command,
            options,
            prompt_column=prompt_column,
            names=file_names(inp, src.files),
            actors=actors,
            gpus_per_actor=gpus_per_actor,
            pair_columns=pair_columns,
        )
        writer = OrderedWriter(out, output_format_for(out, output_format))
        try:
            for table in ds.iter_batches(batch_size=None, batch_format="pyarrow", prefetch_batches=2):
                writer.write(table)
        finally:
            writer.close()
        return Summary(command, rows_in, writer.rows, writer.errors, time.perf_counter() - t0, out)
    finally:
        if started:
            ray.shutdown()
