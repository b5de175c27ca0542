"""`promptsmith batch`: lint, rewrite, compare or preview a whole dataset on Ray Data.

Ray is imported only when a batch command runs (it is the `promptsmith[ray]` extra).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from promptsmith.cli.common import CONTEXT, LINT_TARGET, split_list
from promptsmith.config import load_settings
from promptsmith.errors import PromptsmithError
from promptsmith.registries import ENGINES, GENERATORS, default_version
from promptsmith.settings import Settings


def _common(f: Any) -> Any:
    """The arguments and options every batch command takes."""
    options = [
        click.argument("inp", metavar="IN"),
        click.argument("out", metavar="OUT"),
        click.option(
            "--ray",
            "address",
            envvar="RAY_ADDRESS",
            metavar="ADDRESS",
            help="Ray cluster to run on (default: RAY_ADDRESS, else a local Ray on this machine).",
        ),
        click.option(
            "--prompt-column",
            default="prompt",
            show_default=True,
            help="The column (Parquet, CSV) or JSON field that holds the prompt.",
        ),
        click.option(
            "--input-format",
            type=click.Choice(["jsonl", "text", "parquet", "csv"]),
            help="Default: from IN's extension (.jsonl/.ndjson, .parquet, .csv; else text).",
        ),
        click.option(
            "--output-format",
            type=click.Choice(["jsonl", "parquet"]),
            help="Default: from OUT's extension (.parquet, else jsonl).",
        ),
        click.option("--num-cpus", type=click.IntRange(1, 4096), help="CPUs of the local Ray (default: all)."),
        click.option(
            "--block-rows",
            type=click.IntRange(64, 1 << 20),
            default=1024,
            show_default=True,
            help="Rows per block, the unit Ray schedules (rounded down to a multiple of 64).",
        ),
        click.option(
            "--progress/--no-progress", default=None, help="Ray's progress bars (default: when stderr is a terminal)."
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _finish(command: str, options: Any, common: dict[str, Any], **extra: Any) -> None:
    """Run with `options` (the `Settings` each task or actor builds its session from; a preview's
    request), print the summary on stderr, exit 1 when rows in and rows out differ."""
    try:
        from promptsmith.scale.run import (
            run,  # deferred: it imports Ray, the optional extra
        )
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    rows = max(64, common.pop("block_rows") // 64 * 64)
    try:
        summary = run(command, common.pop("inp"), common.pop("out"), options, block_rows=rows, **common, **extra)
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    except (FileNotFoundError, ValueError) as exc:  # no such input, nothing to read in it
        raise click.UsageError(str(exc)) from exc
    click.echo(summary.line(), err=True)
    sys.exit(0 if summary.ok else 1)


@click.group(context_settings=CONTEXT)
def batch() -> None:
    """Lint, rewrite, compare or preview a whole dataset on Ray Data (install promptsmith[ray]).

    IN is a file or a folder, local or on any filesystem Arrow reads (s3://, gs://):
    JSON lines, text (a prompt per line), Parquet or CSV. OUT is one JSONL or Parquet file with
    a record per input row, in input order; a JSONL record is the one the single-process
    command writes for that line. A row that fails gets an `error` and the run goes on. The run
    ends with a summary (rows in, rows out, errors) and exits 1 when rows in and out differ.

    \b
    Examples:
      promptsmith batch rewrite captions.parquet briefs.parquet --prompt-column caption
      promptsmith batch lint library/ findings.jsonl --ray auto
      RAY_ADDRESS=ray://head:10001 promptsmith batch compare pairs.jsonl checks.jsonl
    """


def _settings(**overrides: Any) -> Any:
    """The `Settings` of the config files and the environment, the flags on top, checked (a bad
    name is a usage error)."""
    try:
        return load_settings().with_overrides(**overrides).resolved()
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc


@batch.command(context_settings=CONTEXT)
@_common
@click.option("--select", multiple=True, help="Rule codes, prefixes or names to enable (comma list).")
@click.option("--ignore", multiple=True, help="Rule codes, prefixes or names to disable (comma list).")
@click.option("--target-version", help="Version to read prompts for when they have no --v (default 6.1).")
@LINT_TARGET
def lint(select: tuple[str, ...], ignore: tuple[str, ...], target_version: str | None, target: str | None,
         **common: Any) -> None:
    """Lint every prompt: the records of `promptsmith lint IN --format jsonl` (the same config
    and flags, `--target` included)."""
    settings = _settings(target_version=target_version, target=target, select=split_list(select),
                         ignore=split_list(ignore))
    _finish("lint", settings, common)


@batch.command(context_settings=CONTEXT)
@_common
@click.option(
    "--engine",
    type=click.Choice(ENGINES.names),
    default=ENGINES.default,
    show_default=True,
    help="rules: plain Ray tasks; llm/auto: an actor per CPU that loads the model once.",
)
@click.option(
    "--target-version",
    default=None,
    metavar="VERSION",
    help="As for `promptsmith rewrite` (default: the table's, Midjourney's current default).",
)
@click.option("--target", default=None, metavar="TARGET", help="As for `promptsmith rewrite` (mj, sd15, sdxl, flux …).")
@click.option("--model", metavar="PATH.gguf", help="GGUF model for the llm engine.")
@click.option("--llm-backend", type=click.Choice(GENERATORS.names), default=GENERATORS.default, show_default=True)
@click.option("--actors", type=click.IntRange(1, 4096), help="LLM actors (default: up to one per CPU less one).")
def rewrite(
    engine: str,
    target_version: str | None,
    target: str | None,
    model: str | None,
    llm_backend: str,
    actors: int | None,
    **common: Any,
) -> None:
    """Rewrite every prompt: the records of `promptsmith rewrite --engine rules --format jsonl`."""
    settings = _settings(
        target_version=target_version, model=model, target=target, engine=engine, llm_backend=llm_backend
    )
    from promptsmith.rewriters.targets import (
        resolve_target,  # deferred: lint and --help never load it
    )

    try:
        resolve_target(settings.target)  # an unknown target fails here, before Ray starts
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    _finish(
        "rewrite",
        settings.with_overrides(target_version=settings.target_version or default_version()),
        common,
        actors=actors,
    )


@batch.command(context_settings=CONTEXT)
@_common
@click.option("--embed-model", metavar="PATH", help="Embedding model folder (default: the packaged all-MiniLM-L6-v2).")
@click.option("--similarity-threshold", type=click.FloatRange(-1, 1), default=None)
@click.option("--term-threshold", type=click.FloatRange(-1, 1), default=None)
@click.option(
    "--pair-columns",
    default="a,b",
    show_default=True,
    metavar="A,B",
    help='The two columns (Parquet, CSV) that hold each pair; JSON lines use "a" and "b", as compare --file.',
)
@click.option("--actors", type=click.IntRange(1, 4096), help="Embedder actors (default: up to one per CPU less one).")
def compare(
    embed_model: str | None,
    similarity_threshold: float | None,
    term_threshold: float | None,
    pair_columns: str,
    actors: int | None,
    **common: Any,
) -> None:
    """Compare every pair: the records of `promptsmith compare --file IN`."""
    settings = _settings(
        embed_model=embed_model, similarity_threshold=similarity_threshold, term_threshold=term_threshold
    )
    pair = tuple(c.strip() for c in pair_columns.split(","))
    if len(pair) != 2 or not all(pair):
        raise click.UsageError("--pair-columns takes two names, A,B")
    common.pop("prompt_column")
    _finish("compare", settings, common, actors=actors, pair_columns=pair)


@batch.command(context_settings=CONTEXT)
@_common
@click.option("--pipeline", metavar="DIR", required=True, help="diffusers pipeline folder, on every node.")
@click.option(
    "--images",
    "images",
    metavar="DIR",
    help="Where the PNGs and sidecars go, a folder per row (default: OUT's name + .images).",
)
@click.option("--clip-model", metavar="DIR", help="CLIP folder: score both grids against the prompt.")
@click.option("--family", type=click.Choice(["sd15", "sdxl", "sd3", "flux"]), default=None)
@click.option(
    "--seed", type=int, default=None, help="Seed for every row (default: the prompt's --seed, else random, recorded)."
)
@click.option("--steps", type=click.IntRange(1, 200), default=None)
@click.option(
    "--gpus-per-actor",
    type=click.FloatRange(0, 64),
    default=1.0,
    show_default=True,
    help="GPUs each render actor holds (0: render on the CPU, for a smoke run).",
)
@click.option("--actors", type=click.IntRange(1, 4096), help="Render actors (default: one per GPU).")
def preview(
    pipeline: str,
    images: str | None,
    clip_model: str | None,
    family: str | None,
    seed: int | None,
    steps: int | None,
    gpus_per_actor: float,
    actors: int | None,
    **common: Any,
) -> None:
    """Render the v5 prompt and its v6 rewrite with the same seeds, a PNG and a sidecar per row."""
    from promptsmith.scale.render import PreviewOptions  # deferred: it imports Ray

    out = common["out"]
    store = images or str(Path(out).with_suffix("")) + ".images"
    # the default settings, as batch preview has always rendered (rules engine, table's version)
    options = PreviewOptions(
        pipeline=pipeline,
        images=store if "://" in store else str(Path(store).resolve()),
        clip_model=clip_model,
        seed=seed,
        steps=steps,
        settings=Settings(family=family),
    )
    _finish("preview", options, common, actors=actors, gpus_per_actor=gpus_per_actor)
