"""Pure schedule functions: the course's worked test vectors and closed-form identities."""
import math

import numpy as np
import pytest

from nnforge.optim import schedules as S


def _values(f, steps):
    return [f(t) for t in steps]


def test_decay_schedules_match_the_worked_values():
    t = range(5)
    np.testing.assert_allclose(_values(S.inverse_time(0.1, 0.5), t),
                               [0.1, 0.066667, 0.05, 0.04, 0.033333], atol=1e-6)
    np.testing.assert_allclose(_values(S.exponential(0.1, math.exp(-0.5)), t),
                               [0.1, 0.060653, 0.036788, 0.022313, 0.013534], atol=1e-6)
    np.testing.assert_allclose(_values(S.polynomial(0.1, total_iters=4, power=1), t),
                               [0.1, 0.075, 0.05, 0.025, 0.0], atol=1e-12)
    np.testing.assert_allclose(_values(S.step_decay(0.1, step_size=2, gamma=1 / 10), t),
                               [0.1, 0.1, 0.01, 0.01, 0.001], rtol=1e-12)


def test_cyclical_learning_rates_match_the_worked_values():
    its = [0, 1000, 2000, 3000, 4000, 6000, 10000]
    kw = dict(base_lr=0.001, max_lr=0.006, step_size_up=2000)
    np.testing.assert_allclose(_values(S.cyclic(**kw), its),
                               [0.001, 0.0035, 0.006, 0.0035, 0.001, 0.006, 0.006], atol=1e-9)
    np.testing.assert_allclose(_values(S.cyclic(mode="triangular2", **kw), its),
                               [0.001, 0.0035, 0.006, 0.0035, 0.001, 0.0035, 0.00225], atol=1e-9)
    np.testing.assert_allclose(_values(S.cyclic(mode="exp_range", gamma=0.99994, **kw), its),
                               [0.001, 0.003354, 0.005435, 0.003088, 0.001, 0.004488, 0.003744],
                               atol=1e-6)


def test_cosine_matches_the_worked_values():
    np.testing.assert_allclose(_values(S.cosine(0.1, T_max=100), [0, 25, 50, 75, 100]),
                               [0.1, 0.085355, 0.05, 0.014645, 0.0], atol=1e-6)


def test_cosine_continues_past_t_max_like_pytorch():
    f = S.cosine(1.0, T_max=10, eta_min=0.1)
    assert f(10) == pytest.approx(0.1) and f(20) == pytest.approx(1.0)
    assert f(15) == pytest.approx(f(5))


def test_warm_restarts_periods():
    f = S.cosine_warm_restarts(1.0, T_0=2, T_mult=2)
    # periods of 2, 4, 8 steps: restarts at 0, 2, 6, 14
    assert [t for t in range(20) if f(t) == 1.0] == [0, 2, 6, 14]
    assert S.restart_position(13, 2, 2) == (7, 8) and S.restart_position(5, 3) == (2, 3)


def test_one_cycle_shape():
    f = S.one_cycle(1.0, total_steps=100)
    assert f(0) == pytest.approx(0.04) and f(29) == pytest.approx(1.0)
    assert f(99) == pytest.approx(0.04 / 1e4)
    m = S.one_cycle_momentum(100)
    assert m(0) == pytest.approx(0.95) and m(29) == pytest.approx(0.85) and m(99) == pytest.approx(0.95)
    three = S.one_cycle(1.0, total_steps=100, three_phase=True, anneal_strategy="linear")
    assert three(29) == pytest.approx(1.0) and three(58) == pytest.approx(0.04)


def test_linear_and_constant_factors_and_ramps():
    assert _values(S.linear(1.0, 0.25, 1.0, 3), range(5)) == pytest.approx([0.25, 0.5, 0.75, 1, 1])
    assert _values(S.constant_factor(1.0, 0.5, 2), range(4)) == [0.5, 0.5, 1.0, 1.0]
    assert _values(S.linear_ramp(0.5, 0.9, 4), range(6)) == pytest.approx(
        [0.5, 0.6, 0.7, 0.8, 0.9, 0.9])
    assert _values(S.piecewise_constant([0.5, 0.9], [3]), range(5)) == [0.5] * 3 + [0.9] * 2
    assert S.multiplicative(1.0, lambda k: 0.5)(3) == 0.125
    assert S.multistep(1.0, [2, 2, 5], 0.5)(4) == 0.25


def test_join_schedules_restarts_each_piece():
    f = S.join_schedules([S.linear(1.0, 0.1, 1.0, 4), S.exponential(1.0, 0.5)], [4])
    assert _values(f, range(7)) == pytest.approx([0.1, 0.325, 0.55, 0.775, 1.0, 0.5, 0.25])


@pytest.mark.parametrize("call, match", [
    (lambda: S.cyclic(0.1, 1.0, mode="sine")(0), "mode"),
    (lambda: S.piecewise_constant([1, 2], [1, 2]), "one more value"),
    (lambda: S.join_schedules([S.constant(1)], [3]), "one more schedule"),
])
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
