"""The linter: a rule registry, one small function per rule, and an engine that runs them.

`promptsmith.lint` is also callable — `promptsmith.lint(text)` — so the package and the API
function `ps.lint` are one object and neither shadows the other.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    def __call__(self, prompt: Any, *, version: str | None = None, select: list[str] | None = None,
                 ignore: list[str] | None = None) -> Any:
        """Lint a prompt: its diagnostics (`list[Diagnostic]`), sorted by position then code.

        `prompt` is a string or a parsed `Prompt`; an iterable of them gives one list per prompt,
        in order. `version` is the Midjourney version to read it for when it has no `--v`
        (default 6.1); `select`/`ignore` take rule codes, prefixes (`PS2`) or names.
        """
        from promptsmith.lint.engine import lint as _lint  # deferred: keeps this package light
        from promptsmith.core.model import Prompt

        options = {"version": version, "select": select, "ignore": ignore}
        if isinstance(prompt, (str, Prompt)):
            return _lint(prompt, **options)
        if isinstance(prompt, (bytes, bytearray)):
            raise TypeError("ps.lint() takes a str (decode the bytes first), a Prompt, or an iterable of them")
        try:
            items = iter(prompt)
        except TypeError:
            raise TypeError(f"ps.lint() takes a str, a Prompt, or an iterable of them, not "
                            f"{type(prompt).__name__}") from None
        out = []
        for item in items:
            if not isinstance(item, (str, Prompt)):
                raise TypeError(f"ps.lint() got an iterable holding a {type(item).__name__}; each item must be "
                                "a str or a Prompt")
            out.append(_lint(item, **options))
        return out


sys.modules[__name__].__class__ = _CallableModule
