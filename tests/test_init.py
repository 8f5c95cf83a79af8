"""`import nnforge as torch`: the top level offers torch's names and its sub-packages."""
import subprocess
import sys

import pytest

import nnforge as nf


def test_subpackages_are_attributes_loaded_on_first_use():
    assert nf.nn.Linear is __import__("nnforge.nn", fromlist=["Linear"]).Linear
    assert nf.optim.SGD is not None and nf.nn.functional.relu is not None
    with pytest.raises(AttributeError, match="no attribute 'not_a_package'"):
        nf.not_a_package


def test_import_loads_no_subpackage_up_front():
    code = "import sys, nnforge; print(sorted(m for m in ('nnforge.nn', 'nnforge.optim') " \
           "if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_torch_top_level_names_exist():
    for name in ("tensor", "zeros", "randn", "from_numpy", "float32", "long", "device",
                 "no_grad", "manual_seed", "cuda", "backends", "accelerator", "autograd",
                 "is_tensor", "get_default_dtype", "set_default_dtype", "Generator"):
        assert hasattr(nf, name), name
    assert nf.is_tensor(nf.ones(1)) and not nf.is_tensor([1])
    assert nf.numel(nf.ones(2, 3)) == 6 and nf.is_floating_point(nf.ones(1))
