"""The package's imports run one way: no module imports, directly or through others, a
module that imports it back at import time; and a bare `import nnforge` loads none of the
heavy optional dependencies (they are imported inside the functions that need them)."""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import nnforge

PACKAGE = Path(nnforge.__file__).resolve().parent
HEAVY = ("matplotlib", "optuna", "sklearn", "scipy", "tqdm", "pydantic")


def module_names():
    """{dotted module name: path} for every module of the package."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _type_checking_only(node):
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def module_level_imports(tree):
    """The Import/ImportFrom nodes run when the module is imported: at top level, also
    inside top-level if/try blocks, but not in functions, classes or TYPE_CHECKING blocks."""
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and not _type_checking_only(node):
            todo += node.body + node.orelse
        elif isinstance(node, ast.Try):
            todo += node.body + node.orelse + node.finalbody
            for handler in node.handlers:
                todo += handler.body
        elif isinstance(node, ast.With):
            todo += node.body
    return found


def import_graph():
    """{module: {nnforge modules it imports at import time}}; an import of `a.b.c` points at
    the most specific nnforge module named (its parent packages are loaded first anyway)."""
    names = module_names()
    graph = {}
    for name, path in names.items():
        is_package = path.name == "__init__.py"
        package = name if is_package else name.rpartition(".")[0]
        targets = set()
        for node in module_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - node.level + 1]
                    base = ".".join(base + ([node.module] if node.module else []))
                else:
                    base = node.module
                candidates = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in names
                              else base for alias in node.names]
            targets.update(c for c in candidates if c in names and c != name)
        graph[name] = targets
    return graph


def cycles(graph):
    """Each strongly connected component with more than one module, as one cycle through
    it (a list of module names that ends where it starts)."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(set(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_cycle_through(graph, sorted(c)[0], c) for c in components]


def _cycle_through(graph, start, component):
    """A shortest path start -> ... -> start inside `component` (breadth first)."""
    previous, frontier = {start: None}, [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(graph[v] & component):
                if w == start:
                    path = [v]
                    while previous[path[-1]] is not None:
                        path.append(previous[path[-1]])
                    return [start] + path[::-1][1:] + [start] if len(path) > 1 else \
                        [start, start]
                if w not in previous:
                    previous[w] = v
                    following.append(w)
        frontier = following
    return sorted(component)


def test_the_graph_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_resolves_relative_imports():
    graph = import_graph()
    assert "nnforge.train.callbacks" in graph["nnforge.train.trainer"]
    assert "nnforge.autograd" in graph["nnforge.train.trainer"]
    assert "nnforge.train.trainer" in graph["nnforge.train"]


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles in nnforge:\n" + "\n".join(" -> ".join(c) for c in found)


def test_import_nnforge_loads_no_heavy_optional_dependency():
    code = ("import sys, nnforge; "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    env = dict(os.environ, PYTHONPATH=str(PACKAGE.parent) + os.pathsep +
               os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [], f"`import nnforge` loaded {result.stdout.strip()}"


@pytest.mark.parametrize("module", ["nnforge.train", "nnforge.optim", "nnforge.data",
                                    "nnforge.diagnose", "nnforge.runs"])
def test_layers_import_without_heavy_dependencies(module):
    code = (f"import sys, {module}; "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    env = dict(os.environ, PYTHONPATH=str(PACKAGE.parent) + os.pathsep +
               os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [], f"`import {module}` loaded {result.stdout.strip()}"


# An import inside a function is for an optional dependency that a bare `import nnforge`
# must not load (the heavy ones above, their companions, and the compiled or test-only
# libraries), or for a part of nnforge whose import loads one of them; every other import
# stands at the top of its module. A true import cycle would be the one other reason: list
# such an import here with why, "module: imported name".
OPTIONAL = HEAVY + ("safetensors", "graphviz", "torch", "numba", "sqlalchemy",
                    "threadpoolctl")
CYCLE_EXCEPTIONS: dict = {}


def function_level_imports(tree, package):
    """(module, names) of every import inside a function of a module of `package`; a
    plain `import a.b` gives ("a.b", ()), `from a import b, c` gives ("a", ("b", "c"))."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    found += [(alias.name, ()) for alias in inner.names]
                elif isinstance(inner, ast.ImportFrom):
                    module = inner.module or ""
                    if inner.level:
                        base = package.split(".")[:len(package.split(".")) - inner.level + 1]
                        module = ".".join(base + ([inner.module] if inner.module else []))
                    found.append((module, tuple(a.name for a in inner.names)))
    return sorted(set(found))


def _statement(module, names):
    return f"from {module} import {', '.join(names)}" if names else f"import {module}"


def loads_heavy_dependency(statement):
    """The heavy optional dependencies that `statement` loads in a fresh interpreter
    (after `import nnforge`, which loads none)."""
    code = (f"import sys, nnforge; {statement}; "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    env = dict(os.environ, PYTHONPATH=str(PACKAGE.parent) + os.pathsep +
               os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, f"{statement}: {result.stderr}"
    return result.stdout.split()


def test_function_level_imports_are_found():
    tree = ast.parse("def f():\n    from ..config import load_config\n    import numpy\n")
    assert function_level_imports(tree, "nnforge.cli") == [
        ("nnforge.config", ("load_config",)), ("numpy", ())]


def test_imports_inside_functions_are_for_optional_dependencies():
    found, nnforge_imports = [], {}
    for name, path in sorted(module_names().items()):
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for module, names in function_level_imports(ast.parse(path.read_text("utf-8")),
                                                     package):
            top = module.split(".")[0]
            if top in OPTIONAL:
                continue
            if top != "nnforge":
                found.append(f"{name}: `{_statement(module, names)}` inside a function")
            elif not all(f"{name}: {n}" in CYCLE_EXCEPTIONS for n in names or (module,)):
                nnforge_imports.setdefault(_statement(module, names), []).append(name)
    for statement, where in sorted(nnforge_imports.items()):
        if not loads_heavy_dependency(statement):
            found.append(f"{', '.join(where)}: `{statement}` inside a function loads no "
                         "optional dependency; import it at the top of the module")
    assert not found, "\n".join(found)
