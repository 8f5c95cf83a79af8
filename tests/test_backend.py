"""nnforge.backend: choosing the reference or the compiled path, and the dispatch seam."""
import os
import subprocess
import sys

import numpy as np
import pytest

import nnforge
from nnforge import backend

numba_missing = "numba" not in backend.available_backends()


def _python(code, **env):
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full)


def test_set_backend_returns_the_previous_and_rejects_unknown_names():
    before = nnforge.get_backend()
    try:
        assert nnforge.set_backend("numpy") == before
        assert nnforge.get_backend() == "numpy"
        with pytest.raises(ValueError, match=r"nnforge.set_backend: unknown backend 'cuda'; "
                                             r"choose one of \['numba', 'numpy'\]"):
            nnforge.set_backend("cuda")
        assert nnforge.get_backend() == "numpy"
    finally:
        nnforge.set_backend(before)


def test_dispatch_falls_back_to_the_reference_when_a_kernel_declines(monkeypatch):
    calls = []

    @backend.dispatch("test_only_op")
    def op(x):
        calls.append("reference")
        return x + 1

    monkeypatch.setattr(backend, "_ops", {"test_only_op": lambda x: NotImplemented})
    assert op(1) == 2 and calls == ["reference"]
    monkeypatch.setattr(backend, "_ops", {"test_only_op": lambda x: x * 10})
    assert op(2) == 20 and calls == ["reference"]
    assert op.reference(2) == 3 and op.op_name == "test_only_op"


def test_numpy_backend_runs_the_references(monkeypatch):
    from nnforge.autograd.activations import relu
    before = nnforge.set_backend("numpy")
    try:
        assert backend._table() == {}
        assert np.array_equal(relu(np.array([-1.0, 2.0])), [0.0, 2.0])
    finally:
        nnforge.set_backend(before)


def test_environment_variable_chooses_and_bad_values_name_the_variable():
    code = "import nnforge; print(nnforge.get_backend())"
    assert _python(code, NNFORGE_BACKEND="numpy").stdout.strip() == "numpy"
    failed = _python(code, NNFORGE_BACKEND="fortran")
    assert failed.returncode != 0
    assert "environment variable NNFORGE_BACKEND: unknown backend 'fortran'" in failed.stderr


@pytest.mark.skipif(numba_missing, reason="needs numba")
def test_default_is_numba_and_import_loads_neither_numba_nor_process_state():
    code = ("import sys, nnforge, nnforge.allocator as a, nnforge.denormals as d\n"
            "print('numba' in sys.modules, a.tuned(), d.flushing(), nnforge.get_backend())")
    env = {k: v for k, v in os.environ.items() if k != "NNFORGE_BACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    assert out == ["False", "False", "False", "numba"]
