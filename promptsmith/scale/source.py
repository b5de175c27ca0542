"""Reading prompt files into Ray Data: every line (or row) once, numbered, in file order.

JSON lines and text are read through the CLI's own line reader (`records.records_from_lines`), so a
batch run sees exactly the records `promptsmith lint FILE --format jsonl` sees: blank lines, a
byte-order mark, CRLF endings, lines that are not UTF-8 or not JSON all keep their line number
and get their `error` downstream. Each row carries the record as one ASCII JSON string (`_rec`),
so Arrow never re-types a pass-through field (a JSON line's fields stay as they were written,
whatever the other lines hold). Parquet keeps its columns as they are typed; CSV cells are
strings, as CSV writes them. Every row gets `_file` (the file's place in the sorted listing)
and `_line` (its 1-based line or row number), the order the writer checks.

Blocks hold a multiple of 64 rows from the start of each file, the window `compare --file`
embeds at a time, so batch compare groups pairs as the CLI does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from promptsmith.scale import require_ray

require_ray()
import pyarrow as pa  # noqa: E402 - after the check that says which extra to install
import ray.data  # noqa: E402
from ray.data.datasource import FileBasedDatasource  # noqa: E402

from promptsmith.errors import ConfigError  # noqa: E402
from promptsmith.records import Record, records_from_lines  # noqa: E402

#: The formats the reader knows, by file extension.
FORMATS = ("jsonl", "text", "parquet", "csv")
#: Rows per block: a multiple of the CLI's 64-pair embedding window.
BLOCK_ROWS = 1024
#: How much of a file is read at a time when splitting it into lines.
CHUNK_BYTES = 1 << 20


def format_for(path: str, flag: str | None = None) -> str:
    """`jsonl`, `text`, `parquet` or `csv`: the flag, else the extension (else text, as the CLI)."""
    if flag:
        if flag not in FORMATS:
            raise ConfigError(f"input format must be one of {', '.join(FORMATS)}, not {flag!r}")
        return flag
    name = path.lower().rstrip("/")
    for ext, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".parquet", "parquet"),
                     (".pq", "parquet"), (".csv", "csv")):
        if name.endswith(ext):
            return fmt
    return "text"


def byte_lines(stream: Any) -> Iterator[bytes]:
    """The lines of a binary stream, each with its "\\n" (the last one may lack it), as a file
    object iterates: Arrow's input streams read only in chunks."""
    rest = b""
    while chunk := stream.read(CHUNK_BYTES):
        rest += chunk
        start = 0
        while (end := rest.find(b"\n", start)) >= 0:
            yield rest[start:end + 1]
            start = end + 1
        rest = rest[start:]
    if rest:
        yield rest


class PromptFiles(FileBasedDatasource):
    """Prompt files as rows: `_file`, `_line`, and the record (`_rec`) or the file's columns."""

    def __init__(self, paths: Any, *, fmt: str, text_format: str, block_rows: int = BLOCK_ROWS,
                 **kwargs: Any) -> None:
        super().__init__(paths, **kwargs)
        self._fmt, self._text_format, self._block_rows = fmt, text_format, block_rows
        self._order = {p: i for i, p in enumerate(self._paths())}

    def _open_input_source(self, filesystem: Any, path: str, **open_args: Any) -> Any:
        if self._fmt == "parquet":  # its footer is read first: a random-access file, not a stream
            return filesystem.open_input_file(path)
        return super()._open_input_source(filesystem, path, **open_args)

    @property
    def files(self) -> list[str]:
        """The files read, in the order their rows come (their `_file` numbers)."""
        return list(self._order)

    def _read_stream(self, f: Any, path: str) -> Iterator[Any]:
        number = self._order[path]
        if self._fmt == "parquet":
            yield from _parquet_blocks(f, number, self._block_rows)
        elif self._fmt == "csv":
            yield from _csv_blocks(f, number, self._block_rows)
        else:
            yield from _line_blocks(f, path, number, self._text_format, self._block_rows)


class RowCounts(FileBasedDatasource):
    """One row per file: how many rows it holds (line ends, Parquet footers, CSV records)."""

    def __init__(self, paths: Any, *, fmt: str, **kwargs: Any) -> None:
        super().__init__(paths, **kwargs)
        self._fmt = fmt

    def _open_input_source(self, filesystem: Any, path: str, **open_args: Any) -> Any:
        if self._fmt == "parquet":
            return filesystem.open_input_file(path)
        return super()._open_input_source(filesystem, path, **open_args)

    def _read_stream(self, f: Any, path: str) -> Iterator[Any]:
        if self._fmt == "parquet":
            import pyarrow.parquet as pq

            n = pq.ParquetFile(f).metadata.num_rows
        elif self._fmt == "csv":
            n = max(0, sum(1 for _ in _csv_rows(f)) - 1)  # less the header
        else:
            n, last = 0, b""
            while chunk := f.read(CHUNK_BYTES):
                n += chunk.count(b"\n")
                last = chunk
            n += bool(last) and not last.endswith(b"\n")
        yield pa.table({"n": pa.array([n], pa.int64())})


def _record_json(rec: Record) -> str:
    """The parts of a `Record` a stage needs, as ASCII JSON (a lone surrogate survives Arrow)."""
    return json.dumps({"line": rec.line, "prompt": rec.prompt, "extra": rec.extra, "error": rec.error,
                       "raw": rec.raw}, ensure_ascii=True)


def _line_blocks(f: Any, path: str, number: int, fmt: str, block_rows: int) -> Iterator[Any]:
    lines: list[int] = []
    recs: list[str] = []
    for rec in records_from_lines(byte_lines(f), path, fmt):
        lines.append(rec.line)
        recs.append(_record_json(rec))
        if len(lines) >= block_rows:
            yield _block(number, lines, {"_rec": pa.array(recs, pa.string())})
            lines, recs = [], []
    if lines:
        yield _block(number, lines, {"_rec": pa.array(recs, pa.string())})


def _block(number: int, lines: list[int], columns: dict[str, Any]) -> Any:
    return pa.table({"_file": pa.array([number] * len(lines), pa.int32()), "_line": pa.array(lines, pa.int64()),
                     **columns})


def _parquet_blocks(f: Any, number: int, block_rows: int) -> Iterator[Any]:
    import pyarrow.parquet as pq

    first = 1
    for batch in pq.ParquetFile(f).iter_batches(batch_size=block_rows):
        table = pa.Table.from_batches([batch])
        lines = list(range(first, first + table.num_rows))
        first += table.num_rows
        yield _block(number, lines, {name: table.column(name) for name in table.column_names})


def _csv_rows(f: Any) -> Iterator[list[str]]:
    """A CSV file's records, its header first (a quoted cell may span lines); cells are strings."""
    import csv

    lines = (line.decode("utf-8", "replace") for line in byte_lines(f))
    reader = csv.reader(_strip_bom(lines))
    yield from reader


def _strip_bom(lines: Iterator[str]) -> Iterator[str]:
    for k, line in enumerate(lines):
        yield line.removeprefix("\ufeff") if k == 0 else line


def _csv_blocks(f: Any, number: int, block_rows: int) -> Iterator[Any]:
    rows = _csv_rows(f)
    header = next(rows, None)
    if header is None:
        return
    batch: list[list[str]] = []
    first = 1

    def flush() -> Any:
        cols = {name: pa.array([r[i] if i < len(r) else None for r in batch], pa.string())
                for i, name in enumerate(header)}
        return _block(number, list(range(first, first + len(batch))), cols)

    for row in rows:
        batch.append(row)
        if len(batch) >= block_rows:
            yield flush()
            first += len(batch)
            batch = []
    if batch:
        yield flush()


def prompt_source(paths: str | list[str], *, input_format: str | None = None, text_format: str | None = None,
                  block_rows: int = BLOCK_ROWS, **kwargs: Any) -> PromptFiles:
    """The datasource of the prompt files at `paths` (see `read_prompts`); its `files` lists them."""
    first = paths if isinstance(paths, str) else paths[0]
    fmt = format_for(first, input_format)
    return PromptFiles(paths, fmt=fmt, text_format=text_format or ("jsonl" if fmt == "jsonl" else "text"),
                       block_rows=block_rows, **kwargs)


def read_prompts(paths: str | list[str], *, input_format: str | None = None, text_format: str | None = None,
                 block_rows: int = BLOCK_ROWS, **kwargs: Any) -> Any:
    """A Ray Dataset of the prompt files at `paths` (files or folders; local or any
    filesystem Arrow reads: s3://, gs://, hdfs://), one row per input line or row.

    `input_format`: jsonl, text, parquet or csv (default: from the first path's extension).
    `text_format`: how a line-based file's lines are read, `jsonl` or `text` (default: the
    input format; `compare` reads its pairs as text and parses each line itself, as the CLI).
    """
    return ray.data.read_datasource(prompt_source(paths, input_format=input_format, text_format=text_format,
                                                  block_rows=block_rows, **kwargs))


def count_rows(paths: str | list[str], *, input_format: str | None = None) -> int:
    """How many rows the files at `paths` hold, counted apart from the run (line ends for line
    files, the footer for Parquet): the number a run's output must match."""
    first = paths if isinstance(paths, str) else paths[0]
    ds = ray.data.read_datasource(RowCounts(paths, fmt=format_for(first, input_format)))
    return int(sum(row["n"] for row in ds.take_all()))
