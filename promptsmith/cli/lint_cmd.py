"""`promptsmith lint`: stream records through the linter and print them in the chosen format."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from promptsmith.cli.common import CONTEXT, LINT_TARGET, command_config, input_paths, split_list
from promptsmith.cli.fixed_files import FixedFiles
from promptsmith.cli.output import github_line, sarif, text_block
from promptsmith.config import effective_settings, find_project_config, load_settings
from promptsmith.core.fix import fix_text
from promptsmith.core.model import Applicability, Diagnostic
from promptsmith.errors import PromptsmithError, UnknownRule
from promptsmith.linter.engine import Linter
from promptsmith.linter.registry import Rule, select_rules
from promptsmith.records import (
    INLINE,
    Record,
    display_name,
    dumps,
    input_format_for,
    read_records,
    record_json,
    records_from_lines,
)
from promptsmith.session import Session
from promptsmith.settings import Settings


def _unique(paths: list[str]) -> list[str]:
    """The paths in order, each file once (`lint --fix a.txt a.txt` must not fix it twice)."""
    seen: set[str] = set()
    out = []
    for path in paths:
        key = path if path == "-" else os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out


#: File names a directory is searched for (recursively): prompt files by extension.
PROMPT_FILES = (".txt", ".prompt", ".prompts", ".jsonl", ".ndjson")


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given, directories as the prompt files under them (sorted), anything else that
    is not a path as an inline prompt (kept as is: `_records` tells them apart)."""
    out: list[str] = []
    for path in paths:
        if path != "-" and os.path.isdir(path):
            found = sorted(str(p) for p in Path(path).rglob("*")
                           if p.suffix.lower() in PROMPT_FILES and p.is_file() and not p.name.startswith("."))
            out.extend(found)
        else:
            out.append(path)
    return out


def _is_inline(path: str) -> bool:
    """A command-line argument that names no file is a prompt: `lint "portrait, 8k --v 6"`."""
    return path != "-" and not os.path.exists(path) and (any(c.isspace() for c in path) or "," in path
                                                        or "--" in path or not Path(path).suffix)


def _records(paths: list[str], input_format: str | None, unreadable: dict[str, str]) -> Iterator[tuple[str, Record]]:
    """The records of every path in turn; a file that cannot be read (gone, a directory, an I/O
    error half way) is noted in `unreadable` with the reason, and the next one is read."""
    for path in paths:
        if _is_inline(path):
            if not (any(c.isspace() for c in path) or "," in path or "--" in path):
                click.echo(f"{path}: no such file; linting it as a prompt", err=True)  # `lint prompts` (a typo?)
            try:
                data = path.encode("utf-8") + b"\n"
            except UnicodeEncodeError:  # a byte that is not UTF-8 came in argv (as a surrogate escape)
                data = path.encode("utf-8", "surrogateescape") + b"\n"
                yield "text", next(records_from_lines([data], INLINE, "text"))  # an error record, as in a file
                continue
            yield "text", Record(INLINE, 1, path, raw=path, data=data, ending="\n")
            continue
        fmt = input_format_for(path, input_format)
        try:
            for rec in read_records(path, fmt):
                yield fmt, rec
        except PromptsmithError as exc:
            unreadable[path] = str(exc)
        except OSError as exc:
            unreadable[path] = f"cannot read {path}: {exc.strerror or exc}"


def run_lint(paths: list[str], config: Settings, *, fmt: str, fix: bool, unsafe: bool,
             input_format: str | None, colour: bool | None, exit_zero: bool = False, quiet: bool = False,
             statistics: bool = False, diff: bool = False, show_fixes: bool = False,
             config_for: Callable[[str], Settings] | None = None) -> int:
    """Lint every record; returns the exit status (0 clean, 1 findings, 2 bad input).

    `diff` shows the fixes as a unified diff and writes nothing (exit 1 when there is one);
    `statistics` prints a count per rule instead of the findings; `quiet` leaves out the summary;
    `exit_zero` exits 0 on findings (bad input still exits 2)."""
    if diff:
        fix = True
    sessions: dict[tuple[Any, ...], Session] = {}

    def linter_for(c: Settings) -> Linter:
        """One session per distinct setting (files under different project configs differ)."""
        key = (c.target_version, c.selected, c.ignore, c.rule_dirs)
        if key not in sessions:
            sessions[key] = Session(c)
        return sessions[key].linter()

    linter = linter_for(config)
    out = sys.stdout
    err = sys.stderr
    use_colour = out.isatty() if colour is None else colour
    found = fixed_count = fixable = bad_input = 0
    collected: list[tuple[str, int, Diagnostic]] = []
    json_records: list[str] = []
    # --fix on files rewrites them once all their lines are read; stdin is echoed fixed.
    fixed_files = FixedFiles()
    counts: dict[str, list[Any]] = {}  # code → [count, name, fixable] for --statistics
    fixes_by_file: dict[str, dict[str, int]] = {}  # --show-fixes
    if statistics:
        fmt = "statistics"

    unreadable: dict[str, str] = {}  # a file that could not be read (to its end): why
    for input_fmt, rec in _records(_unique(paths), input_format, unreadable):
        name = display_name(rec.file)
        if not rec.error:
            prompt_text = rec.prompt
            if config_for is not None:
                linter = linter_for(config_for(rec.file))
            check: Callable[[str], list[Diagnostic]] = linter.lint
            if rec.noqa is not None:
                check = _suppressing(linter, rec, name)
            try:
                if fix and prompt_text.strip():
                    result = fix_text(prompt_text, check, unsafe=unsafe)
                    prompt_text, diags = result.text, list(result.remaining)
                else:
                    result, diags = None, check(prompt_text) if prompt_text.strip() else []
            except Exception as exc:
                rec.error = f"internal error, please report it: {type(exc).__name__}: {str(exc)[:200]}"
                fixed_files.fail(rec.file, rec.line, "could not be linted")
        if rec.error:
            bad_input += 1
            click.echo(f"{name}:{rec.line}: error: {rec.error}", err=True)
            if fix:
                fixed_files.add(rec, None)
            if fmt == "jsonl":
                out.write(record_json(rec.line, "", [], file=name, error=rec.error, **rec.extra) + "\n")
            continue
        if result is not None:
            fixed_count += len(result.applied)
            for d in result.applied:
                per = fixes_by_file.setdefault(name, {})
                per[d.code] = per.get(d.code, 0) + 1
        if fix:
            fixed_files.add(rec, _line_for(rec, input_fmt, prompt_text) if prompt_text != rec.prompt else None)
        found += len(diags)
        fixable += sum(1 for d in diags if d.fix is not None and
                       (d.fix.applicability is Applicability.SAFE or unsafe))
        if fmt == "jsonl":  # every input line gets its record, an empty prompt too
            out.write(record_json(rec.line, prompt_text, diags, file=name, **rec.extra) + "\n")
            out.flush()
        elif fmt == "json":
            json_records.append(record_json(rec.line, prompt_text, diags, file=name, **rec.extra))
        elif fmt == "statistics":
            for d in diags:
                entry = counts.setdefault(d.code, [0, d.name, False])
                entry[0] += 1
                entry[2] = entry[2] or (d.fix is not None and (d.fix.applicability is Applicability.SAFE or unsafe))
        elif fmt == "text":
            stream = err if (fix and rec.file in ("-", INLINE) and not diff) else out
            for d in diags:
                stream.write(text_block(name, rec.line, prompt_text, d, use_colour) + "\n\n")
        elif fmt == "github":
            for d in diags:
                out.write(github_line(name, rec.line, d) + "\n")
        else:
            collected.extend((name, rec.line, d) for d in diags)

    if fmt == "json":
        out.write("[" + ",\n ".join(json_records) + "]\n")
    elif fmt == "sarif":
        rules: list[Rule] = list(linter.rules)
        out.write(sarif(collected, rules) + "\n")

    for path, why in unreadable.items():
        bad_input += 1
        click.echo(f"{display_name(path)}: error: {why}", err=True)
        fixed_files.fail(path, 0, "could not be read to its end")
    changed = False
    if diff:
        changed = fixed_files.diff(out)
    elif fix:
        bad_input += fixed_files.write(echo_stdin=fmt == "text")
    if statistics:
        for code, (n, rule_name, can_fix) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0])):
            out.write(f"{n:5d}\t{code}\t{'[*] ' if can_fix else '    '}{rule_name}\n")
    if show_fixes and fixes_by_file and not diff:
        stream = err if any(p in ("-", INLINE) for p in fixes_by_file) else out
        stream.write(f"Fixed {fixed_count} finding{'s' if fixed_count != 1 else ''}:\n")
        for file_name, per in fixes_by_file.items():
            stream.write(f"- {file_name}:\n")
            for code, n in sorted(per.items()):
                stream.write(f"    {n} × {code}\n")
    if fmt in ("text", "statistics") and not quiet and not diff:
        summary_stream = err if (fix and any(p == "-" or _is_inline(p) for p in paths)) else out
        _summary(summary_stream, found, fixed_count, fixable, fix, unsafe)
    if bad_input:
        return 2
    if exit_zero:
        return 0
    if diff:
        return 1 if changed else 0
    return 1 if found else 0


def _line_for(rec: Record, input_fmt: str, text: str) -> str:
    """The fixed line: the text (with its `# noqa` comment), or the JSON object with its "prompt"
    replaced (keys in their order)."""
    if input_fmt == "jsonl":
        obj = json.loads(rec.raw)
        obj["prompt"] = text
        return dumps(obj)
    return text + rec.noqa_comment


def _suppressing(linter: Linter, rec: Record, name: str) -> Callable[[str], list[Diagnostic]]:
    """The linter without the findings this line's `noqa` suppresses (they are not fixed either,
    as in ruff). A selector that names no rule is warned about and the others still apply."""
    if not rec.noqa:
        return lambda text: []
    codes: set[str] = set()
    for selector in rec.noqa:
        try:
            codes.update(r.code for r in select_rules([selector]))
        except UnknownRule:
            click.echo(f"{name}:{rec.line}: warning: noqa names no rule: {selector}", err=True)
    return lambda text: [d for d in linter.lint(text) if d.code not in codes]


def _summary(stream, found: int, fixed: int, fixable: int, fix: bool, unsafe: bool) -> None:
    parts = []
    if fix and fixed:
        parts.append(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.")
    if found:
        line = f"Found {found} finding{'s' if found != 1 else ''}"
        if fixable and not fix:
            line += f" ({fixable} fixable with `--fix`{' --unsafe-fixes' if unsafe else ''})"
        parts.append(line + ".")
    elif not fixed:
        parts.append("All checks passed!")
    stream.write("\n".join(parts) + "\n")
    if sys.stdout is not None:
        stream.flush()


@click.command(context_settings=CONTEXT)
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
@LINT_TARGET
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
    overrides = dict(target_version=target_version, target=target, select=split_list(select), ignore=split_list(ignore),
                     extend_select=split_list(extend_select))
    try:
        base = load_settings(project=Path(config_file)) if config_file else command_config(ctx)
        base = base.with_overrides(**overrides)
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
        status = run_lint(
            expand_paths(input_paths(files)),
            base,
            fmt=fmt,
            fix=fix,
            unsafe=unsafe_fixes,
            input_format=input_format,
            colour=color,
            exit_zero=exit_zero,
            quiet=quiet,
            statistics=statistics,
            diff=diff,
            show_fixes=show_fixes,
            config_for=config_for,
        )
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    ctx.exit(status)


def _print_settings(config: Any) -> None:
    """Each setting with the value in force and where it came from (default, a file, the
    environment, a flag); an unset one shows what is used in its place."""
    for key, shown, source in effective_settings(config):
        click.echo(f"{key:22} {shown!s:40} ({source})")
