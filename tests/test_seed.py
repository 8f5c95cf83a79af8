"""One seed makes a whole run repeatable bit for bit (init, dropout, shuffling, split)."""
import numpy as np

import nnforge
from nnforge.build import run_experiment
from nnforge.config import parse_config

CONFIG = {
    "name": "seeded",
    "data": {"dataset": "digits", "scaler": "standard"},
    "model": {"layers": [
        {"type": "Linear", "in_features": 64, "out_features": 32}, {"type": "ReLU"},
        {"type": "Dropout", "p": 0.3},
        {"type": "Linear", "in_features": 32, "out_features": 10}]},
    "optimizer": {"type": "SGD", "lr": 0.05, "momentum": 0.9},
    "train": {"epochs": 3, "batch_size": 16},
}


def _run(tmp_path, seed, folder):
    config = parse_config({**CONFIG, "seed": seed})
    nnforge.manual_seed(12345)             # the run must not depend on prior global state
    np.random.default_rng().random()
    summary = run_experiment(config, out_dir=tmp_path / folder, quiet=True)
    return (tmp_path / folder / "model.safetensors").read_bytes(), summary


def test_same_seed_gives_bit_identical_weights(tmp_path):
    bytes_a, summary_a = _run(tmp_path, 7, "a")
    bytes_b, summary_b = _run(tmp_path, 7, "b")
    assert bytes_a == bytes_b
    a, b = nnforge.load(tmp_path / "a" / "model.safetensors"), \
        nnforge.load(tmp_path / "b" / "model.safetensors")
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert summary_a["test_loss"] == summary_b["test_loss"]
    history_a = (tmp_path / "a" / "history.csv").read_text().splitlines()
    history_b = (tmp_path / "b" / "history.csv").read_text().splitlines()
    strip = lambda rows: [r.rsplit(",", 1)[0] for r in rows]       # drop the seconds column
    assert strip(history_a) == strip(history_b)


def test_different_seed_gives_different_weights(tmp_path):
    bytes_a, _ = _run(tmp_path, 7, "a")
    bytes_c, _ = _run(tmp_path, 8, "c")
    assert bytes_a != bytes_c


def test_extra_callbacks_join_the_run(tmp_path):
    from nnforge.train import LambdaCallback

    seen = []
    config = parse_config({**CONFIG, "seed": 1})
    summary = run_experiment(config, out_dir=tmp_path / "r", quiet=True,
                             callbacks=[LambdaCallback(on_epoch_end=lambda e, logs: seen.append(
                                 logs["val_loss"]))])
    assert len(seen) == summary["epochs"] == 3
