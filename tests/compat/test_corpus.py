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


def test_launcher_binds_every_torch_path_to_nnforge(tmp_path):
    script = tmp_path / "paths.py"
    script.write_text(
        "import torch\n"
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n"
        "from torch import optim\n"
        "from torch.optim.lr_scheduler import StepLR\n"
        "from torch.utils.data import DataLoader\n"
        "from torch.nn import init\n"
        "from torch.nn.utils import clip_grad_norm_\n"
        "from torch.autograd import Function\n"
        "for obj in (torch, nn, F, optim, StepLR, DataLoader, init, clip_grad_norm_, Function):\n"
        "    print(getattr(obj, '__module__', None) or obj.__name__)\n")
    printed = run("nnforge", script).split()
    assert len(printed) == 9 and all(name.startswith("nnforge") for name in printed), printed
