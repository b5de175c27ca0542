"""The `promptsmith` command line. Exit status: 0 clean, 1 findings or failed records, 2 usage error."""

from __future__ import annotations

import gc
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from promptsmith import __version__
from promptsmith.errors import PromptsmithError
from promptsmith.registries import ENGINES, GENERATORS, LLM_JOBS, TARGETS, WRITE_MODES

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
#: `--workers auto` runs one process per physical core from this many prompts in a file on.
AUTO_WORKERS_LINES = 200


class _Workers(click.ParamType):
    """`auto` (None: the command decides) or a process count from 1 to 64."""

    name = "auto|N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int | None:
        if value is None or isinstance(value, int) and not isinstance(value, bool):
            n = value
        elif str(value).strip().lower() == "auto":
            return None
        else:
            try:
                n = int(str(value))
            except ValueError:
                self.fail(f"{value!r} is not auto or a whole number", param, ctx)
        if n is not None and not 1 <= n <= 64:
            self.fail(f"{n} is not in the range 1 to 64", param, ctx)
        return n


WORKERS = _Workers()


def _config(ctx: click.Context):
    """The `Settings` the config files and the environment give (read once per command)."""
    from promptsmith.config import load_settings

    obj = ctx.ensure_object(dict)
    if "config" not in obj:
        try:
            obj["config"] = load_settings()
        except PromptsmithError as exc:
            raise click.UsageError(str(exc)) from exc
    return obj["config"]


def _session(ctx: click.Context, **overrides: Any):
    """The command's `Session`: the settings with the flags on top (a bad setting is a usage error)."""
    from promptsmith.session import Session

    try:
        return Session(_config(ctx).with_overrides(**overrides))
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    out = tuple(v.strip() for value in values for v in value.split(",") if v.strip())
    return out or None


def _stdin_text() -> str:
    """A prompt given as `-`: stdin, read whole, its line breaks read as spaces."""
    from promptsmith.cli.common import stdin_is_interactive

    if stdin_is_interactive():
        raise click.UsageError("- reads the prompt from stdin, and stdin is a terminal: pipe a prompt in")
    return " ".join(sys.stdin.read().split())


def _paths(files: tuple[str, ...]) -> list[str]:
    from promptsmith.cli.common import stdin_is_interactive

    if files:
        return list(files)
    if stdin_is_interactive():
        raise click.UsageError("no input: give FILE arguments, or `-` / a pipe for standard input")
    return ["-"]


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="promptsmith")
def main() -> None:
    """Lint Midjourney prompts and rewrite v5 keyword soup into v6 briefs.

    \b
    Examples:
      promptsmith lint prompts.txt
      echo "cyberpunk city, 8k --ar 16:9" | promptsmith lint -
      promptsmith explain PS201
    """


# -- lint -----------------------------------------------------------------------------------------
@main.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, metavar="[FILE...|DIR...|PROMPT|-]")
@click.option("--output-format", "--format", "fmt", type=click.Choice(["text", "json", "jsonl", "sarif", "github"]),
              default="text", show_default=True, help="Output format (--format is the same).")
@click.option("--fix", is_flag=True, help="Apply safe fixes (files are rewritten; stdin is echoed fixed).")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix, apply unsafe fixes too.")
@click.option("--diff", is_flag=True, help="Show what --fix would change as a unified diff; write nothing.")
@click.option("--show-fixes", is_flag=True, help="With --fix, list the fixes applied, per file and rule.")
@click.option("--statistics", is_flag=True, help="Count the findings per rule instead of listing them.")
@click.option("-q", "--quiet", is_flag=True, help="Print the findings only, no summary.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (bad input still exits 2).")
@click.option("--extend-select", multiple=True, help="Rule selectors added to the configured select (comma list).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Use this promptsmith.toml or pyproject.toml, not the one found beside each file.")
@click.option("--show-settings", is_flag=True, help="Print the resolved settings and where each came from, then exit.")
@click.option("--select", multiple=True, help="Rule codes, prefixes (PS2) or names to enable (comma list).")
@click.option("--ignore", multiple=True, help="Rule codes, prefixes or names to disable (comma list).")
@click.option("--target-version", help="Version to read prompts for when they have no --v (default: the table's, "
                                       "Midjourney's current default).")
@click.option("--target", default=None, metavar="TARGET",
              help="The model the prompts go to (rewrite --target's names): with sd15/sdxl, PS206 counts real CLIP "
                   "tokens against 77; with flux/sd3/qwen-image, an upper bound against 512. Config key: target.")
@click.option("--input-format", type=click.Choice(["text", "jsonl"]),
              help="One prompt per line (text) or JSON lines with a \"prompt\" field; default from the extension.")
@click.option("--color/--no-color", default=None, help="Colour the text output (default: when a terminal).")
@click.pass_context
def lint(ctx: click.Context, files: tuple[str, ...], fmt: str, fix: bool, unsafe_fixes: bool, diff: bool,
         show_fixes: bool, statistics: bool, quiet: bool, exit_zero: bool, extend_select: tuple[str, ...],
         config_file: str | None, show_settings: bool,
         select: tuple[str, ...], ignore: tuple[str, ...], target_version: str | None, target: str | None,
         input_format: str | None, color: bool | None) -> None:
    """Lint prompts: one per line, or JSON lines with a "prompt" field.

    Each argument is a file, a directory (its .txt, .prompt(s), .jsonl and .ndjson files,
    recursively), `-` for stdin, or, when it names no file, a prompt to lint.

    Settings come from the nearest promptsmith.toml or pyproject.toml ([tool.promptsmith]) above
    each linted file, as ruff finds its config (stdin and inline prompts: above the working
    directory), or from --config FILE; flags override them.

    Exit status: 0 no findings, 1 findings (or, with --diff, fixes to make), 2 bad input or usage.

    \b
    Examples:
      promptsmith lint "portrait, 8k --v 6"
      promptsmith lint prompts/ --output-format github
      promptsmith lint data.jsonl --select PS1,PS4 --target-version 7 --statistics
      promptsmith lint prompts.txt --diff
      cat prompts.txt | promptsmith lint - --fix > fixed.txt
    """
    from promptsmith.cli.lint_cmd import expand_paths, run_lint
    from promptsmith.config import find_project_config, load_settings

    overrides = dict(target_version=target_version, target=target, select=_split(select), ignore=_split(ignore),
                     extend_select=_split(extend_select))
    try:
        base = (load_settings(project=Path(config_file)) if config_file else _config(ctx)).with_overrides(**overrides)
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    if show_settings:
        _print_settings(base)
        ctx.exit(0)
    here = find_project_config(Path.cwd().resolve())
    per_folder: dict[Path, Any] = {}

    def config_for(path: str) -> Any:
        """The settings for one linted file: the project config nearest to it, then the flags."""
        if config_file or path in ("-", "<prompt>") or not os.path.isfile(path):
            return base
        folder = Path(path).resolve().parent
        if folder not in per_folder:
            found = find_project_config(folder)
            same = (found[0] if found else None) == (here[0] if here else None)
            per_folder[folder] = base if same else load_settings(cwd=folder).with_overrides(**overrides)
        return per_folder[folder]

    try:
        status = run_lint(expand_paths(_paths(files)), base, fmt=fmt, fix=fix, unsafe=unsafe_fixes,
                          input_format=input_format, colour=color, exit_zero=exit_zero, quiet=quiet,
                          statistics=statistics, diff=diff, show_fixes=show_fixes, config_for=config_for)
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    ctx.exit(status)


def _print_settings(config: Any) -> None:
    """Each setting with the value in force and where it came from (default, a file, the
    environment, a flag); an unset one shows what is used in its place."""
    from promptsmith.config import effective_settings

    for key, shown, source in effective_settings(config):
        click.echo(f"{key:22} {shown!s:40} ({source})")


# -- parse ----------------------------------------------------------------------------------------
@main.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, metavar="[FILE...|-]")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="jsonl", show_default=True)
@click.option("--input-format", type=click.Choice(["text", "jsonl"]), help="As for `lint`.")
def parse(files: tuple[str, ...], fmt: str, input_format: str | None) -> None:
    """Parse prompts and print the model: image prompts, segments, permutations, quotes, params.

    \b
    Example:
      echo "<https://s.mj.run/x> cat::2 dog --ar 3:2" | promptsmith parse -
    """
    from promptsmith.records import dumps, input_format_for, read_records
    from promptsmith.core.parse import parse as parse_text

    out = sys.stdout
    failed = False
    try:
        for path in _paths(files):
            for rec in read_records(path, input_format_for(path, input_format)):
                if rec.error:
                    failed = True
                    out.write(dumps({"line": rec.line, "error": rec.error, **rec.extra}) + "\n")
                    continue
                prompt = parse_text(rec.prompt)
                if fmt == "jsonl":
                    obj = {"line": rec.line, **prompt.model_dump(mode="json"), **rec.extra}
                    out.write(dumps(obj) + "\n")
                else:
                    out.write(_describe(rec.line, prompt) + "\n")
                out.flush()
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    sys.exit(1 if failed else 0)


def _describe(line: int, prompt: Any) -> str:
    rows = [f"line {line}: {prompt.source}"]
    for img in prompt.images:
        rows.append(f"  image   {img.url}" + (f"  weight {img.weight:g}" if img.weight is not None else ""))
    for seg in prompt.segments:
        weight = f"  ::{seg.weight_raw or ''}" if seg.separated else ""
        rows.append(f"  text    {seg.text}{weight}")
    for perm in prompt.permutations:
        rows.append(f"  perm    {{{', '.join(perm.options)}}}")
    for q in prompt.quotes:
        rows.append(f"  quote   {q.text!r}")
    for p in prompt.params:
        value = "" if p.value is True else f" = {p.value!r}"
        rows.append(f"  param   --{p.alias} {p.raw}".rstrip() + f"  → {p.name}{value}")
    return "\n".join(rows)


# -- rewrite --------------------------------------------------------------------------------------
@main.command(context_settings=CONTEXT)
@click.argument("prompt", required=False)
@click.option("--file", "-f", "file", metavar="FILE|-", help="Read prompts from a file (`-` for stdin).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True)
@click.option("--engine", type=click.Choice(ENGINES.names), default=None,
              help=f"{ENGINES.help()}. Config key: engine.")
@click.option("--target-version", default=None, metavar="VERSION",
              help="Version a brief is written for: any version of rules/midjourney.toml (5.2, 6.1, 7, 8.2, niji 7 …; "
                   "default: the table's, Midjourney's current default). Prompts already on 6 or newer keep their own --v.")
@click.option("--target", default=None, metavar="TARGET",
              help=f"What the brief is written for: {TARGETS.help()}. The record gets the target's prompt, negative "
                   "prompt, pipeline arguments, tokens and what was cut. Config key: target.")
@click.option("--explain", is_flag=True, help="Show every change with the rule behind it.")
@click.option("--input-format", type=click.Choice(["text", "jsonl"]),
              help="One prompt per line (text) or JSON lines with a \"prompt\" field; never guessed from content.")
@click.option("--workers", type=WORKERS, default="auto", show_default=True,
              help="Processes (order is kept). auto: one per physical core for a file of at least "
                   f"{AUTO_WORKERS_LINES} prompts on the rules engine, else one.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar with rate and ETA on stderr (default: when stderr is a terminal).")
@click.option("--check", is_flag=True, help="Compare each brief with its input by sentence embeddings (needs promptsmith[embed]).")
@click.option("--embed-model", metavar="PATH", help="Embedding model folder for --check (default: the packaged all-MiniLM-L6-v2).")
@click.option("--model", "-m", metavar="NAME|PATH.gguf",
              help="Model for the llm engine: a name `promptsmith models` prints, or a GGUF file (default: the packaged "
                   "SmolLM2-135M).")
@click.option("--llm-job", "llm_jobs", multiple=True, type=click.Choice(LLM_JOBS.names),
              help=f"What the model does (repeatable; default: {LLM_JOBS.default}): {LLM_JOBS.help()}.")
@click.option("--write-mode", type=click.Choice(WRITE_MODES.names), default=WRITE_MODES.default, show_default=True,
              help=f"How the write job writes: {WRITE_MODES.help()}.")
@click.option("--temperature", type=click.FloatRange(0, 2), default=0.0, show_default=True, help="Sampling temperature for free writing.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for reproducible LLM output.")
@click.option("--closed-vocab", is_flag=True, help="Free writing: only the input's words plus function words (grammar).")
@click.option("--llm-backend", type=click.Choice(GENERATORS.names), default=GENERATORS.default, show_default=True)
@click.option("--threads", type=click.IntRange(1, 256), default=None,
              help="llama.cpp threads (default: the physical cores less one, at least one).")
@click.pass_context
def rewrite(ctx: click.Context, prompt: str | None, file: str | None, fmt: str, engine: str | None,
            target_version: str | None, target: str | None, explain: bool, input_format: str | None,
            workers: int | None, progress: bool | None, check: bool, embed_model: str | None, model: str | None,
            llm_jobs: tuple[str, ...], write_mode: str, temperature: float, seed: int, closed_vocab: bool,
            llm_backend: str, threads: int | None) -> None:
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
    from promptsmith.cli.rewrite_cmd import run_rewrite

    if prompt == "-":  # `-` is stdin on every command
        if file is not None:
            raise click.UsageError("give - (stdin) or --file, not both")
        prompt, file = None, "-"
    if prompt is not None and file is not None:
        raise click.UsageError("give a PROMPT or --file, not both")
    if prompt is None and file is None:
        from promptsmith.cli.common import stdin_is_interactive

        if stdin_is_interactive():
            raise click.UsageError("no input: give a PROMPT, --file FILE, or pipe prompts on stdin")
        file = "-"
    # settings only: the LLM engine is imported when a rewrite needs it (rules stays fast)
    session = _session(ctx, engine=engine, target_version=target_version, target=target, embed_model=embed_model,
                       model=model, llm_backend=llm_backend,
                       llm_jobs=tuple(dict.fromkeys(llm_jobs)) or (LLM_JOBS.default or "rank",),
                       temperature=temperature, seed=seed, closed_vocabulary=closed_vocab, threads=threads,
                       write_mode=write_mode)
    try:
        status = run_rewrite(prompt, file, session, fmt=fmt, explain=explain, input_format=input_format,
                             workers=workers, auto_lines=AUTO_WORKERS_LINES, progress=progress, check=check)
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    ctx.exit(status)


# -- compare --------------------------------------------------------------------------------------
@main.command(context_settings=CONTEXT)
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("--file", "-f", "file", metavar="FILE|-", help='JSON lines with fields "a" and "b" (`-` for stdin).')
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default=None,
              help="Output format (default: text for A B, jsonl for --file).")
@click.option("--embed-model", metavar="PATH", help="Embedding model folder (default: the packaged all-MiniLM-L6-v2).")
@click.option("--similarity-threshold", type=click.FloatRange(-1, 1), default=None,
              help="Below this embedding similarity the verdict says low-similarity (config similarity-threshold).")
@click.option("--term-threshold", type=click.FloatRange(-1, 1), default=None,
              help="A lost term counts as said in other words at this cosine or above (config term-threshold).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 whatever the verdicts (errors still exit 2).")
@click.option("--progress", is_flag=True, help="Show the model's loading bars on stderr.")
@click.pass_context
def compare(ctx: click.Context, a: str | None, b: str | None, file: str | None, fmt: str | None,
            embed_model: str | None, similarity_threshold: float | None, term_threshold: float | None,
            exit_zero: bool, progress: bool) -> None:
    """Check whether prompt B still asks for what prompt A asked for.

    Accounts for every content term of A in B (as written, in its normal form, or in other
    words), and prints the terms B dropped, those it changed (with the part lost), what B added,
    the embedding similarity, the parameter differences (by value on the version's table; what the
    version explains is listed as migrated) and a verdict: preserved, dropped (terms or parameters
    missing; a term only partly there counts), changed (a parameter value, quoted text or a term's
    role said otherwise), added, drifted (low similarity, every term present) or different (terms
    missing and low similarity).

    `-` as A (alone) reads pairs from stdin; `-` as A or B reads that prompt from stdin.

    Exit status: 0 when every pair is preserved, 1 when one is not (or a record is bad), 2 on a
    usage error; --exit-zero makes verdicts exit 0.

    \b
    Examples:
      promptsmith compare "old fisherman, oil painting, 8k" "An oil painting of an old fisherman."
      promptsmith compare --file pairs.jsonl > checks.jsonl
    """
    from promptsmith.cli.compare_cmd import run_compare

    session = _session(ctx, embed_model=embed_model, similarity_threshold=similarity_threshold,
                       term_threshold=term_threshold)
    if a == "-" and b is None and file is None:  # `-` is stdin on every command: pairs, one JSON line each
        a, file = None, "-"
    elif "-" in (a, b) and a != b:  # one prompt from stdin, the other given
        text = _stdin_text()
        a, b = (text if a == "-" else a), (text if b == "-" else b)
    if file is None and (a is None or b is None):
        raise click.UsageError("give two prompts A and B, or --file pairs.jsonl")
    if file is not None and (a is not None or b is not None):
        raise click.UsageError("give two prompts A and B, or --file, not both")
    try:
        status = run_compare(a, b, file, session, fmt=fmt or ("jsonl" if file else "text"), progress=progress,
                             exit_zero=exit_zero)
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    ctx.exit(status)


# -- preview / serve ------------------------------------------------------------------------------
def _local_device(device: str, steps: int | None, family: str | None) -> None:
    """Refuse an in-process render with no GPU unless `--device cpu` asks for it, saying what it
    costs; say on stderr where it runs."""
    from promptsmith.backends.diffusers import gpu_device

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



@main.command(context_settings=CONTEXT)
@click.argument("prompt")
@click.option("--family", type=click.Choice(["sd15", "sdxl", "sd3", "flux"]), default=None, help="Pipeline family (default: the pipeline's own, else sdxl).")
@click.option("--dry-run", is_flag=True, help="Print the render plan; load nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--pipeline", metavar="DIR", help="diffusers pipeline folder (or a cached hub id) to render in-process.")
@click.option("--backend", metavar="URL", help="Render server, e.g. http://gpu-host:8765 (see `promptsmith serve`).")
@click.option("--token", envvar="PROMPTSMITH_TOKEN", help="Bearer token for the render server.")
@click.option("--compare", "compare_rewrite", is_flag=True, help="Render the original and its v6 rewrite with the same seeds.")
@click.option("--seed", type=int, default=None, help="Seed (default: the prompt's --seed, else random and recorded).")
@click.option("--steps", type=click.IntRange(1, 200), default=None, help="Override the plan's denoising steps.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="previews", show_default=True)
@click.option("--clip-model", metavar="DIR", help="CLIP folder to score the images against the prompt.")
@click.option("--device", type=click.Choice(["auto", "cuda", "mps", "cpu"]), default="auto", show_default=True,
              help="Where --pipeline renders. auto: the GPU, and a refusal when there is none (a CPU render "
                   "takes minutes): --device cpu renders on the CPU anyway.")
@click.pass_context
def preview(ctx: click.Context, prompt: str, family: str | None, dry_run: bool, fmt: str, pipeline: str | None,
            backend: str | None, token: str | None, compare_rewrite: bool, seed: int | None, steps: int | None,
            out_dir: str, clip_model: str | None, device: str) -> None:
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
    from promptsmith.core.plan import plan as make_plan

    if prompt == "-":  # `-` is stdin on every command
        prompt = _stdin_text()
    config = _config(ctx)
    fam = family or config.family  # None: the pipeline's own family, once it is loaded
    if dry_run:
        fam = fam or "sdxl"
        the_plan = make_plan(prompt, fam, seed=seed, steps=steps)
        if fmt == "json":
            click.echo(json.dumps(the_plan.model_dump(mode="json"), indent=2, ensure_ascii=False))
        else:
            click.echo(f"{fam}: {the_plan.width}×{the_plan.height}, {the_plan.num_inference_steps} steps, "
                       f"guidance {the_plan.guidance_scale}, seeds {the_plan.seeds}"
                       + (" (random)" if the_plan.seeds_random else ""))
            click.echo(f"prompt:   {the_plan.prompt}")
            click.echo(f"negative: {the_plan.negative_prompt or '—'}")
            for m in the_plan.mappings:
                click.echo(f"  {m.status:<12} {m.written:<24} {m.to or ''}  ({m.reason})")
        return
    backend = backend or config.backend
    if not (pipeline or backend):
        raise click.UsageError("give --pipeline DIR or --backend URL to render (or --dry-run to plan only)")
    session = _session(ctx)
    try:
        from promptsmith.services.preview import release_llm

        local = not (backend or (not pipeline and config.backend))
        if local:
            _local_device(device, steps, fam)  # no GPU: say so at once, before minutes of loading
            release_llm()  # the GPU's memory goes to the pipeline
        renderer = session.renderer(pipeline, backend, token=token,
                                    **({"device": device} if local and device != "auto" else {}))
        if local:
            _stop_at_once_on_signals()
            renderer.on_step = _step_printer()
        other = session.rewrite(prompt).output if compare_rewrite else None
        scorer = None
        if clip_model:
            from promptsmith.backends.clip import ClipScorer

            scorer = ClipScorer(clip_model)
        result = session.preview(prompt, renderer, family=fam, out_dir=Path(out_dir), compare_with=other, seed=seed,
                                 steps=steps, scorer=scorer)
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
                click.echo(("cut" if len(result.plans) == 1 else f"cut ({'original' if k == 0 else 'rewrite'})")
                           + f" to fit {p.family}'s text encoder: " + "; ".join(p.cut))
        if result.clip_scores:
            click.echo("CLIP scores: " + " | ".join(", ".join(f"{s:.3f}" for s in row) for row in result.clip_scores))


@main.command(context_settings=CONTEXT)
@click.option("--pipeline", metavar="DIR", required=True, help="diffusers pipeline folder (or a cached hub id).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--token", envvar="PROMPTSMITH_TOKEN", help="Require this bearer token.")
@click.option("--insecure-no-token", is_flag=True, help="Listen beyond loopback without a token (anyone may render).")
@click.option("--allow-download", is_flag=True, help="Let a hub id be downloaded (default: local files only).")
@click.option("--compile", "compile_", is_flag=True, help="torch.compile the denoiser.")
@click.option("--zero-snr", is_flag=True, help="Trailing timesteps, rescaled betas and guidance rescale.")
def serve(pipeline: str, host: str, port: int, token: str | None, insecure_no_token: bool, allow_download: bool,
          compile_: bool, zero_snr: bool) -> None:
    """Run the render server on the GPU host (POST /render, GET /health; one GPU job at a time).

    It listens on loopback unless told otherwise; beyond loopback it needs --token (or
    PROMPTSMITH_TOKEN), or --insecure-no-token to let anyone who can reach it render.
    """
    from promptsmith.services.server import is_loopback, make_server

    if not token and not is_loopback(host) and not insecure_no_token:
        raise click.UsageError(f"--host {host} listens beyond this machine: give --token (or PROMPTSMITH_TOKEN), "
                               "or --insecure-no-token to serve anyone who can reach it")
    try:
        from promptsmith.backends.diffusers import DiffusersRenderer

        renderer = DiffusersRenderer(pipeline, compile=compile_, zero_snr=zero_snr, allow_download=allow_download)
        family = renderer.family  # loads the pipeline now, before the first request
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - bad weights, a broken folder: one line, not a traceback
        raise click.UsageError(f"cannot load pipeline {pipeline}: {type(exc).__name__}: {exc}") from exc
    try:
        server = make_server(renderer, family=family, host=host, port=port, token=token)
    except OSError as exc:
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    click.echo(f"promptsmith render server on http://{host}:{server.server_port} ({family}, "
               f"{'token required' if token else 'no token'}); Ctrl+C to stop", err=True)
    code: int | str | None = 0
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        code = 130
    except SystemExit as exc:  # SIGINT or SIGTERM (see _exit_on_signals)
        code = exc.code
    finally:
        server.server_close()
    click.echo(f"promptsmith render server stopped{' (a render under way is abandoned)' if server.busy() else ''}",
               err=True)
    # the exit status says which signal; entry() then ends the process at once, without waiting
    # for a render thread that may run for minutes (it holds no state worth a clean unwind)
    raise SystemExit(code)


# -- tui ------------------------------------------------------------------------------------------
@main.command(context_settings=CONTEXT)
@click.argument("prompt", required=False, default="")
@click.option("--target-version", default=None, metavar="VERSION")
@click.option("--engine", type=click.Choice(ENGINES.names), default=None, help=f"{ENGINES.help()}.")
@click.option("--backend", metavar="URL", help="Render server for previews (ctrl+g).")
@click.option("--target", default=None, metavar="TARGET",
              help="What ctrl+r writes for (rewrite --target's names; ctrl+p switches it).")
@click.pass_context
def tui(ctx: click.Context, prompt: str, target_version: str | None, engine: str | None, backend: str | None,
        target: str | None) -> None:
    """Open the terminal UI: live lint, rewrite, parameters, comparison, preview, history."""
    try:
        from promptsmith.tui.app import run  # deferred: textual loads only for the TUI
    except ImportError as exc:
        raise click.UsageError("the TUI needs textual: pip install 'promptsmith[tui]'") from exc
    session = _session(ctx, engine=engine, target_version=target_version, backend=backend, target=target)
    run(prompt, session=session, version=session.target_version, engine=session.engine,
        backend=session.settings.backend, history_size=session.settings.history_size)


# -- models ---------------------------------------------------------------------------------------
@main.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def models(ctx: click.Context, fmt: str) -> None:
    """List the local LLM files promptsmith can use, with size, quantization and chat template.

    The first word of each entry is its name: `promptsmith rewrite --engine llm -m NAME` (or the
    config key `model`) takes it, as it takes a path to a .gguf file. Files put in
    ~/.cache/promptsmith/models are listed too.
    """
    from promptsmith.backends.models import INSTALL_HINT, find_models

    config = _config(ctx)
    found = find_models([config.model] if config.model and os.path.isfile(config.model) else [])
    if fmt == "json":
        click.echo(json.dumps([{"name": m.key, "path": str(m.path), "source": m.source, "size": m.size,
                                "title": m.name, "architecture": m.architecture, "quantization": m.quantization,
                                "chat_template": m.template_kind, "context_length": m.context_length}
                               for m in found], indent=2))
        return
    if not found:
        click.echo(f"no models found: {INSTALL_HINT}")
        ctx.exit(1)
    for m in found:
        click.echo(f"{click.style(m.key, bold=True)}  [{m.source}]")
        click.echo(f"  {m.path}")
        click.echo(f"  {m.size / 1e6:.0f} MB · {m.architecture or '?'} · {m.quantization} · "
                   f"chat template: {m.template_kind} · context {m.context_length or '?'}"
                   + (f" · {m.name}" if m.name and m.name.lower() != m.key else ""))


# -- explain / rules ------------------------------------------------------------------------------
@main.command(context_settings=CONTEXT)
@click.argument("code")
@click.option("--color/--no-color", default=None,
              help="Render the Markdown for a terminal, or print it as plain text (default: render on a terminal "
                   "when rich is installed; NO_COLOR keeps the rendering but drops the colours).")
def explain(code: str, color: bool | None) -> None:
    """Explain a rule: what it does, why it matters, an example, and what to write instead.

    \b
    Example:
      promptsmith explain PS201
      promptsmith explain filler-quality-token
      promptsmith explain PS201 | less      # plain Markdown in a pipe
    """
    from promptsmith.lint.registry import get_rule

    try:
        r = get_rule(code)
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    text = (f"# {r.name} ({r.code})\n\n"
            f"Family: {r.family}. Severity: {r.severity.value}. Fix: {r.fix.value}.\n\n{r.doc}")
    _echo_markdown(text, color)


def _echo_markdown(text: str, color: bool | None) -> None:
    """Markdown rendered with rich on a terminal (or with --color), else printed as written.

    rich is not a base dependency (it comes with the `tui` extra), so without it the text is
    printed as it is, which is what a pipe gets anyway.
    """
    render = sys.stdout.isatty() if color is None else color
    if render:
        try:
            from rich.console import Console  # deferred: optional, and only explain renders Markdown
            from rich.markdown import Markdown
        except ImportError:
            if color:
                click.echo("rendering needs rich (pip install 'promptsmith[tui]'); printing plain text", err=True)
            render = False
    if not render:
        click.echo(text)
        return
    # NO_COLOR (no-color.org) drops the colours of the automatic rendering; --color overrides it
    no_color = color is None and os.environ.get("NO_COLOR", "") != ""
    console = Console(file=sys.stdout, force_terminal=True, no_color=no_color, highlight=False)
    console.print(Markdown(text))


@main.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--rewrite", "rewrite_rules", is_flag=True, help="List the rewrite rules (stage, on/off, what each does).")
def rules(fmt: str, rewrite_rules: bool) -> None:
    """List every lint rule with its code, name, severity, fixability and summary."""
    if rewrite_rules:
        _rewrite_rules(fmt)
        return
    from promptsmith.lint.registry import all_rules

    items = all_rules()
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "family": r.family,
                                "severity": r.severity.value, "fix": r.fix.value, "summary": r.summary}
                               for r in items], indent=2))
        return
    width = max(len(r.name) for r in items)
    family = None
    for r in items:
        if r.family != family:
            family = r.family
            click.echo(click.style(f"\n{family}", bold=True))
        fix = {"always": "fix", "sometimes": "fix?", "never": ""}[r.fix.value]
        click.echo(f"  {r.code}  {r.name:<{width}}  {r.severity.value:<7}  {fix:<4}  {r.summary}")
    counts = Counter(r.family for r in items)
    click.echo(f"\n{len(items)} rules: " + ", ".join(f"{n} {f}" for f, n in counts.items()))
    click.echo("fix: every finding comes with a fix; fix?: some findings do. `lint --fix` applies the safe\n"
               "fixes, `--unsafe-fixes` the rest; `promptsmith explain CODE` says which a rule's fix is.")


def _rewrite_rules(fmt: str) -> None:
    """The rewrite rules from their registry, with the built-in rule set's switches."""
    from promptsmith.rewrite.rules.registry import load_rewrite_rules, registered

    known, switches = registered(), load_rewrite_rules()
    if fmt == "json":
        click.echo(json.dumps([{"name": r.name, "stage": r.stage, "enabled": switches.on(r.name), "summary": r.summary}
                               for r in known.values()], indent=2))
        return
    width = max(len(n) for n in known)
    stage = None
    for r in known.values():
        if r.stage != stage:
            stage = r.stage
            click.echo(click.style(f"\n{stage}", bold=True))
        click.echo(f"  {r.name:<{width}}  {'on ' if switches.on(r.name) else 'off'}  {r.summary}")
    click.echo(f"\n{len(known)} rewrite rules; switch one off with `enabled = false` in rewrite/v5-to-v6.toml of a rule directory")


from promptsmith.cli.batch_cmd import batch  # noqa: E402 - click only; Ray loads when a batch command runs

main.add_command(batch)


#: Modules whose objects need a proper interpreter teardown (native handles, an event loop, a
#: model's finalisers). Where none was imported, the light commands skip it.
_NEEDS_TEARDOWN = ("torch", "llama_cpp", "transformers", "diffusers", "sentence_transformers", "textual", "asyncio")
#: Modules whose exit handlers must run (a worker pool's, the resource tracker's), though no
#: object of ours needs collecting.
_NEEDS_EXIT_HANDLERS = ("multiprocessing", "concurrent.futures")


def _exit_on_signals() -> None:
    """Ctrl-C exits 130 and SIGTERM 143 (128 + the signal, as shells report them), not 1, the
    status of "findings"; both unwind normally, so worker processes are stopped on the way out."""
    import signal

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, leave)
        except (ValueError, OSError):  # not the main thread, or a platform without it
            pass


def entry() -> None:
    """The console script: run the CLI, then end the process.

    After a light command (`lint`, `parse`, `explain`, `rules`) nothing is left to clean up, yet
    the interpreter's teardown of pydantic's and the rules' objects takes 30–70 ms here, a fifth
    of a `promptsmith lint` start. So once the output is flushed the process exits at once; a
    command that loaded a model (torch, llama.cpp …) gets the normal teardown.
    """
    for stream in (sys.stdout, sys.stderr):
        try:  # a lone surrogate read from JSON (`\ud800`) is printed escaped, never a traceback
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
    _exit_on_signals()
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    signalled = isinstance(code, int) and code > 128  # the workers are stopped; a reader may hold stdin
    if any(name in sys.modules for name in _NEEDS_TEARDOWN) and not signalled:
        sys.exit(code)
    if any(name in sys.modules for name in _NEEDS_EXIT_HANDLERS) and not signalled:
        # the exit handlers run, but the collector skips the heap it would only free: the final
        # collections over the rules' objects cost 70–100 ms after a batch on worker processes
        gc.freeze()
        sys.exit(code)
    status = 0 if code is None else code if isinstance(code, int) else 1
    if not isinstance(code, (int, type(None))):
        print(code, file=sys.stderr)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # the reader went away, or a stream was closed
        status = status or 1
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    entry()
