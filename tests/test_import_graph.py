"""The house's shape (issue 21): no import circle in muscle_lab, imports under TYPE_CHECKING
included (they made the window a hub panels reached into), and the lab model without widgets."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "muscle_lab"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the muscle_lab modules it imports anywhere in its text (functions and TYPE_CHECKING too)."""
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}

    def known(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {known(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([node.module] if node.module else []))
                targets |= {known(f"{base}.{alias.name}") or known(base) for alias in node.names}
        graph[module] = {target for target in targets if target is not None and target != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_in_a_circle():
    graph = import_graph()
    assert "muscle_lab.qt.main_window" in graph and "muscle_lab.qt.lab" in graph
    assert cycles(graph) == []


def test_the_graph_finds_a_circle_through_type_checking_imports():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_lab_model_loads_no_widgets_nor_opensim():
    code = (
        "import sys, muscle_lab.qt.lab; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyqtgraph', 'opensim') "
        "or m in ('PyQt5.QtWidgets', 'PyQt5.QtGui')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_every_module_stays_a_few_hundred_lines():
    """Rooms stay small (issue 21): a module past 500 lines wants splitting by what it does."""
    sizes = {module_name(path): len(path.read_text(encoding="utf-8").splitlines()) for path in PACKAGE.rglob("*.py")}
    assert {module: lines for module, lines in sizes.items() if lines > 500} == {}
    assert len(sizes) > 100  # every module was read


def test_the_main_window_only_builds_and_lays_out():
    from muscle_lab.qt import main_window

    source = Path(main_window.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    (window,) = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "MainWindow"]
    assert window.end_lineno - window.lineno + 1 < 400
