"""The plumbing of bench/dropout_ablation.py (--recipe srivastava) and bench/cyclical_lr.py
at toy scale, on synthetic data (no Fashion-MNIST needed, no accuracy asserted)."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from nnforge import nn
from nnforge.optim import SGD
from nnforge.optim.constraints import constrained_weights, unit_norms

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _toy_data(train_rows=None, test_rows=None):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 12)).astype(np.float32)
    y = X[:, :10].argmax(axis=1)
    return X[:80], y[:80], X[80:], y[80:]


@pytest.fixture
def ablation(monkeypatch):
    module = _load("dropout_ablation")
    monkeypatch.setattr(module, "load_data", _toy_data)
    return module


@pytest.fixture
def clr(monkeypatch):
    module = _load("cyclical_lr")
    monkeypatch.setattr(module, "load_data", _toy_data)
    return module


def test_build_mlp_places_dropout_as_asked(ablation):
    model = ablation.build_mlp(12, 8, 10, hidden=0.5, inputs=0.2, seed=0)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Dropout", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout",
                     "Linear"]
    assert [m.p for m in model if isinstance(m, nn.Dropout)] == [0.2, 0.5, 0.5]
    plain = ablation.build_mlp(12, 8, 10, hidden=0.0, inputs=0.0, seed=0)
    assert not any(isinstance(m, nn.Dropout) for m in plain)
    np.testing.assert_array_equal(plain[0].weight.numpy(), model[1].weight.numpy())   # same seed


def test_recipe_keeps_units_in_the_max_norm_ball(ablation):
    import argparse

    args = argparse.Namespace(width=16, epochs=3, lr=0.5, lr_decay=0.05, momentum=0.95,
                              max_norm=0.5, batch_size=16)
    X, y, _, _ = _toy_data()
    model = ablation.fit_recipe(X, y, 0.5, 0.2, 0, args)
    assert not model.training
    for p in constrained_weights(model):
        assert unit_norms(p).max() <= 0.5 * (1 + 1e-6)
    assert ablation.predict_labels(model, X, batch_size=30).shape == (80,)


def test_recipe_main_writes_rows_and_merges(ablation, tmp_path, capsys):
    paths = []
    for seed in (0, 1):
        path = tmp_path / f"seed{seed}.json"
        rows = ablation.main(["--recipe", "srivastava", "--epochs", "1", "--width", "8",
                              "--seeds", str(seed), "--threads", "1", "--json", str(path)])
        assert [r["variant"] for r in rows] == [v[0] for v in ablation.VARIANTS]
        assert all(0 <= r["test_errors"] <= 40 and 0 <= r["train_errors"] <= 80 for r in rows)
        paths.append(str(path))
    assert json.loads(Path(paths[0]).read_text())["args"]["lr"] == 0.02  # the recipe's lr
    capsys.readouterr()
    ablation.main(["--merge", *paths])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("| variant | test errors per seed (of 40)")
    assert len(out) == 5 and out[2].startswith("| no dropout | ")
    assert out[2].split(" | ")[1].count(",") == 1                        # two seeds


def test_cyclic_policies_follow_their_schedules(clr):
    import argparse

    args = argparse.Namespace(step_size=4, iterations=16, gamma=None)
    model = nn.Linear(3, 2)
    lrs = {}
    for policy in clr.POLICIES:
        optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
        scheduler = clr.make_scheduler(policy, optimizer, 0.1, 0.01, 0.5, args)
        seq = []
        for _ in range(16):
            seq.append(optimizer.param_groups[0]["lr"])
            optimizer.step()                               # no gradients: moves nothing
            if scheduler is not None:
                scheduler.step()
        lrs[policy] = np.array(seq)
    np.testing.assert_allclose(lrs["fixed"], 0.1)
    np.testing.assert_allclose(lrs["triangular2"][[0, 4, 8, 12]], [0.01, 0.5, 0.01, 0.255])
    assert lrs["exp_range"][4] < 0.5 and lrs["exp_range"][0] == pytest.approx(0.01)
    np.testing.assert_allclose(lrs["step decay"][[0, 7, 8, 11, 12, 15]],
                               [0.1, 0.1, 0.01, 0.01, 0.001, 0.001])
    assert clr.exp_range_gamma(args) == pytest.approx(0.99994 ** 500)
    with pytest.raises(ValueError, match="unknown policy 'cosine'"):
        clr.make_scheduler("cosine", SGD(model.parameters(), lr=0.1), 0.1, 0.01, 0.5, args)


def test_iterations_to_reach_and_summary(clr):
    steps = np.array([10, 20, 30])
    assert clr.iterations_to_reach(steps, np.array([0.5, 0.7, 0.6]), 0.6) == 20
    assert clr.iterations_to_reach(steps, np.array([0.5, 0.55, 0.58]), 0.6) is None
    curves = {"fixed": (steps, np.array([0.5, 0.6, 0.7]), None),
              "triangular2": (steps, np.array([0.6, 0.75, 0.72]), None),
              "step decay": (steps, np.array([0.4, 0.5, 0.6]), None)}
    rows = clr.summarize(curves)
    assert rows[0] == ("fixed", 0.7, 0.7, 30, 1.0)
    assert rows[1][3:] == (20, pytest.approx(2 / 3))
    assert rows[2][3:] == (None, None)
    text = clr.table(rows, 80, 40)
    assert "| triangular2 | 72.00 | 75.00 | 20 | 0.67 |" in text
    assert "| step decay | 60.00 | 60.00 | never | - |" in text


def test_cyclical_main_runs_every_policy(clr, tmp_path, capsys):
    path = tmp_path / "clr.json"
    clr.main(["--iterations", "12", "--step-size", "3", "--eval-every", "4",
              "--batch-size", "16", "--widths", "8", "--range-steps", "10",
              "--fixed-lr", "0.05", "--base-lr", "0.01", "--max-lr", "0.2",
              "--json", str(path)])
    data = json.loads(path.read_text())
    assert set(data["curves"]) == set(clr.POLICIES)
    for curve in data["curves"].values():
        assert curve["iterations"] == [4, 8, 12]
        assert all(0.0 <= a <= 1.0 for a in curve["accuracy"])
    assert data["curves"]["fixed"]["lr"] == [0.05] * 3
    out = capsys.readouterr().out
    assert "| fixed |" in out and "| exp_range |" in out


def test_default_recipe_still_uses_adam_and_cosine(ablation, capsys):
    rows = ablation.main(["--epochs", "1", "--width", "8", "--seeds", "0", "--threads", "1"])
    assert len(rows) == 3 and all(0 <= r["test_errors"] <= 40 for r in rows)
    assert "Adam lr 0.001 + cosine" in capsys.readouterr().out
