"""Editing a prompt's parameters in place: what the TUI's parameter widgets (and scripts) call."""

from __future__ import annotations

from promptsmith.core.parse import parse
from promptsmith.core.spec import load_spec


def set_param(text: str, name: str, value: str | bool | None) -> str:
    """`text` with parameter `name` (canonical) set to `value`; None or False removes it, True
    writes a flag. Other parameters and the text are left exactly as written."""
    spec = load_spec()
    prompt = parse(text)
    pspec = spec.params.get(name)
    if pspec is None:
        raise ValueError(f"unknown parameter {name!r}")
    existing = [p for p in prompt.params if p.name == name]
    if value is None or value is False or (isinstance(value, str) and not value.strip()):
        new = ""
    elif value is True or pspec.is_flag:
        new = f"--{pspec.render}"
    else:
        new = f"--{pspec.render} {str(value).strip()}"
    if existing:
        first, rest = existing[0], existing[1:]
        out = text
        for p in reversed(rest):  # drop repeats, keep the first place
            out = out[: p.span.start].rstrip() + out[p.span.end :]
        out = out[: first.span.start] + new + out[first.span.end :]
        return " ".join(out.split())
    if not new:
        return text
    return f"{text.rstrip()} {new}".strip()

