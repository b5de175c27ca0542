"""Rule modules, one per family. Importing a module registers its rules."""

from __future__ import annotations

import importlib

MODULES = ("syntax", "parameters", "wording", "structure", "compat")


def load_all() -> None:
    """Import every family module (each registers its rules with the registry)."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
