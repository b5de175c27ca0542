"""`promptsmith batch` on a local Ray (2 CPUs) over 2,000 prompt lines: the same records as the
single-process CLI, every row once and in order, malformed rows with their `error`, and a stage
whose worker dies mid-run still leaving every row in the output."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("ray.data")

import pyarrow as pa
import pyarrow.parquet as pq

from promptsmith.cli.main import main
from promptsmith.settings import Settings

pytestmark = pytest.mark.slow


def _cli(*args: str) -> str:
    """What the single-process CLI writes on stdout."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False).stdout


def _records(text: str, drop: tuple[str, ...] = ()) -> list[dict]:
    return [{k: v for k, v in json.loads(line).items() if k not in drop} for line in text.splitlines()]


@pytest.fixture(scope="module")
def rewrite_cli(prompts_2000: Path) -> str:
    return _cli("rewrite", "--engine", "rules", "--format", "jsonl", "-f", str(prompts_2000))


def test_batch_lint_writes_the_cli_records_byte_for_byte(local_ray, prompts_2000: Path, tmp_path: Path) -> None:
    from promptsmith.scale import run

    out = tmp_path / "lint.jsonl"
    summary = run.run("lint", str(prompts_2000), str(out), Settings())
    assert out.read_text(encoding="utf-8") == _cli("lint", str(prompts_2000), "--format", "jsonl")
    assert (summary.rows_in, summary.rows_out, summary.errors) == (2000, 2000, 4) and summary.ok


def test_batch_lint_reads_for_the_target_as_the_cli_does(local_ray, tmp_path: Path) -> None:
    """`batch lint --target sdxl` (or the config's `target`) counts CLIP tokens as `lint --target
    sdxl` does: the same records, PS206 among them."""
    long = ", ".join(f"ornate detail number {i} on the golden cathedral door" for i in range(12))
    src = tmp_path / "prompts.txt"
    src.write_text(f"{long}\nportrait of a fisherman, oil painting\n", encoding="utf-8")
    out = tmp_path / "lint.jsonl"
    result = CliRunner().invoke(main, ["batch", "lint", str(src), str(out), "--target", "sdxl"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    cli = _cli("lint", str(src), "--target", "sdxl", "--format", "jsonl")
    assert out.read_text(encoding="utf-8") == cli and "PS206" in cli
    assert "PS206" not in _cli("lint", str(src), "--format", "jsonl")  # for Midjourney the length is no finding


def test_batch_rewrite_gives_the_cli_records_with_ids_in_order(local_ray, prompts_2000: Path, rewrite_cli: str,
                                                              tmp_path: Path) -> None:
    from promptsmith.scale import run

    out = tmp_path / "briefs.jsonl"
    summary = run.run("rewrite", str(prompts_2000), str(out), Settings(), block_rows=256)
    ours = _records(out.read_text(encoding="utf-8"), drop=("seconds",))  # a timing: no two runs share it
    assert ours == _records(rewrite_cli, drop=("seconds",))
    assert [r["line"] for r in ours] == list(range(1, 2001))
    ids = [json.loads(line)["id"] for line in prompts_2000.read_text(encoding="latin-1").splitlines()
           if line.startswith('{"id"')]
    assert [r["id"] for r in ours if "id" in r and r["id"] != "x"] == ids
    assert summary.ok and summary.errors == 4


def test_malformed_rows_get_their_error_and_the_run_goes_on(local_ray, prompts_2000: Path, rewrite_cli: str) -> None:
    records = _records(rewrite_cli)
    bad = {r["line"]: r["error"] for r in records if r["error"]}
    assert sorted(bad) == [18, 405, 1000, 1778]  # the blank line (1501) is an empty prompt, not an error
    assert bad[18].startswith("invalid JSON") and bad[405].startswith("not UTF-8")
    assert bad[1000] == 'missing or non-string "prompt" field' and records[999]["id"] == "x"


def test_batch_compare_gives_the_cli_records_byte_for_byte(local_ray, prompts_2000: Path, rewrite_cli: str,
                                                           tmp_path: Path) -> None:
    from promptsmith.scale import run

    pairs = tmp_path / "pairs.jsonl"
    with pairs.open("w", encoding="utf-8") as fh:
        for r in _records(rewrite_cli):
            if r["error"]:
                fh.write("not a pair\n")
            else:
                fh.write(json.dumps({"a": r["input"], "b": r["output"], "id": r.get("id")}) + "\n")
    out = tmp_path / "checks.jsonl"
    summary = run.run("compare", str(pairs), str(out), Settings(), block_rows=512)
    assert out.read_text(encoding="utf-8") == _cli("compare", "--file", str(pairs))
    assert summary.ok and summary.rows_out == 2000


def test_parquet_keeps_every_column_its_types_and_the_order(local_ray, real_prompts: list[str],
                                                           tmp_path: Path) -> None:
    from promptsmith.scale import run

    n = 1500
    captions = (real_prompts * 2)[:n]
    table = pa.table({"uid": pa.array(range(10_000, 10_000 + n), pa.int64()), "caption": captions,
                      "tags": [["a", str(i % 7)] for i in range(n)], "score": [i / 10 for i in range(n)]})
    src = tmp_path / "captions.parquet"
    pq.write_table(table, src, row_group_size=300)
    out = tmp_path / "briefs.parquet"
    summary = run.run("rewrite", str(src), str(out), Settings(), prompt_column="caption",
                      block_rows=128)
    got = pq.read_table(out)
    assert summary.ok and got.num_rows == n
    assert got.column("uid").to_pylist() == table.column("uid").to_pylist()
    assert (
        got.schema.field("uid").type == pa.int64()
        and got.column("tags").to_pylist() == table.column("tags").to_pylist()
    )
    assert got.column("line").to_pylist() == list(range(1, n + 1))
    first = json.loads(got.column("record")[0].as_py())
    assert (
        first["input"] == captions[0] and first["uid"] == 10_000 and got.column("output")[0].as_py() == first["output"]
    )


# -- a worker that dies -------------------------------------------------------------------------
from promptsmith.scale.stages import RewriteActor, rewrite_batch  # noqa: E402


class DyingRewriter(RewriteActor):
    """The rewrite stage as an actor whose process ends itself once, on its third batch."""

    def __init__(self, marker: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.marker, self.seen = marker, 0

    def __call__(self, table):
        self.seen += 1
        if self.seen == 3 and not os.path.exists(self.marker):
            Path(self.marker).write_text(str(os.getpid()))
            os._exit(1)  # the actor's process dies mid-run, its batch unfinished
        return super().__call__(table)


def dying_batch(table, *, marker: str, options):
    """The rules rewrite task, whose worker process dies once, on a batch past the first."""
    if table.column("_line")[0].as_py() > 300 and not os.path.exists(marker):
        Path(marker).write_text(str(os.getpid()))
        os._exit(1)
    return rewrite_batch(table, options=options)


def _run(ds, out: Path) -> int:
    from promptsmith.scale.run import OrderedWriter

    writer = OrderedWriter(str(out), "jsonl")
    for table in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
        writer.write(table)
    writer.close()
    return writer.rows


@pytest.mark.parametrize("kind", ["actor", "task"])
def test_a_stage_killed_mid_run_still_leaves_every_row(
    local_ray, prompts_2000: Path, rewrite_cli: str, tmp_path: Path, kind: str
) -> None:
    import ray
    import ray.cloudpickle

    from promptsmith.scale import source

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import a test module
    marker = tmp_path / "died"
    ds = source.read_prompts(str(prompts_2000), block_rows=128)
    if kind == "actor":
        ds = ds.map_batches(
            DyingRewriter,
            fn_constructor_kwargs={"marker": str(marker), "options": Settings()},
            compute=ray.data.ActorPoolStrategy(size=1),
            batch_format="pyarrow",
            batch_size=None,
        )
    else:
        ds = ds.map_batches(
            dying_batch,
            fn_kwargs={"marker": str(marker), "options": Settings()},
            batch_format="pyarrow",
            batch_size=None,
        )
    out = tmp_path / "out.jsonl"
    assert _run(ds, out) == 2000
    assert marker.exists()  # a worker did die
    assert _records(out.read_text(encoding="utf-8"), ("seconds",)) == _records(rewrite_cli, ("seconds",))


def test_the_writer_refuses_rows_lost_or_out_of_order(tmp_path: Path) -> None:
    from promptsmith.scale.run import OrderedWriter

    def rows(file: int, lines: list[int]) -> pa.Table:
        n = len(lines)
        return pa.table(
            {
                "_file": pa.array([file] * n, pa.int32()),
                "_line": pa.array(lines, pa.int64()),
                "record": ["{}"] * n,
                "error": pa.array([None] * n, pa.string()),
            }
        )

    writer = OrderedWriter(str(tmp_path / "ok.jsonl"), "jsonl")
    writer.write(rows(0, [1, 2, 3]))
    writer.write(rows(2, [1, 2]))  # an empty file between them has no rows
    with pytest.raises(RuntimeError, match="out of order"):
        writer.write(rows(2, [4]))
    writer.close()


def test_batch_cli_summarizes_and_exits_0_when_every_row_is_out(local_ray, prompts_2000: Path, tmp_path: Path) -> None:
    out = tmp_path / "lint.parquet"
    result = CliRunner().invoke(
        main, ["batch", "lint", str(prompts_2000), str(out), "--no-progress"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "2000 rows in, 2000 rows out, 4 errors" in result.stderr
    got = pq.read_table(out)
    assert got.num_rows == 2000 and got.column("line").to_pylist() == list(range(1, 2001))
    assert got.column("error").null_count == 1996
