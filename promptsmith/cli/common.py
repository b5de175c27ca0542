"""What the commands share: the click context settings, the `--workers` type, the linters'
`--target`, a command's settings and session, and reading from stdin (or refusing to, when it is a
terminal)."""

from __future__ import annotations

import sys
from typing import Any

import click

from promptsmith.config import load_settings
from promptsmith.errors import PromptsmithError
from promptsmith.session import Session
from promptsmith.settings import Settings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
#: `--workers auto` runs one process per physical core from this many prompts in a file on.
AUTO_WORKERS_LINES = 200


class _Workers(click.ParamType):
    """`auto` (None: the command decides) or a process count from 1 to 64."""

    name = "auto|N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int | None:
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
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

#: `--target` as the linters read it: `promptsmith lint` and `promptsmith batch lint` (one text).
LINT_TARGET = click.option(
    "--target", default=None, metavar="TARGET",
    help="The model the prompts go to (rewrite --target's names): with sd15/sdxl, PS206 counts real CLIP "
         "tokens against 77; with flux/sd3/qwen-image, an upper bound against 512. Config key: target.")


def command_config(ctx: click.Context) -> Settings:
    """The `Settings` the config files and the environment give (read once per command)."""
    obj = ctx.ensure_object(dict)
    if "config" not in obj:
        try:
            obj["config"] = load_settings()
        except PromptsmithError as exc:
            raise click.UsageError(str(exc)) from exc
    config: Settings = obj["config"]
    return config


def command_session(ctx: click.Context, **overrides: Any) -> Session:
    """The command's `Session`: the settings with the flags on top (a bad setting is a usage error)."""
    try:
        return Session(command_config(ctx).with_overrides(**overrides))
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc


def split_list(values: tuple[str, ...]) -> tuple[str, ...] | None:
    """Repeated comma lists (`--select PS1,PS2 --select PS4`) as one tuple; None when empty."""
    out = tuple(v.strip() for value in values for v in value.split(",") if v.strip())
    return out or None


def stdin_is_interactive() -> bool:
    """Whether stdin is a terminal (or missing): then there is nothing piped in to read."""
    return sys.stdin is None or sys.stdin.isatty()


def stdin_text() -> str:
    """A prompt given as `-`: stdin, read whole, its line breaks read as spaces."""
    if stdin_is_interactive():
        raise click.UsageError("- reads the prompt from stdin, and stdin is a terminal: pipe a prompt in")
    return " ".join(sys.stdin.read().split())


def input_paths(files: tuple[str, ...]) -> list[str]:
    """The files to read: those given, else `-` (stdin) when something is piped in."""
    if files:
        return list(files)
    if stdin_is_interactive():
        raise click.UsageError("no input: give FILE arguments, or `-` / a pipe for standard input")
    return ["-"]
