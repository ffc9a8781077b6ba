"""The package's architecture, checked: layers, no import cycles, no private names.

Every ``import`` inside ``xlspm`` (at module level or inside a function) is
read from the source. A subpackage may import only from its own layer or the
layers below it; no module may take part in an import cycle; no private name
(``_x``) or private module crosses a subpackage boundary; modules stay short.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "xlspm"

# Lower numbers are lower layers. A module may import from its own subpackage
# and from any subpackage with a lower or equal number that is not a sibling
# surface (equal numbers must not import each other).
LAYERS = {
    "errors": 0,
    "kernels": 1,
    "numerics": 2,
    "schema": 3,
    "io": 4,
    "engine": 5,
    "distributed": 6,
    "recon": 6,
    "present": 7,
    "datasets": 8,
    "excel": 9,
    "cli": 10,
}
ROOT_MODULES = {"__init__", "__main__"}  # the public API and ``python -m``
MAX_LINES = 420


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path):
    """Yield (imported module, imported names, line) for every import in a file."""
    name = _module_name(path)
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "xlspm":
                    yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "xlspm":
                target = node.module
            else:
                continue
            yield target, [a.name for a in node.names], node.lineno


def _all_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


MODULES = _all_modules()


def _resolve(target: str, names: list[str]) -> list[str]:
    """Return the modules an import loads (``from pkg import mod``: ``pkg.mod``)."""
    found = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
    return found or [target]


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) == 1:
        return None
    return parts[1]


def _edges():
    for name, path in MODULES.items():
        for target, names, line in _imports(path):
            for dep in _resolve(target, names):
                yield name, dep, names, f"{path.relative_to(PACKAGE.parent)}:{line}"


def test_every_subpackage_has_a_layer():
    tops = {_layer(m) for m in MODULES} - {None} - ROOT_MODULES
    assert tops <= set(LAYERS), sorted(tops - set(LAYERS))


def test_imports_go_down_only():
    wrong = []
    for src, dep, _names, where in _edges():
        src_layer, dep_layer = _layer(src), _layer(dep)
        if src_layer is None or src.split(".")[-1] in ROOT_MODULES:
            continue  # the public API may import from anywhere
        if dep == "xlspm" and src_layer not in ("cli", "excel"):
            wrong.append(f"{where}: {src} imports the top-level API")
            continue
        if dep_layer is None or dep_layer == src_layer:
            continue
        if LAYERS[dep_layer] >= LAYERS[src_layer]:
            wrong.append(f"{where}: {src} ({src_layer}) imports {dep} ({dep_layer})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for src, dep, _names, _where in _edges():
        if dep in graph and dep != src:
            graph[src].add(dep)
    # The top-level package imports its API modules; a module importing the
    # package name (``from xlspm import __version__``) is not a cycle of code.
    graph["xlspm"] = set()
    cycles = _cycles(graph)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_private_names_cross_subpackages():
    wrong = []
    for src, dep, names, where in _edges():
        if _layer(src) == _layer(dep) or src.split(".")[-1] in ROOT_MODULES:
            continue
        private_module = any(p.startswith("_") for p in dep.split(".")[1:])
        private_names = [n for n in names if n.startswith("_") and n != "__version__"]
        if private_module or private_names:
            wrong.append(f"{where}: {src} imports {dep} {private_names}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_short(name):
    lines = MODULES[name].read_text().count("\n")
    assert lines <= MAX_LINES, f"{name}: {lines} lines"


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
