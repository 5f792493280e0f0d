"""The layout README's "How the code is laid out" promises: modules that fit in one read, imports
without a circle, and arrows one way (examapp -> importers, reports; never back)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """What the module imports when it is loaded (top-level statements, not those inside functions)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _graph(package: str) -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in (ROOT / package).rglob("*.py")}
    return {name: {d for d in _imports(path) if d in paths and d != name} for name, path in paths.items()}


def test_no_module_of_the_application_is_over_400_lines():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "examapp").rglob("*.py") if "migrations" not in p.parts}
    long = {path: n for path, n in sizes.items() if n > MAX_LINES}
    assert long == {}


def test_the_import_graph_has_no_circle():
    graph = _graph("examapp")
    state: dict[str, int] = {}
    circles = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph[name]):
            if state.get(dep) == 1:
                circles.append(" -> ".join(path[path.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep, path + [dep])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_importers_and_reports_never_import_the_application():
    for package in ("importers", "reports"):
        for path in (ROOT / package).rglob("*.py"):
            assert not {d for d in _imports(path) if d.split(".")[0] == "examapp"}, path
