"""The parameter fields docked at the foot of the right pane: --s, --c, --weird, --ar, --seed and
--no as inputs, --raw as a checkbox, and the --v select.

Attributes down, messages up: the app hands the fields the parsed prompt (`ParamFields.sync`);
what the user enters reaches the app as the inputs' own messages, which it turns into edits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, Select

#: The text fields: (parameter, label), in the order they are laid out.
PARAM_INPUTS = (("stylize", "--s"), ("chaos", "--c"), ("weird", "--weird"), ("aspect", "--ar"), ("seed", "--seed"),
                ("no", "--no"))


class ParamFields(Vertical):
    """The fields, filled from the prompt's parameters; the --v select shows the version lint reads."""

    def __init__(self, versions: Sequence[str], version: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.versions = tuple(versions)
        self.version = version
        #: True while `sync` writes the fields (the app ignores their messages then).
        self.syncing = False

    def compose(self) -> ComposeResult:
        for name, label in PARAM_INPUTS:
            with Horizontal(classes="field"):
                yield Label(label, classes="field-label")
                yield Input(id=f"param-{name}", classes="param", compact=True)
        with Horizontal(classes="field"):
            yield Checkbox("--raw", id="param-raw", compact=True)
        with Horizontal(classes="field"):
            yield Label("--v", classes="field-label")
            yield Select([(v, v) for v in self.versions], value=self.version, allow_blank=False,
                         id="param-version", compact=True)

    def sync(self, prompt: Any, version: str, read_version: str) -> None:
        """Show `prompt`'s parameters (a field being edited is left alone) and the version it is
        read for: its own --v is edited in the prompt, so the select is disabled then."""
        self.syncing = True
        try:
            for name, _label in PARAM_INPUTS:
                p = prompt.param(name)
                box = self.query_one(f"#param-{name}", Input)
                value = p.raw if p is not None else ""
                if box.value != value and not box.has_focus:
                    box.value = value
            style = prompt.param("style")
            raw = prompt.has("raw") or (style is not None and style.value == "raw")
            raw_box = self.query_one("#param-raw", Checkbox)
            if raw_box.value != raw:
                raw_box.value = raw
            select = self.query_one("#param-version", Select)
            own = read_version != version or any(p.name in ("version", "niji") for p in prompt.params)
            select.disabled = own
            shown = read_version if own else version
            if select.value != shown and shown in self.versions:
                select.value = shown
        finally:
            self.syncing = False
