"""The import graph of `promptsmith`, read from the source (ast), and the layering it must keep.

Nodes are the project's modules; an edge is every `import` / `from … import` of a project module,
at the top of a file or inside a function. The test fails on a cycle among the modules under
`promptsmith.rewriters`, on any `promptsmith.scale… → promptsmith.cli…` edge, and on any edge from
`promptsmith.core…` to `promptsmith.services`, `cli`, `tui` or `rewriters`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "promptsmith"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    """Every module of the package (rules/ is data, not code)."""
    return {
        _module_name(p): p
        for p in sorted(ROOT.rglob("*.py"))
        if "rules" not in p.relative_to(ROOT).parts[:1]
    }


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` names, or its nearest enclosing package; None outside the project."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `module` imports, anywhere in the file."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports the submodule when there is one, else a name from pkg
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            resolved = _resolve(target, modules)
            if resolved is not None and resolved != module:
                found.add(resolved)
    return found


def import_graph() -> dict[str, set[str]]:
    """module → the project modules it imports."""
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _cycles(graph: dict[str, set[str]], within: str) -> list[list[str]]:
    """One cycle per strongly connected group among the modules under `within`, as a path."""
    nodes = {m for m in graph if _in(m, within)}
    edges = {m: sorted(t for t in graph[m] if t in nodes) for m in nodes}
    cycles: list[list[str]] = []
    done: set[str] = set()
    for start in sorted(nodes):
        if start in done:
            continue
        # depth-first search for a path from start back to start
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, path = stack.pop()
            for nxt in edges[node]:
                if nxt == start:
                    cycles.append([*path, start])
                    done.update(path)
                    stack.clear()
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    return cycles


def _edges(graph: dict[str, set[str]], source: str, targets: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{m} → {t}"
        for m, imported in graph.items()
        if _in(m, source)
        for t in imported
        if any(_in(t, p) for p in targets)
    )


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert "promptsmith.session" in graph
    assert any(_in(m, "promptsmith.core") for m in graph["promptsmith.linter.engine"])


def test_no_cycle_in_rewrite() -> None:
    cycles = _cycles(import_graph(), "promptsmith.rewriters")
    assert not cycles, "import cycles in promptsmith.rewriters:\n" + "\n".join(" → ".join(c) for c in cycles)


def test_scale_does_not_import_cli() -> None:
    bad = _edges(import_graph(), "promptsmith.scale", ("promptsmith.cli",))
    assert not bad, "promptsmith.scale imports promptsmith.cli:\n" + "\n".join(bad)


def test_core_imports_no_upper_layer() -> None:
    upper = ("promptsmith.services", "promptsmith.cli", "promptsmith.tui", "promptsmith.rewriters")
    bad = _edges(import_graph(), "promptsmith.core", upper)
    assert not bad, "promptsmith.core imports a layer above it:\n" + "\n".join(bad)
