"""`promptsmith preview`: plan and render a 2×2 preview grid, in this process or on a render server."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from promptsmith.cli.common import CONTEXT, command_config, command_session, stdin_text
from promptsmith.errors import PromptsmithError


def _local_device(device: str, steps: int | None, family: str | None) -> None:
    """Refuse an in-process render with no GPU unless `--device cpu` asks for it, saying what it
    costs; say on stderr where it runs."""
    from promptsmith.backends.diffusers import (
        gpu_device,  # deferred: lint and --help never load it
    )

    found = gpu_device() if device in ("auto", "cuda", "mps") else None
    if device == "cpu" or (device == "auto" and found is None):
        per_step = "~1 s for a tiny test pipeline, 10–60 s for SD 1.5/SDXL"
        if device != "cpu":
            raise click.UsageError(
                "no GPU found (CUDA or MPS): an SDXL-class preview on the CPU takes many minutes "
                f"(4 images × {steps or 'the plan’s'} steps, {per_step} per step); pass --device cpu to render "
                "on the CPU anyway, or --backend URL for a render server")
        click.echo(f"preview: rendering on the CPU (4 images × {steps or 'the plan’s'} steps; {per_step} per step); "
                   "Ctrl-C stops it", err=True)
    elif found is None or (device != "auto" and not found.startswith(device)):
        raise click.UsageError(f"--device {device}: no such device here (found: {found or 'no GPU'})")


def _step_printer() -> Any:
    """Progress per denoising step on stderr: `step 3/30` (and which image, when each renders alone)."""
    def on_step(step: int, steps: int, image: int) -> None:
        click.echo(f"preview: step {step}/{steps}" + (f" (image {image + 1})" if image else ""), err=True)

    return on_step


def _stop_at_once_on_signals() -> None:
    """SIGINT/SIGTERM end an in-process render at once: the handler runs between the pipeline's
    Python steps (well under a second), and the process leaves without unwinding torch."""
    import signal

    def leave(signum: int, _frame: object) -> None:
        try:
            sys.stderr.write(f"preview: stopped by signal {signum}\n")
            sys.stderr.flush()
        finally:
            os._exit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, leave)
        except (ValueError, OSError):  # not the main thread
            pass



@click.command(context_settings=CONTEXT)
@click.argument("prompt")
@click.option(
    "--family",
    type=click.Choice(["sd15", "sdxl", "sd3", "flux"]),
    default=None,
    help="Pipeline family (default: the pipeline's own, else sdxl).",
)
@click.option("--dry-run", is_flag=True, help="Print the render plan; load nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--pipeline", metavar="DIR", help="diffusers pipeline folder (or a cached hub id) to render in-process.")
@click.option("--backend", metavar="URL", help="Render server, e.g. http://gpu-host:8765 (see `promptsmith serve`).")
@click.option("--token", envvar="PROMPTSMITH_TOKEN", help="Bearer token for the render server.")
@click.option(
    "--compare", "compare_rewrite", is_flag=True, help="Render the original and its v6 rewrite with the same seeds."
)
@click.option("--seed", type=int, default=None, help="Seed (default: the prompt's --seed, else random and recorded).")
@click.option("--steps", type=click.IntRange(1, 200), default=None, help="Override the plan's denoising steps.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="previews", show_default=True)
@click.option("--clip-model", metavar="DIR", help="CLIP folder to score the images against the prompt.")
@click.option(
    "--device",
    type=click.Choice(["auto", "cuda", "mps", "cpu"]),
    default="auto",
    show_default=True,
    help="Where --pipeline renders. auto: the GPU, and a refusal when there is none (a CPU render "
    "takes minutes): --device cpu renders on the CPU anyway.",
)
@click.pass_context
def preview(
    ctx: click.Context,
    prompt: str,
    family: str | None,
    dry_run: bool,
    fmt: str,
    pipeline: str | None,
    backend: str | None,
    token: str | None,
    compare_rewrite: bool,
    seed: int | None,
    steps: int | None,
    out_dir: str,
    clip_model: str | None,
    device: str,
) -> None:
    """Plan and render a 2×2 preview grid of PROMPT (PNG + JSON sidecar).

    --stylize → guidance scale, --no → negative prompt, --ar → size, --seed → generators,
    --chaos → variety across the grid; what cannot be mapped is listed.

    \b
    Examples:
      promptsmith preview "a lighthouse at dusk --ar 3:2 --s 250 --no people" --dry-run --format json
      promptsmith preview "…" --pipeline ./sdxl --compare
      promptsmith preview "…" --backend http://gpu-host:8765 --token $TOKEN
      promptsmith preview "…" --pipeline ./tiny-sd --device cpu --steps 4
    """
    from promptsmith.backends.clip import (
        ClipScorer,  # deferred: lint and --help never load it
    )
    from promptsmith.core.plan import plan as make_plan  # deferred: as ClipScorer
    from promptsmith.services.preview import release_llm  # deferred: as ClipScorer

    if prompt == "-":  # `-` is stdin on every command
        prompt = stdin_text()
    config = command_config(ctx)
    fam = family or config.family  # None: the pipeline's own family, once it is loaded
    if dry_run:
        fam = fam or "sdxl"
        the_plan = make_plan(prompt, fam, seed=seed, steps=steps)
        if fmt == "json":
            click.echo(json.dumps(the_plan.model_dump(mode="json"), indent=2, ensure_ascii=False))
        else:
            click.echo(
                f"{fam}: {the_plan.width}×{the_plan.height}, {the_plan.num_inference_steps} steps, "
                f"guidance {the_plan.guidance_scale}, seeds {the_plan.seeds}"
                + (" (random)" if the_plan.seeds_random else "")
            )
            click.echo(f"prompt:   {the_plan.prompt}")
            click.echo(f"negative: {the_plan.negative_prompt or '—'}")
            for m in the_plan.mappings:
                click.echo(f"  {m.status:<12} {m.written:<24} {m.to or ''}  ({m.reason})")
        return
    backend = backend or config.backend
    if not (pipeline or backend):
        raise click.UsageError("give --pipeline DIR or --backend URL to render (or --dry-run to plan only)")
    session = command_session(ctx)
    try:
        local = not (backend or (not pipeline and config.backend))
        if local:
            _local_device(device, steps, fam)  # no GPU: say so at once, before minutes of loading
            release_llm()  # the GPU's memory goes to the pipeline
        renderer = session.renderer(
            pipeline, backend, token=token, **({"device": device} if local and device != "auto" else {})
        )
        if local:
            _stop_at_once_on_signals()
            renderer.on_step = _step_printer()  # type: ignore[attr-defined]  # the in-process renderer's hook
        other = session.rewrite(prompt).output if compare_rewrite else None
        scorer = None
        if clip_model:
            scorer = ClipScorer(clip_model)
        result = session.preview(
            prompt,
            renderer,
            family=fam,
            out_dir=Path(out_dir),
            compare_with=other,
            seed=seed,
            steps=steps,
            scorer=scorer,
        )
    except PromptsmithError as exc:  # a missing extra or model: a usage error (2), with what to install
        raise click.UsageError(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        click.echo(f"wrote {result.png} and {result.sidecar} in {result.timings.get('total_seconds', 0):.1f} s")
        unmapped = sorted({u for p in result.plans for u in p.unmapped})
        if unmapped:
            click.echo("not mapped: " + ", ".join(unmapped))
        for k, p in enumerate(result.plans):
            if p.cut:  # past the text encoder's budget: rendered without them, never silently
                click.echo(
                    ("cut" if len(result.plans) == 1 else f"cut ({'original' if k == 0 else 'rewrite'})")
                    + f" to fit {p.family}'s text encoder: "
                    + "; ".join(p.cut)
                )
        if result.clip_scores:
            click.echo("CLIP scores: " + " | ".join(", ".join(f"{s:.3f}" for s in row) for row in result.clip_scores))
