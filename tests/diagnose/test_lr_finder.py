"""The LR range test: exponential LR sweep through the real optimizer, a robust pick."""
import numpy as np
import pytest

import nnforge.nn as nn
from nnforge import optim
from nnforge.diagnose.lr_finder import lr_range_test, smooth, suggest_lr


def synthetic(noise=0.0, nan_after=None, seed=0):
    """A clean LR-test shape: flat, falling between 1e-3 and 1e-1, blowing up after."""
    lrs = np.geomspace(1e-6, 10, 100)
    x = np.log10(lrs)
    losses = 2.3 - 2.0 / (1 + np.exp(-3 * (x + 2))) + np.where(x > -0.7, 20 * (x + 0.7) ** 2, 0)
    losses = losses + noise * np.random.default_rng(seed).standard_normal(100)
    if nan_after is not None:
        losses[nan_after:] = np.nan
    return lrs, losses


def test_suggestion_sits_on_the_falling_part_of_a_clean_curve():
    lrs, losses = synthetic()
    steepest, minimum, suggested = suggest_lr(lrs, losses)
    assert steepest == pytest.approx(1e-2, rel=0.3)         # the sigmoid's midpoint
    assert 0.05 < minimum < 0.3
    assert suggested == pytest.approx(min(steepest, minimum / 10))


def test_nans_and_noise_do_not_move_the_suggestion_much():
    lrs, clean = synthetic()
    reference = suggest_lr(lrs, clean)[2]
    _, noisy = synthetic(noise=0.05, nan_after=90)
    suggested = suggest_lr(lrs, noisy)[2]
    assert reference / 3 < suggested < reference * 3
    with pytest.raises(ValueError, match="finite losses"):
        suggest_lr(lrs, np.full(100, np.nan))


def test_smooth_is_bias_corrected():
    np.testing.assert_allclose(smooth(np.full(5, 2.0)), np.full(5, 2.0))


def test_range_test_uses_copies_of_the_real_optimizer():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 5)).astype(np.float32)
    y = (X @ rng.standard_normal(5) > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(5, 16, generator=rng), nn.ReLU(),
                          nn.Linear(16, 2, generator=rng))
    opt = optim.SGD(model.parameters(), lr=0.123, momentum=0.9)
    before = [p.numpy().copy() for p in model.parameters()]
    result = lr_range_test(model, opt, nn.CrossEntropyLoss(), X, y, num_steps=60)
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters()))
    assert opt.param_groups[0]["lr"] == 0.123 and opt.steps_taken == 0
    assert result.lrs[0] == pytest.approx(1e-7)
    assert np.all(np.diff(np.log(result.lrs)) == pytest.approx(np.log(1e8) / 59))
    assert 1e-5 < result.suggested_lr < 1.0
    assert result.diverged                                  # momentum SGD at lr 10 blows up
