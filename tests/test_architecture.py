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


# ------------------------------------------------------------------ packages and sizes
def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The import graph between the package's sub-packages (top-level modules count as their
    own package): ``adexmf.compare.stationary -> adexmf.network.model`` is compare -> network."""

    def package(module: str) -> str:
        parts = module.split(".")
        return parts[1] if len(parts) > 1 else parts[0]

    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        mine = package(module)
        if mine == "adexmf":  # the package root re-exports the public names
            continue
        deps = {package(t) for t in targets} - {mine, "adexmf"}
        packages.setdefault(mine, set()).update(deps)
    return packages


def test_no_import_cycle_between_packages():
    """A cycle between packages (study -> report -> study) hides the real layering even when
    no two modules import each other."""
    cycle = find_cycle(package_graph(import_graph()))
    assert cycle is None, "package cycle: " + " -> ".join(cycle or [])


def test_package_cycle_finder_sees_cycles_across_modules():
    graph = {"adexmf.a.x": {"adexmf.b.y"}, "adexmf.b.z": {"adexmf.a.w"},
             "adexmf.a.w": set(), "adexmf.b.y": set()}  # fmt: skip
    assert find_cycle(package_graph(graph)) is not None


#: Modules allowed to import the package's own modules inside a function, with the reason.
#: Outside the command line (whose commands load their stage on demand), nothing else may.
LAZY_IMPORTS: dict[str, str] = {}


def function_level_imports(root: Path = PACKAGE) -> dict[str, list[str]]:
    """Imports of adexmf's own modules inside functions, per module, outside ``cli/``."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        if "cli" in path.relative_to(root).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                own = isinstance(inner, ast.ImportFrom) and (
                    inner.level > 0 or (inner.module or "").startswith("adexmf")
                )
                own |= isinstance(inner, ast.Import) and any(
                    a.name.startswith("adexmf") for a in inner.names
                )
                if own:
                    found.setdefault(_module_name(path), []).append(ast.unparse(inner))
    return found


def test_own_modules_are_imported_at_module_level():
    found = function_level_imports()
    total = sum(len(v) for v in found.values())
    unlisted = {m: v for m, v in found.items() if m not in LAZY_IMPORTS}
    assert not unlisted, f"function-level imports without a listed reason: {unlisted}"
    assert total <= 10, f"{total} function-level imports outside cli/ (at most 10): {found}"


MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def test_modules_stay_small():
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines())
             for p in PACKAGE.rglob("*.py")}  # fmt: skip
    big = {p: n for p, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not big, f"modules over {MAX_MODULE_LINES} lines: {big}"


def _is_kernel(node: ast.FunctionDef) -> bool:
    """A compiled kernel (its body is left as it is: an edit costs users a cold compile)."""
    return any("jit" in ast.unparse(d) for d in node.decorator_list)


def test_functions_fit_on_a_screen():
    long = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not _is_kernel(node):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({n})")
    assert not long, "functions over 80 lines: " + ", ".join(long)


OPTION = re.compile(r"""(?<![\w-])--[a-z][a-z0-9-]+""")


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring constants of a module, its classes and functions."""
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {id(n.body[0].value) for n in ast.walk(tree) if isinstance(n, kinds) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}


def test_no_command_line_words_in_the_library():
    """Library messages name parameters; only ``cli/`` knows the options (``--out``).
    Docstrings may show a command line as an example, and a message may quote another
    tool's command (``dask worker ADDRESS --preload brian2``)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text())
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docs and "dask worker" not in node.value
                    and (found := OPTION.search(node.value))):  # fmt: skip
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {found.group()}")
    assert not offenders, "\n".join(offenders)


def test_the_command_line_draws_and_writes_only_through_stages():
    """A command parses, calls one stage (adexmf.workflows) and prints: no figure, NetCDF
    writer or science computation composed in cli/ (that would be a second composition)."""
    graph = import_graph()
    forbidden = ("adexmf.figures", "adexmf.netcdf", "adexmf.report")
    offenders = {
        module: sorted(t for t in targets if t.startswith(forbidden))
        for module, targets in graph.items()
        if module.startswith("adexmf.cli") and any(t.startswith(forbidden) for t in targets)
    }
    assert not offenders, offenders


def test_stages_are_the_only_floor_above_the_figures():
    """Only workflows (the stages) import the figures: science modules return data."""
    graph = import_graph()
    drawing = {m for m, targets in graph.items()
               if any(t.startswith("adexmf.figures") for t in targets)}  # fmt: skip
    outside = {m for m in drawing if not m.startswith(("adexmf.figures", "adexmf.workflows"))}
    assert not outside, outside
