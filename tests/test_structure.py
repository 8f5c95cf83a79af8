"""The package stays small enough to read: no module of 400 lines or more and no function
of 60 lines or more (a module's or function's span in the source, docstring included)."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "nnforge"
SOURCES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _relative(path):
    return path.relative_to(PACKAGE.parent).as_posix()


@pytest.mark.parametrize("path", SOURCES, ids=_relative)
def test_module_is_under_400_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines < MAX_MODULE_LINES, f"{_relative(path)} has {lines} lines"


@pytest.mark.parametrize("path", SOURCES, ids=_relative)
def test_functions_are_under_60_lines(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [f"{node.name} (line {node.lineno}, {node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 >= MAX_FUNCTION_LINES]
    assert not long, f"{_relative(path)}: functions of {MAX_FUNCTION_LINES} lines or more: {long}"
