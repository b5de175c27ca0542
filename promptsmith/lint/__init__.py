"""The linter: a rule registry, one small function per rule, and an engine that runs them.

`promptsmith.lint` is the API function (`help(promptsmith.lint)` shows its signature); this
package is also callable, the same function, for code that reaches it as a module.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    def __call__(self, prompt: Any, **options: Any) -> Any:
        """`promptsmith.lint(...)`, the API function (see its docstring)."""
        import promptsmith

        return promptsmith.lint(prompt, **options)


sys.modules[__name__].__class__ = _CallableModule
