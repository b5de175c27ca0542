"""Issue 31: the TUI agrees with the CLI — the version it reads a prompt for, the fix key acting
on the selected finding only, and one fix mark for every face."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.widgets import Select

from promptsmith.backends.fake import HashEmbedder
from promptsmith.tui.app import PromptsmithApp
from promptsmith.tui.widgets import DiagnosticsView, ParamsView

pytestmark = pytest.mark.slow


def app(tmp_path: Path, prompt: str = "") -> PromptsmithApp:
    return PromptsmithApp(prompt, history_path=tmp_path / "history.sqlite", embedder=HashEmbedder())


def plain(widget) -> str:
    return str(widget.render())


async def test_parameters_are_read_for_the_prompts_own_version(tmp_path: Path) -> None:
    a = app(tmp_path, "a red fox in snow --s 250 --v 5")
    async with a.run_test() as pilot:
        await pilot.pause()
        assert "parameters (read for 5)" in plain(a.query_one(ParamsView))
        select = a.query_one("#param-version", Select)
        assert select.value == "5" and select.disabled
        from promptsmith.registries import default_version

        assert a.state.version == default_version()  # the chosen version for prompts without --v is untouched


async def test_the_fix_key_acts_on_the_selected_finding_or_says_it_has_none(tmp_path: Path) -> None:
    prompt = ("portrait, 8k, dramatic, cinematic, moody, dark, gritty, grainy, film, vintage, retro, "
              "sepia, noir, shadowy, smoky, rainy, foggy, misty, hazy")
    a = app(tmp_path, prompt)
    async with a.run_test() as pilot:
        await pilot.pause()
        codes = [row[0].code for row in a.state.rows]
        assert "PS204" in codes and "PS201" in codes
        a.state.selected = codes.index("PS204")
        notes: list[str] = []
        a.notify = lambda message, **_: notes.append(message)  # type: ignore[method-assign]
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert a.text == prompt and notes == ["PS204 has no fix"]


async def test_an_unsafe_fix_is_marked_as_the_cli_marks_it(tmp_path: Path) -> None:
    from promptsmith.cli.main import main

    prompt = "a cat --s 5000"
    cli = CliRunner().invoke(main, ["lint", prompt]).stdout
    assert "PS101 [unsafe fix]" in cli
    a = app(tmp_path, prompt)
    async with a.run_test() as pilot:
        await pilot.pause()
        shown = plain(a.query_one(DiagnosticsView))
        assert "PS101 [unsafe fix]" in shown and "PS101 [*]" not in shown
        notes: list[str] = []
        a.notify = lambda message, **_: notes.append(message)  # type: ignore[method-assign]
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert "unsafe fix left" in notes[-1]  # fix-all says what it skipped


async def test_a_comparison_leaves_the_screen_when_the_prompt_changes(tmp_path: Path) -> None:
    a = app(tmp_path, "old fisherman portrait, oil painting, 8k")
    async with a.run_test() as pilot:
        await pilot.press("ctrl+r")
        await a.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("ctrl+k")
        await a.workers.wait_for_complete()
        await pilot.pause()
        assert "similarity" in plain(a.query_one("#comparison"))
        await pilot.press("end", *" at dawn")
        await pilot.pause()
        assert "similarity" not in plain(a.query_one("#comparison"))
