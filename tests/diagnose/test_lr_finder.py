"""The LR range test: exponential and linear LR sweeps through the real optimizer, a robust
pick, and the base/max bounds for CyclicLR checked on a bowl with a known stable range."""
import numpy as np
import pytest

import nnforge
import nnforge.nn as nn
from nnforge import optim
from nnforge.diagnose.lr_finder import (lr_range_test, lr_sweep, smooth, suggest_cyclic_bounds,
                                        suggest_lr)


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


# --- linear sweeps and the CyclicLR bounds --------------------------------------------------
def test_sweeps_exponential_and_linear():
    np.testing.assert_allclose(lr_sweep(1e-3, 1.0, 4), [1e-3, 1e-2, 1e-1, 1.0])
    np.testing.assert_allclose(lr_sweep(0.0, 3.0, 4, mode="linear"), [0.0, 1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"lr_range_test\(mode='cosine'\): expected"):
        lr_sweep(1e-3, 1.0, 4, mode="cosine")


@pytest.mark.parametrize("mode", ["exponential", "linear"])
def test_cyclic_bounds_on_a_clean_curve_sit_at_the_start_and_end_of_the_fall(mode):
    if mode == "exponential":        # falls between 1e-3 and 1e-1, climbs after 0.2
        lrs = lr_sweep(1e-6, 10, 400)
        x = np.log10(lrs)
        losses = 2.3 - 2.0 / (1 + np.exp(-3 * (x + 2))) + np.where(x > -0.7,
                                                                   20 * (x + 0.7) ** 2, 0)
        fall, climb = (1e-4, 1e-2), (1e-2, 0.2)
    else:                            # falls between 0.15 and 0.45, climbs after 0.7
        lrs = lr_sweep(1e-3, 1.0, 400, "linear")
        losses = 2.3 - 2.0 / (1 + np.exp(-(lrs - 0.3) / 0.03)) + np.where(
            lrs > 0.7, 20 * (lrs - 0.7) ** 2, 0)
        fall, climb = (0.1, 0.3), (0.3, 0.7)
    base, top = suggest_cyclic_bounds(lrs, losses)
    assert fall[0] < base < fall[1] and climb[0] < top < climb[1]
    assert losses[np.searchsorted(lrs, top)] < losses[np.searchsorted(lrs, base)]


def test_cyclic_bounds_refuse_a_curve_that_never_falls():
    lrs = np.geomspace(1e-4, 1, 50)
    with pytest.raises(ValueError, match="never fell below its starting value"):
        suggest_cyclic_bounds(lrs, np.linspace(1, 2, 50))
    with pytest.raises(ValueError, match=r"fraction=0.7"):
        suggest_cyclic_bounds(lrs, np.linspace(2, 1, 50), fraction=0.7)


def bowl(curvature, seed=0, n=256, d=8):
    """Least squares with X^T X / n = curvature * I: the MSE's Hessian is 2 * curvature * I,
    so plain gradient descent converges iff lr < 1 / curvature, fastest at 0.5 / curvature."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X = X @ np.linalg.inv(np.linalg.cholesky(X.T @ X / n)).T * np.sqrt(curvature)
    return X, X @ rng.standard_normal(d) + 0.01 * rng.standard_normal(n)


def train_bowl(X, y, scheduler_bounds, steps=60, seed=0):
    model = nn.Linear(X.shape[1], 1, bias=False, generator=seed).double()
    opt = optim.SGD(model.parameters(), lr=0.1)
    cyclic = optim.lr_scheduler.CyclicLR(opt, *scheduler_bounds, step_size_up=10,
                                         cycle_momentum=False)
    loss_fn, target = nn.MSELoss(), nnforge.tensor(y[:, None])
    losses = []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn(model(nnforge.tensor(X)), target)
            losses.append(float(loss.data))
            loss.backward()
            opt.step()
            cyclic.step()
    return losses


@pytest.mark.parametrize("mode", ["exponential", "linear"])
@pytest.mark.parametrize("curvature", [1.0, 4.0])
def test_cyclic_bounds_bracket_the_good_region_of_a_quadratic_bowl(mode, curvature):
    X, y = bowl(curvature)
    unstable, best = 1 / curvature, 0.5 / curvature
    model = nn.Linear(8, 1, bias=False, generator=0).double()
    end = 10.0 if mode == "exponential" else 2 / curvature
    result = lr_range_test(model, optim.SGD(model.parameters(), lr=0.1), nn.MSELoss(), X, y,
                           start_lr=1e-4, end_lr=end, num_steps=100, batch_size=len(X),
                           mode=mode)
    assert result.mode == mode
    # base below the fastest rate, max inside the stable region and within a factor 5 of
    # the fastest rate: the cycle sweeps the rates that train this bowl well
    assert result.base_lr < best and best / 5 < result.max_lr < unstable
    assert result.base_lr < result.max_lr
    start = train_bowl(X, y, (result.base_lr, result.max_lr))
    assert start[-1] < 1e-3 * start[0]                      # the cycle trains the bowl
    too_high = train_bowl(X, y, (result.base_lr, 3 * unstable))
    assert not np.isfinite(too_high[-1]) or too_high[-1] > start[0]  # beyond the climb


def test_range_result_carries_cyclic_bounds_for_a_real_network():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 5)).astype(np.float32)
    y = (X @ rng.standard_normal(5) > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(5, 16, generator=rng), nn.ReLU(),
                          nn.Linear(16, 2, generator=rng))
    result = lr_range_test(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                           X, y, start_lr=1e-4, end_lr=5.0, num_steps=80, mode="linear")
    assert result.lrs[1] - result.lrs[0] == pytest.approx((5.0 - 1e-4) / 79)
    assert result.lrs[0] <= result.base_lr < result.max_lr <= result.lrs[-1]
    assert np.isfinite(result.base_lr) and np.isfinite(result.max_lr)
