"""The modal screens: help (keys and rules) and history (earlier rewrites)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, ListItem, ListView, Markdown

from promptsmith.linter.registry import all_rules
from promptsmith.tui.actions import ACTIONS, QUIET_ACTIONS


class HelpScreen(ModalScreen[None]):
    """Keys and rules."""

    BINDINGS = [Binding("escape,q,f1", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        display = self.app.get_key_display
        keys = "\n".join(f"| `{display(Binding(a.key, a.action))}` | {a.title} |" for a in ACTIONS + QUIET_ACTIONS)
        keys += "\n| `tab` | Move between the editor, the findings, the brief and the parameter fields |"
        keys += "\n| `^p` | Command palette: every action above, by name |"
        # a list, not a table: a table squeezed to 80 columns cut the codes to `PS4…`
        rules = "\n".join(f"- **{r.code}** `{r.name}`: {r.summary}" for r in all_rules())
        yield VerticalScroll(Markdown(
            "# promptsmith\n\nEdit the prompt on the left: findings update as you type. "
            "Everything is also in the command palette (ctrl+p).\n\n| key | action |\n|---|---|\n" + keys
            + "\n\n## Rules\n\nEach rule's code, its name and what it finds.\n\n" + rules), id="help")


class HistoryScreen(ModalScreen[str | None]):
    """Earlier rewrites (this session and before); enter loads one into the editor. Each entry is
    one line for the prompt and one for the brief, cut to the modal's width (not a fixed count)."""

    BINDINGS = [Binding("escape", "dismiss_none", "Close")]

    def __init__(self, entries: list[Any]) -> None:
        super().__init__()
        self.entries = entries

    def compose(self) -> ComposeResult:
        items = [ListItem(Label(Text(e.input), classes="history-input"),
                          Label(Text("→ " + e.output), classes="history-output"), name=str(i))
                 for i, e in enumerate(self.entries)]
        yield Vertical(Label("history — enter loads the prompt, escape closes", id="history-title"),
                       ListView(*items, id="history-list") if items else Label("no history yet"), id="history")

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        self.dismiss(self.entries[int(event.item.name or 0)].input)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
