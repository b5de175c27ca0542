"""Pilot tests of the TUI's main flows, against the real services."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptsmith.backends.fake import HashEmbedder
from promptsmith.tui.app import PromptsmithApp
from promptsmith.tui.widgets import DiagnosticsView, RewriteView

pytestmark = pytest.mark.slow


def app(tmp_path: Path, prompt: str = "") -> PromptsmithApp:
    return PromptsmithApp(prompt, history_path=tmp_path / "history.sqlite", embedder=HashEmbedder())


def plain(widget) -> str:
    return str(widget.render())


async def test_typing_shows_diagnostics_live(tmp_path: Path) -> None:
    a = app(tmp_path)
    async with a.run_test() as pilot:
        await pilot.press(*"cat, 8k --s 5000")
        await pilot.pause()
        codes = [d.code for d in a.state.diagnostics]
        assert "PS101" in codes and "PS201" in codes
        assert "PS101" in plain(a.query_one(DiagnosticsView))


async def test_apply_a_fix_from_the_keyboard(tmp_path: Path) -> None:
    a = app(tmp_path, "a lighthouse at dusk –ar 16:9")
    async with a.run_test() as pilot:
        assert a.state.diagnostics[0].code == "PS004"
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert a.text == "a lighthouse at dusk --ar 16:9"
        assert not any(d.code == "PS004" for d in a.state.diagnostics)


async def test_ctrl_r_rewrites_and_shows_the_brief(tmp_path: Path) -> None:
    a = app(tmp_path, "old fisherman portrait, oil painting, rembrandt style, 8k")
    async with a.run_test() as pilot:
        await pilot.press("ctrl+r")
        await a.workers.wait_for_complete()
        await pilot.pause()
        shown = plain(a.query_one(RewriteView))
        assert "A portrait of an old fisherman, an oil painting in the style of Rembrandt." in shown
        assert "filler-quality-token" in shown
        await pilot.press("ctrl+k")
        await a.workers.wait_for_complete()
        await pilot.pause()
        assert "similarity" in plain(a.query_one("#comparison"))


async def test_changing_a_parameter_updates_the_prompt(tmp_path: Path) -> None:
    a = app(tmp_path, "a red fox in snow --ar 3:2")
    async with a.run_test() as pilot:
        a.query_one("#param-stylize").focus()
        await pilot.press(*"250", "enter")
        await pilot.pause()
        assert a.text == "a red fox in snow --ar 3:2 --s 250"
        a.query_one("#param-aspect").focus()
        a.query_one("#param-aspect").value = "16:9"
        await pilot.press("enter")
        await pilot.pause()
        assert "--ar 16:9" in a.text and "--ar 3:2" not in a.text
        a.query_one("#param-raw").toggle()
        await pilot.pause()
        assert "--raw" in a.text


async def test_history_keeps_rewrites_across_sessions(tmp_path: Path) -> None:
    first = app(tmp_path, "a cat, 8k")
    async with first.run_test() as pilot:
        await pilot.press("ctrl+r")
        await first.workers.wait_for_complete()
        await pilot.pause()
    second = app(tmp_path)
    async with second.run_test() as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert second.text == "a cat, 8k"


async def test_help_and_engine_cycle(tmp_path: Path) -> None:
    a = app(tmp_path, "x")
    async with a.run_test() as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert a.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.press("ctrl+e")
        assert a.state.engine.label == "llm rank"


async def test_preview_renders_on_the_server_and_shows_the_grid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview flow against a real render server on loopback, with a stand-in renderer."""
    import threading

    from PIL import Image

    from promptsmith.services.server import make_server

    class SolidRenderer:  # a fake renderer: the server, HTTP client and grid code are real
        def render(self, plan, steps=None):
            return [Image.new("RGB", (32, 32), (40 * k, 90, 160)) for k in range(4)], {"render_seconds": 0.0}

    server = make_server(SolidRenderer(), family="sd15", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.chdir(tmp_path)
    a = PromptsmithApp(
        "a red fox --seed 3", history_path=tmp_path / "h.sqlite", backend=f"http://127.0.0.1:{server.server_port}"
    )
    try:
        async with a.run_test() as pilot:
            await pilot.press("ctrl+g")
            await a.workers.wait_for_complete()
            await pilot.pause()
            assert "preview:" in plain(a.query_one("#status"))
            assert a.query("#grid-image")
            assert list((tmp_path / "previews").glob("*.png"))
    finally:
        server.shutdown()
        server.server_close()
