"""The linter: a rule registry, one small function per rule, and an engine that runs them.

`promptsmith.lint` is also callable — `promptsmith.lint(text)` — so the package and the API
function `ps.lint` are one object and neither shadows the other.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    def __call__(self, prompt: Any, **options: Any) -> Any:
        """Lint a prompt (text or parsed); see `promptsmith.lint.engine.lint`."""
        from promptsmith.lint.engine import lint as _lint  # deferred: keeps this package light

        return _lint(prompt, **options)


sys.modules[__name__].__class__ = _CallableModule
