"""The optimizer and schedule examples run (in a fast mode) and write their plots."""
import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name, png", [("lr_schedules", "lr_schedules.png"),
                                       ("optimizers", "optimizers.png")])
def test_example_writes_its_plot(tmp_path, capsys, name, png):
    pytest.importorskip("matplotlib")
    module = _load(name)
    if name == "optimizers":
        module.EPOCHS = 2
        module.OPTIMIZERS = {k: module.OPTIMIZERS[k] for k in ("SGD momentum 0.9", "Adam")}
    module.main(tmp_path)
    assert (tmp_path / png).stat().st_size > 10_000
    assert "wrote" in capsys.readouterr().out
