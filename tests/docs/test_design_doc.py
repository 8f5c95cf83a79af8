"""docs/design.md describes the code as it is: its module map lists every package and
module of nnforge and nothing else, every path and code name it (or the README) writes
exists, and its import table is the import graph the code has."""
import ast
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "nnforge"
DESIGN = ROOT / "docs" / "design.md"
PAGES = [DESIGN, ROOT / "README.md"]

#: names the pages write that are not Python names of the code (settings, variables)
NOT_CODE = {"NNFORGE_BACKEND", "NNFORGE_MALLOC_TUNING", "disallow_untyped_defs",
            "filterwarnings", "exp_avg", "exp_avg_sq", "num_workers", "log_interval",
            "create_graph", "running_mean", "running_var", "__all__", "__init__",
            # what the README says nnforge does not have
            "RNN", "LSTM", "GRU"}
#: file endings: a code span ending so is a file name, not a Python name
FILE_ENDINGS = ("py", "toml", "md", "json", "csv", "db", "safetensors", "html", "yml", "png")


def _fenced_blocks(text):
    return re.findall(r"```[^\n]*\n(.*?)```", text, re.DOTALL)


def module_map():
    """{path relative to the repository: description} from the design page's map."""
    block = next(b for b in _fenced_blocks(DESIGN.read_text("utf-8"))
                 if b.startswith("src/nnforge/"))
    entries, stack = {}, []
    for line in block.splitlines()[1:]:
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        name, _, description = line.strip().partition(" ")
        if depth == 0:
            stack = []
            entries[name] = description.strip()
            continue
        stack = stack[:depth - 1] + [name]
        entries["src/nnforge/" + "".join(stack)] = description.strip()
    return entries


def package_files():
    """Every module and package of nnforge, as the map names them (a package stands for
    its __init__.py)."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if path.name == "__init__.py" and path.parent != PACKAGE:
            relative = relative[:-len("__init__.py")]
        found.add(relative)
    return found


def test_the_map_lists_every_module_once_with_a_description():
    entries = module_map()
    listed = {p for p in entries if p.startswith("src/nnforge/")}
    assert not package_files() - listed, f"missing from the map: {sorted(package_files() - listed)}"
    assert not listed - package_files(), f"not in the package: {sorted(listed - package_files())}"
    assert all(entries.values()), [p for p, d in entries.items() if not d]
    for other in set(entries) - listed:
        assert (ROOT / other).exists(), other


def _paths(text):
    """Paths a page names: repository paths anywhere, package-relative ones in backticks."""
    found = set(re.findall(r"\b((?:src/nnforge|tests|docs|bench|examples)/[\w/.-]*\w)", text))
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir()}
    for code in re.findall(r"`([^`\s]+)`", text):
        if re.fullmatch(r"[\w.-]+(/[\w.-]+)*/?", code) and (
                code.endswith(".py") or code.split("/")[0] in packages and "/" in code):
            found.add(code)
    return found


def _exists(path):
    """A path from the repository or the package; a bare file name anywhere in the package."""
    if "/" not in path:
        return any(PACKAGE.rglob(path))
    return any((base / path).exists() for base in (ROOT, PACKAGE))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_path_exists(page):
    missing = sorted(p for p in _paths(page.read_text("utf-8")) if not _exists(p))
    assert not missing, f"{page.name} names paths that do not exist: {missing}"


def _code_names():
    """Every name the package and the tests define, assign, import or take as argument."""
    names = {p.stem for p in PACKAGE.rglob("*.py")}
    for path in list(PACKAGE.rglob("*.py")) + list((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias):
                names.add((node.asname or node.name).split(".")[0])
            elif isinstance(node, ast.keyword) and node.arg:
                names.add(node.arg)
    return names


def _resolve(dotted):
    """The object `dotted` names, with or without the leading `nnforge.`; None if the
    first part is not a module of nnforge."""
    parts = dotted.split(".")
    if parts[0] != "nnforge":
        parts = ["nnforge"] + parts
    for cut in range(len(parts), 1, -1):
        name = ".".join(parts[:cut])
        try:
            if importlib.util.find_spec(name) is None:
                continue
        except ModuleNotFoundError:
            continue
        obj = importlib.import_module(name)
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                raise AssertionError(f"`{dotted}`: {name} has no {'.'.join(parts[cut:])}")
            obj = getattr(obj, attr)
        return obj
    return None


def _code_spans(text):
    """Code spans outside fenced blocks that look like Python names, without call
    parentheses: `Trainer.fit`, `state_dict()`, `register(cls)` -> the name."""
    for block in _fenced_blocks(text):
        text = text.replace(block, "")
    for span in re.findall(r"`([^`\n]+)`", text):
        name = re.sub(r"\(.*\)$", "", span.strip())
        if re.fullmatch(r"@?[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", name) and \
                name.rpartition(".")[2] not in FILE_ENDINGS:
            yield name.lstrip("@")


def _looks_like_code(name):
    return "." in name or "_" in name or name != name.lower() or name in {"kernel"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_code_name_exists(page):
    known, unknown = _code_names(), []
    for name in sorted(set(_code_spans(page.read_text("utf-8")))):
        if name in NOT_CODE or not _looks_like_code(name):
            continue
        if "." in name:
            try:
                if _resolve(name) is not None:
                    continue
            except AssertionError as error:
                unknown.append(str(error))
                continue
        if not all(part in known for part in name.split(".")):
            unknown.append(f"`{name}`")
    assert not unknown, f"{page.name} names what the code does not have: {unknown}"


def _load_test_imports():
    spec = importlib.util.spec_from_file_location("_test_imports", ROOT / "tests" /
                                                  "test_imports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _parts_graph():
    """{part: parts it imports at load time}; a part is a top-level module or sub-package
    of nnforge ("nnforge" for the package __init__)."""
    def part(module):
        pieces = module.split(".")
        return pieces[1] if len(pieces) > 1 else "nnforge"
    graph = {}
    for module, targets in _load_test_imports().import_graph().items():
        graph.setdefault(part(module), set()).update(
            part(t) for t in targets if part(t) != part(module))
    return graph


def import_table():
    """{part: set of parts} from the design page's table under "Which imports which"."""
    section = DESIGN.read_text("utf-8").split("### Which imports which")[1].split("\n#")[0]
    table = {}
    for row in re.findall(r"^\|(.+)\|$", section, re.M):
        cells = [c.strip() for c in row.split("|")]
        if len(cells) < 2 or set(cells[0]) <= set("-") or cells[0] == "part":
            continue
        imports = set(re.findall(r"`([\w.]+)`", cells[1]))
        for name in re.findall(r"`([\w.]+)`", cells[0]):
            table[name] = imports
    return table


def test_the_import_table_is_the_code_import_graph():
    table, graph = import_table(), _parts_graph()
    assert sorted(table) == sorted(graph), \
        f"parts missing from the table: {sorted(set(graph) - set(table))}; " \
        f"not parts: {sorted(set(table) - set(graph))}"
    wrong = {p: f"table {sorted(table[p])}, code {sorted(graph[p])}"
             for p in graph if table[p] != graph[p]}
    assert not wrong, wrong


def test_the_import_table_runs_one_way():
    order = list(import_table())
    upward = [f"{p} imports {q}" for p, imports in import_table().items() for q in imports
              if order.index(q) >= order.index(p)]
    assert not upward, upward
