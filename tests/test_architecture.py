"""Structure of the package: one-way imports, one copy of each packed layout."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "adexmf"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Intra-package imports of every module (anywhere in the module, lazy ones included)."""
    modules = {_module_name(p): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - (node.level - 1)] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                targets = [module] + [f"{module}.{a.name}" for a in node.names]
            for target in targets:
                # A package importing its own submodules (or a module its parent) is not a cycle.
                if target in modules and target != name and not target.startswith(name + "."):
                    if not name.startswith(target + "."):
                        graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_meanfield_layers_import_one_way():
    graph = import_graph()
    upper = {"adexmf.meanfield.analysis", "adexmf.meanfield.integrate"}
    for low in ("node", "model", "fixedpoints", "observables"):
        imported = graph[f"adexmf.meanfield.{low}"]
        assert not imported & upper, (low, imported & upper)
    assert "adexmf.meanfield.model" not in graph["adexmf.meanfield.node"]


def test_kernels_index_packed_vectors_by_name():
    """No bare numeric index into a packed vector (p, mp, pe, pi) outside adexmf.layouts."""
    pattern = re.compile(r"\b(mp|pe|pi|p)\[\s*\d")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for k, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{k}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
