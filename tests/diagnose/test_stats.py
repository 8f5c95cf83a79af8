"""Activation/gradient statistics and the initialization demonstration (small, unit and
Xavier Gaussians)."""
import warnings

import numpy as np
import pytest

import nnforge.nn as nn
from nnforge import optim, tensor
from nnforge.diagnose.stats import (ACTIVATIONS, LayerStats, StatisticsRecorder,
                                    activation_statistics, deep_tanh_network,
                                    initialization_demo, plot_histograms)
from nnforge.train import Trainer
from nnforge.mistake_warnings import GuardWarning


@pytest.fixture(scope="module")
def demo():
    return initialization_demo(depth=10, width=500, n_samples=200, seed=0)


def test_small_gaussian_activations_collapse_to_zero(demo):
    stds = [s.std for s in demo["N(0, 0.01^2)"]]
    assert all(b < a for a, b in zip(stds, stds[1:]))
    assert stds[-1] < 1e-5
    # each layer multiplies the spread by about 0.01 * sqrt(500) = 0.224 (tanh is linear here)
    assert stds[5] / stds[4] == pytest.approx(0.01 * np.sqrt(500), rel=0.1)


def test_unit_gaussian_activations_saturate(demo):
    for stats in demo["N(0, 1)"]:
        assert stats.saturated_fraction > 0.8
        assert stats.std > 0.95


def test_xavier_activations_stay_spread_out(demo):
    stats = demo["Xavier normal"]
    assert all(0.15 < s.std < 0.8 for s in stats)
    assert max(s.saturated_fraction for s in stats) < 0.05
    assert stats[-1].std > 1e4 * demo["N(0, 0.01^2)"][-1].std


def test_layer_stats_and_histogram_counts():
    s = LayerStats("x", np.array([0.0, 0.0, 0.5, -1.0]), bins=4, value_range=(-1, 1))
    assert s.zero_fraction == 0.5 and s.saturated_fraction == 0.25
    assert s.counts.sum() == 4 and s.mean == pytest.approx(-0.125)


def test_activation_statistics_follow_the_forward_order():
    model = deep_tanh_network(depth=3, width=8, in_features=4, std=0.5,
                              generator=np.random.default_rng(0))
    stats = activation_statistics(model, np.ones((5, 4), dtype=np.float32), kinds=(nn.Tanh,))
    assert [s.name for s in stats] == ["1", "3", "5"]
    assert all(s.counts.sum() == 40 for s in stats)


def test_recorder_collects_histograms_over_training_without_guard_warnings(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    g = np.random.default_rng(1)
    model = nn.Sequential(nn.Linear(4, 8, generator=g), nn.ReLU(), nn.Dropout(0.2, generator=g),
                          nn.Linear(8, 2, generator=g))
    recorder = StatisticsRecorder(X[:16], every=2)
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                      callbacks=[recorder])
    with warnings.catch_warnings():
        warnings.simplefilter("error", GuardWarning)
        trainer.fit((X, y), epochs=4, batch_size=16, verbose=0)
    assert [r["epoch"] for r in recorder.records] == [2, 4]
    assert [s.name for s in recorder.records[0]["activations"]] == ["1"]
    assert [s.name for s in recorder.records[0]["gradients"]] == ["0.weight", "0.bias",
                                                                   "3.weight", "3.bias"]
    assert model.training                                   # mode restored after recording
    out = plot_histograms({"epoch 2": recorder.records[0]["activations"]}, tmp_path / "h.png")
    assert out.stat().st_size > 1000


class Cube(nn.Module):
    """An activation layer of the user's own, outside nnforge."""

    def forward(self, input):
        return input * input * input


class ClippedReLU(nn.ReLU):
    """A subclass of an nnforge activation counts as that activation."""


def test_activation_layers_are_chosen_by_class_and_a_users_own_can_join():
    g = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(3, 4, generator=g), ClippedReLU(),
                          nn.Linear(4, 4, generator=g), Cube(), nn.Linear(4, 2, generator=g),
                          nn.Tanh())
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    assert [s.name for s in activation_statistics(model, x)] == ["1", "5"]
    stats = activation_statistics(model, x, kinds=ACTIVATIONS + (Cube,))
    assert [s.name for s in stats] == ["1", "3", "5"]
    hidden = model[3](model[2](model[1](model[0](tensor(x))))).numpy()
    assert stats[1].mean == pytest.approx(float(hidden.astype(np.float64).mean()), rel=1e-6)


@pytest.mark.parametrize("make", [lambda kinds: activation_statistics(nn.Tanh(), np.ones(2),
                                                                      kinds=kinds),
                                  lambda kinds: StatisticsRecorder(np.ones(2), kinds=kinds)])
def test_kinds_given_as_names_are_refused_with_a_clear_message(make):
    with pytest.raises(TypeError, match=r"\(kinds\): expected layer classes such as nn.Tanh, "
                                        r"got 'Tanh' \(str\)"):
        make(("Tanh",))
