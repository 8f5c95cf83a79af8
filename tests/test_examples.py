"""The teaching examples run in their --fast mode and write their plots.

Examples tested elsewhere: xor.py (tests/nn/test_perceptron.py), lr_schedules.py and
optimizers.py (tests/optim/test_examples.py), augmentation_grid.py
(tests/data/test_augmentation_example.py), batch_size_vs_lr.py
(tests/test_config_training.py).
"""
import importlib.util
import os
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FASHION = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name, expected", [
    ("initializations", "N(0, 1): std per layer"),
    ("optimizer_surfaces", "saddle SGD from (0, 1.5)"),
    ("dropout", "dropout 0.5 hidden, 0.2 input"),
    ("early_stopping", "GL, alpha 5"),
    ("batch_norm", "with BatchNorm1d"),
    pytest.param("fashion_cnn", "test accuracy", marks=pytest.mark.skipif(
        not FASHION.exists() and not os.environ.get("NNFORGE_DATA"),
        reason="Debian's dataset-fashion-mnist is not installed")),
])
def test_example_runs_fast_and_writes_its_plot(tmp_path, capsys, name, expected):
    pytest.importorskip("matplotlib")
    out = tmp_path / f"{name}.png"
    load(name).main([str(out), "--fast"])
    printed = capsys.readouterr().out
    assert expected in printed and f"wrote {out}" in printed
    assert out.read_bytes()[:4] == b"\x89PNG" and out.stat().st_size > 10_000
