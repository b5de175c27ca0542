"""The TUI's actions, defined once: the key bar, the key bindings, the command palette and the help
screen all read this table, so they list the same actions in the same order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from textual.app import SystemCommand
from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    """One thing the app does: its key, the app action it runs, a short label for the key bar and
    a title for the palette and the help screen."""

    key: str
    action: str
    label: str
    title: str
    in_key_bar: bool = True


#: In the order the key bar shows them. Every key is one a terminal can send (ctrl+shift+f is
#: ctrl+f in most terminals, so Fix all is ctrl+l).
ACTIONS: tuple[Action, ...] = (
    Action("ctrl+r", "rewrite", "Rewrite", "Rewrite the prompt into a brief"),
    Action("ctrl+f", "apply_fix", "Fix", "Apply the selected finding's fix"),
    Action("ctrl+l", "fix_all", "Fix all", "Apply every safe fix"),
    Action("ctrl+n", "next_diagnostic", "Next", "Select the next finding"),
    Action("ctrl+e", "cycle_engine", "Engine", "Switch the rewrite engine"),
    Action("ctrl+k", "compare", "Compare", "Compare the brief with the prompt"),
    Action("ctrl+g", "preview", "Preview", "Preview the prompt on the render server"),
    Action("ctrl+y", "copy", "Copy", "Copy the brief (when it is current)"),
    Action("ctrl+o", "history", "History", "Show earlier rewrites"),
    Action("f1", "help", "Help", "Help: keys and rules"),
    Action("ctrl+q", "quit", "Quit", "Quit promptsmith"),
)

#: Actions with a key but no place in the key bar (the status line says when esc applies).
QUIET_ACTIONS: tuple[Action, ...] = (
    Action("escape", "cancel", "Cancel", "Cancel the running rewrite or comparison", in_key_bar=False),
)

#: Palette-only commands (no key).
PALETTE_ONLY: tuple[Action, ...] = (
    Action("", "copy_prompt", "", "Copy the prompt as it is", in_key_bar=False),
    Action("", "cycle_target", "", "Switch the rewrite target (Midjourney, sd15, sdxl, flux, sd3, qwen-image)",
           in_key_bar=False),
)


def bindings() -> list[Binding]:
    """The app's key bindings, from the table. Priority: the editor would otherwise take these
    keys (ctrl+k kills a line, ctrl+e ends one, ctrl+y redoes…). Escape is not priority, so an
    open select list still closes with it."""
    out = [Binding(a.key, a.action, a.label, show=False, priority=True) for a in ACTIONS]
    out += [Binding(a.key, a.action, a.label, show=False) for a in QUIET_ACTIONS]
    return out


def key_bar_items(display: Callable[[Binding], str]) -> list[tuple[str, str, str]]:
    """The key bar's items, (key as `display` shows it, label, action), then the palette's."""
    items = [(display(Binding(a.key, a.action)), a.label, a.action) for a in ACTIONS if a.in_key_bar]
    return items + [("^p", "Palette", "command_palette")]


def palette_commands(display: Callable[[Binding], str], app: Any) -> Iterator[SystemCommand]:
    """Every action of the table once, for the command palette: its title, its key (as `display`
    shows it) and `app`'s method that runs it."""
    for a in ACTIONS + PALETTE_ONLY:
        key = f"key {display(Binding(a.key, a.action))}" if a.key else "no key"
        yield SystemCommand(a.title, key, getattr(app, f"action_{a.action}"))
