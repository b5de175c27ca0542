"""Comparing pairs of prompts read as records: the per-record job of `compare --file` and `batch compare`.

Each input line is a JSON object with string fields "a" and "b"; a window of lines is embedded
together, and each line gets its output record: the comparison with the pair's other fields, or
the line's `error`. The CLI and the Ray stage share it, so both write the same records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promptsmith.records import Record, load_json_line
from promptsmith.services.compare import too_long

if TYPE_CHECKING:
    from promptsmith.session import Session


def compare_records(group: list[Record], session: Session, *, progress: bool = False) -> list[dict[str, Any]]:
    """The output record of each input line of `group` (embedded as one window), in order: the
    comparison with the pair's other fields, or the line's `error` (`batch compare` shares it)."""
    checked = [_checked(rec) for rec in group]
    results = session.compare_many([(obj["a"], obj["b"]) for _, obj in checked if obj is not None],
                                   window=len(group), progress=progress)
    out = []
    for record, obj in checked:
        if obj is not None:
            record.update(next(results).model_dump(mode="json"))
            record.update({k: v for k, v in obj.items() if k not in record})
            record["error"] = None
        out.append(record)
    return out


def _checked(rec: Record) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the output record so far, the pair object) — or the record with its error and None."""
    record: dict[str, Any] = {"line": rec.line}
    line = rec.raw
    if not line.strip():
        record["error"] = "empty line"
        return record, None
    if rec.error:
        record["error"] = rec.error
        return record, None
    obj, error = load_json_line(line)
    if error is not None:
        record["error"] = error
        return record, None
    if not isinstance(obj, dict) or not isinstance(obj.get("a"), str) or not isinstance(obj.get("b"), str):
        record["error"] = 'expected a JSON object with string fields "a" and "b"'
        return record, None
    refused = too_long(obj["a"], obj["b"])
    if refused:
        record["error"] = refused
        return record, None
    return record, obj
