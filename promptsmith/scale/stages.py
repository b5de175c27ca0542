"""The `map_batches` stages: each turns a batch of rows into the CLI's records, one per row.

A stage takes an Arrow table and returns it with `record` (the JSON line the single-process
CLI writes for that input line, built by the CLI's own functions), `error` and a few typed
columns for Parquet readers added; every other column passes through. A row that fails gets
its `error` and the batch goes on. Rows come from `source.read_prompts` (a `_rec` column with
the CLI's record) or from any Ray dataset with a prompt column (its other columns are the
record's pass-through fields).

Every stage runs its work through a `Session` rebuilt from the run's `Settings` (each stage's
`options`: frozen and picklable, sent to every task and actor). Lint and a rewrite with an engine that needs no model
are plain functions (Ray runs them as tasks, and a task whose worker dies is retried); a model
engine's rewrite and the embedder are actor classes that load their model once per actor (Ray
restarts an actor that dies and retries its batch).
"""

from __future__ import annotations

import json
from typing import Any

from promptsmith.scale import require_ray

require_ray()
import pyarrow as pa  # noqa: E402 - after the check that says which extra to install

from promptsmith.records import Job, Record, display_name, dumps, record_json  # noqa: E402
from promptsmith.services.batch import rewrite_record, worker_session  # noqa: E402
from promptsmith.services.pairs import compare_records  # noqa: E402
from promptsmith.settings import Settings  # noqa: E402

#: Columns the reader adds to keep order; they pass through every stage and the writer drops them.
ORDER_COLUMNS = ("_file", "_line")
#: The embedding window of `compare --file` (pairs embedded together).
COMPARE_WINDOW = 64


def _jsonable(value: Any) -> Any:
    """A Parquet/CSV cell as JSON: dates and times as ISO text, bytes as text, numbers as numbers."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def records(table: Any, prompt_column: str = "prompt") -> list[Record]:
    """The `Record` of each row: the reader's own (`_rec`), or one built from the columns
    (the prompt column, the others as pass-through fields)."""
    if "_rec" in table.column_names:
        out = []
        for text in table.column("_rec").to_pylist():
            d = json.loads(text)
            out.append(Record("", d["line"], d["prompt"], d["extra"], d["error"], raw=d["raw"]))
        return out
    lines = table.column("_line").to_pylist() if "_line" in table.column_names else [None] * table.num_rows
    rows = table.drop_columns([c for c in ORDER_COLUMNS if c in table.column_names]).to_pylist()
    out = []
    for line, row in zip(lines, rows):
        row = {k: _jsonable(v) for k, v in row.items()}
        raw = json.dumps(row, ensure_ascii=False)
        prompt = row.pop(prompt_column, None)
        if not isinstance(prompt, str):
            out.append(Record("", line, "", row, f'missing or non-string "{prompt_column}" field', raw=raw))
        else:
            out.append(Record("", line, prompt, row, raw=raw))
    return out


def finish(table: Any, lines: list[str], errors: list[str | None], typed: dict[str, Any] | None = None) -> Any:
    """`table` without the reader's `_rec`, with `record`, `error` and the typed columns added."""
    out = table.drop_columns(["_rec"]) if "_rec" in table.column_names else table
    columns = {"record": pa.array(lines, pa.string()), "error": pa.array(errors, pa.string()), **(typed or {})}
    for name, column in columns.items():
        if name in out.column_names:
            out = out.drop_columns([name])
        out = out.append_column(name, column)
    return out


def _failure(rec: Record, exc: BaseException) -> dict[str, Any]:
    record: dict[str, Any] = {"line": rec.line, "error": f"{type(exc).__name__}: {exc}"}
    record.update({k: v for k, v in rec.extra.items() if k not in record})
    return record


# -- lint: a task ---------------------------------------------------------------------------------
def lint_batch(table: Any, *, options: Settings = Settings(), names: dict[int, str] | None = None,
               prompt_column: str = "prompt") -> Any:
    """Lint each row: the record of `promptsmith lint FILE --format jsonl` for its line.

    `names` maps a row's `_file` to the name its records carry (`file`), as the CLI names it."""
    linter = worker_session(options).linter()
    files = table.column("_file").to_pylist() if "_file" in table.column_names else [None] * table.num_rows
    lines: list[Any] = []
    errors: list[Any] = []
    codes: list[Any] = []
    for number, rec in zip(files, records(table, prompt_column)):
        name = (names or {}).get(number)
        name = display_name(name) if name is not None else None
        try:
            if rec.error:
                lines.append(record_json(rec.line, "", [], file=name, error=rec.error, **rec.extra))
                codes.append([])
            else:
                diags = linter.lint(rec.prompt) if rec.prompt.strip() else []
                lines.append(record_json(rec.line, rec.prompt, diags, file=name, **rec.extra))
                codes.append([d.code for d in diags])
            errors.append(rec.error)
        except Exception as exc:
            failed = _failure(rec, exc)
            lines.append(dumps(failed))
            errors.append(failed["error"])
            codes.append([])
    return finish(table, lines, errors, {"codes": pa.array(codes, pa.list_(pa.string()))})


# -- rewrite: a task for an engine without a model, an actor for one with ---------------------------
def _rewrite_rows(table: Any, settings: Settings, prompt_column: str) -> Any:
    session = worker_session(settings)
    lines, errors, outputs = [], [], []
    for rec in records(table, prompt_column):
        # rewrite_record never raises: a failed prompt is a record with its error
        record = rewrite_record(Job.of(rec), session)
        lines.append(dumps(record))
        errors.append(record.get("error"))
        outputs.append(record.get("output") if record.get("error") is None else None)
    return finish(table, lines, errors, {"output": pa.array(outputs, pa.string())})


def rewrite_batch(table: Any, *, options: Settings = Settings(), prompt_column: str = "prompt") -> Any:
    """Rewrite each row with the settings' engine (one that needs no model: the rules engine): the
    record of `promptsmith rewrite --engine rules --format jsonl` for its line."""
    return _rewrite_rows(table, options, prompt_column)


class RewriteActor:
    """A model engine's rewriter as a Ray actor: the model loads once, in `__init__` (a missing
    one is an error for `llm`; `auto` falls back to the rules engine), and serves every batch."""

    def __init__(self, options: Settings, prompt_column: str = "prompt") -> None:
        self.settings, self.prompt_column = options, prompt_column
        worker_session(options).prepare(load=True)

    def __call__(self, table: Any) -> Any:
        return _rewrite_rows(table, self.settings, self.prompt_column)


# -- compare: an actor with the embedder ----------------------------------------------------------
class CompareActor:
    """The embedder as a Ray actor: MiniLM loads once per actor; each batch is compared in the
    CLI's windows of 64 pairs from the start of its file, so the records match `compare --file`."""

    def __init__(self, options: Settings = Settings(), pair_columns: tuple[str, str] = ("a", "b")) -> None:
        self.pair_columns = pair_columns
        self.session = worker_session(options)
        self.session.embedder().embed(["a warm-up"])  # the weights load now, once per actor

    def _records(self, table: Any) -> list[Record]:
        recs = records(table, self.pair_columns[0])
        if "_rec" in table.column_names:
            return recs  # read as text: `_checked` parses each line as `compare --file` does
        first, second = self.pair_columns
        for rec in recs:  # the pair's columns under the names `_checked` reads, the rest passed through
            row = json.loads(rec.raw)
            pair = {"a": row.pop(first, None), "b": row.pop(second, None)}
            rec.error, rec.raw = None, json.dumps({**pair, **row}, ensure_ascii=False)
        return recs

    def __call__(self, table: Any) -> Any:
        recs = self._records(table)
        files = table.column("_file").to_pylist() if "_file" in table.column_names else [0] * len(recs)
        keys = [(f, (r.line - 1) // COMPARE_WINDOW) if r.line else None for f, r in zip(files, recs)]
        done: list[dict[str, Any]] = []
        start = 0
        while start < len(recs):  # the CLI's windows: lines 1–64, 65–128 … of each file
            end = start + 1
            while (end < len(recs) and end - start < COMPARE_WINDOW
                   and (keys[start] is None or keys[end] == keys[start])):
                end += 1
            group = recs[start:end]
            try:
                done.extend(compare_records(group, self.session))
            except Exception:
                for rec in group:
                    try:
                        done.extend(compare_records([rec], self.session))
                    except Exception as exc:
                        done.append(_failure(rec, exc))
            start = end
        lines = [dumps(r) for r in done]
        errors = [r.get("error") for r in done]
        verdicts = [r.get("verdict") for r in done]
        similarity = [r.get("similarity") for r in done]
        return finish(
            table,
            lines,
            errors,
            {"verdict": pa.array(verdicts, pa.string()), "similarity": pa.array(similarity, pa.float64())},
        )
