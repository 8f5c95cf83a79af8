"""CI version of bench/quality.py: the shipped Fashion-MNIST configs still load, build,
translate to PyTorch with identical weights and train one epoch on a subset with both
libraries (the full run is documented in bench/RESULTS.md, not run here)."""
import importlib.util
import os

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FASHION_DIR = "/usr/share/datasets/fashion-mnist"

pytestmark = pytest.mark.skipif(not os.path.isdir(FASHION_DIR),
                                reason="needs Debian's dataset-fashion-mnist "
                                       f"({FASHION_DIR})")


@pytest.fixture(scope="module")
def quality():
    spec = importlib.util.spec_from_file_location("bench_quality",
                                                  os.path.join(ROOT, "bench", "quality.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["fashion_mlp", "fashion_cnn", "fashion_cnn_aug"])
def test_config_builds_and_torch_translation_matches(quality, name):
    """Same initial weights: the torch model computes the nnforge model's outputs."""
    import torch

    import nnforge
    from nnforge.build import build_run
    from nnforge.config import load_config

    config = load_config(quality.CONFIGS[name])
    assert config.data.dataset == "fashion_mnist"
    run = build_run(config)
    assert len(run.train) == 54000 and len(run.val) == 6000 and len(run.test) == 10000
    net = quality.torch_recipe(config, run.model)[0]
    x = run.val.X[:64]
    run.model.eval()
    net.eval()
    with nnforge.no_grad():
        ours = run.model(nnforge.tensor(x)).numpy()
    with torch.no_grad():
        theirs = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
    assert (config.data.augmentation != []) == (name == "fashion_cnn_aug")


def test_fast_run(quality, tmp_path):
    out = tmp_path / "rows.json"
    rows = quality.main(["--fast", "--threads", "1", "--json", str(out)])
    assert [(r["config"], r["library"].split()[0]) for r in rows] == [
        (c, lib) for c in ("fashion_mlp", "fashion_cnn", "fashion_cnn_aug")
        for lib in ("nnforge", "PyTorch")]
    for ours, theirs in zip(rows[::2], rows[1::2]):
        assert ours["epochs"] == theirs["epochs"] == 1
        assert ours["train_rows"] == theirs["train_rows"]
        # the same schedule in both (the PyTorch loop once never stepped its scheduler)
        assert ours["final_lr"] < 1e-3
        assert theirs["final_lr"] == pytest.approx(ours["final_lr"], rel=1e-9)
    floor = {"fashion_mlp": 0.6, "fashion_cnn": 0.2, "fashion_cnn_aug": 0.2}
    for r in rows:                                 # one epoch on a subset: well above 0.1
        assert r["test_accuracy"] > floor[r["config"]], r
    assert out.exists()
