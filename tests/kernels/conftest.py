"""Kernel tests compare the numba kernels with their NumPy references directly, whichever
backend the suite runs under; they need numba. This folder goes on sys.path so the tests
can import their shared hypothesis strategies (kernel_strategies.py)."""
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba")

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
