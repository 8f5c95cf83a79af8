"""Differential corpus: each script in scripts/ is written like everyday PyTorch tutorial
code. It runs once with `torch` bound to PyTorch and once with `torch` bound to nnforge (by
launcher.py, with the script's import lines unchanged), and the numbers and booleans it
prints must agree (rtol 1e-3). Data and initial weights come from NumPy with fixed seeds,
so nothing depends on either library's random stream."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
SCRIPTS = sorted((HERE / "scripts").glob("*.py"))
SRC = HERE.parents[1] / "src"
TOKEN = re.compile(r"True|False|[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf")


def run(backend, script):
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run([sys.executable, str(HERE / "launcher.py"), backend, str(script)],
                          capture_output=True, text=True, timeout=300, env=env,
                          cwd=script.parent)
    assert done.returncode == 0, (f"{script.name} failed under {backend}:\n"
                                  f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def tokens(text):
    return TOKEN.findall(text)


def compare(expected, actual, name):
    a, b = tokens(expected), tokens(actual)
    assert len(a) == len(b), (f"{name}: torch printed {len(a)} values, nnforge {len(b)}\n"
                              f"--- torch\n{expected}\n--- nnforge\n{actual}")
    for i, (x, y) in enumerate(zip(a, b)):
        if x in ("True", "False") or y in ("True", "False"):
            assert x == y, f"{name}: value {i}: torch {x}, nnforge {y}"
            continue
        assert np.isclose(float(x), float(y), rtol=1e-3, atol=1e-6, equal_nan=True), \
            f"{name}: value {i}: torch {x}, nnforge {y}\n--- torch\n{expected}\n" \
            f"--- nnforge\n{actual}"


def test_corpus_is_large_enough():
    assert len(SCRIPTS) >= 22


_TORCH_OUTPUT = {}


def torch_output(script):
    if script not in _TORCH_OUTPUT:
        _TORCH_OUTPUT[script] = run("torch", script)
    return _TORCH_OUTPUT[script]


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_runs_under_pytorch_and_prints_numbers(script):
    assert len(tokens(torch_output(script))) >= 3


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_nnforge_prints_pytorchs_numbers(script):
    compare(torch_output(script), run("nnforge", script), script.name)
