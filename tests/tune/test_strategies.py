"""Strategies: grid covers exactly the grid, log-uniform draws are uniform in log space,
coarse-to-fine shrinks its windows and beats random search on the same budget."""
import math
from types import SimpleNamespace

import numpy as np
import optuna
import pytest
from scipy import stats

from nnforge.tune.runner import TuneConfig, tune
from nnforge.tune.space import SearchSpace
from nnforge.tune.strategies import (CoarseToFineSampler, SeededRandomSampler,
                                     one_factor_at_a_time, refine_windows)

from synthetic import BASE, distance, make_train_fn, tune_table

optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_grid_search_visits_exactly_the_grid(tmp_path):
    params = {"optimizer.lr": {"type": "loguniform", "low": 1e-3, "high": 1e-1, "num": 3},
              "x": {"type": "uniform", "low": 0.0, "high": 1.0, "values": [0.0, 0.3, 0.6, 1.0]}}
    config = (BASE, TuneConfig.from_dict(tune_table("grid", None, **params)))
    study = tune(config, workers=2, storage=tmp_path / "grid.journal", out_dir=tmp_path,
                 train_fn=make_train_fn(epochs=1))
    trials = study.get_trials()
    visited = sorted((round(t.params["optimizer.lr"], 12), t.params["x"]) for t in trials)
    expected = sorted((round(lr, 12), x) for lr in (1e-3, 1e-2, 1e-1)
                      for x in (0.0, 0.3, 0.6, 1.0))
    assert visited == expected                       # every point once, nothing else
    assert all(t.state.name == "COMPLETE" for t in trials)
    assert all(t.user_attrs["seed"] == 3 for t in trials)         # one seed for all


def test_log_uniform_samples_are_uniform_in_log_space():
    sampler = SeededRandomSampler(seed=7)
    dist = optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True)
    draws = np.array([sampler.sample_independent(None, SimpleNamespace(number=n), "lr", dist)
                      for n in range(2000)])
    assert draws.min() >= 1e-4 and draws.max() <= 1e-1
    in_log = stats.kstest(np.log10(draws), stats.uniform(loc=-4, scale=3).cdf)
    assert in_log.pvalue > 0.01
    linear = stats.kstest(draws, stats.uniform(loc=1e-4, scale=1e-1 - 1e-4).cdf)
    assert linear.pvalue < 1e-10                     # and clearly not uniform in lr itself
    # each decade gets about a third of the draws
    decades = np.histogram(np.log10(draws), bins=[-4, -3, -2, -1])[0] / len(draws)
    np.testing.assert_allclose(decades, 1 / 3, atol=0.04)


def test_random_draws_depend_on_trial_number_not_on_worker():
    dist = optuna.distributions.IntDistribution(16, 256, log=True)
    a = [SeededRandomSampler(1).sample_independent(None, SimpleNamespace(number=n), "w", dist)
         for n in range(50)]
    b = [SeededRandomSampler(1).sample_independent(None, SimpleNamespace(number=n), "w", dist)
         for n in reversed(range(50))][::-1]
    assert a == b and len(set(a)) > 20 and min(a) >= 16 and max(a) <= 256


def test_refine_windows_shrinks_recentres_and_widens_on_the_boundary():
    hard = {"a": (0.0, 10.0)}
    inside = refine_windows({"a": (2.0, 6.0)}, hard, {"a": 4.5}, {}, shrink=0.5)
    assert inside["a"] == pytest.approx((3.5, 5.5))          # centred on 4.5, width 4 -> 2
    edge = refine_windows({"a": (2.0, 6.0)}, hard, {"a": 5.9}, {}, shrink=0.5)
    assert edge["a"] == pytest.approx((1.9, 9.9))            # on the edge: width 4 -> 8
    clipped = refine_windows({"a": (0.0, 4.0)}, hard, {"a": 0.1}, {}, shrink=0.5)
    assert clipped["a"] == pytest.approx((0.0, 2.0))         # at the declared bound: shrink
    cats = refine_windows({"c": ["a", "b", "c"]}, hard, {}, {"c": ["b", "b"]})
    assert cats["c"] == ["b"]


def _evaluations_to_tolerance(sampler, budget, tol):
    space = SearchSpace.from_dict(tune_table()["params"])
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: distance(**{"lr" if k == "optimizer.lr" else k: v
                                         for k, v in space.suggest(t).items()}),
                   n_trials=budget)
    for trial in study.trials:
        if trial.value < tol:
            return trial.number + 1, study
    return budget + 1, study


def test_coarse_to_fine_shrinks_round_by_round_and_beats_random_search():
    budget, tol, seeds = 100, 0.01, range(5)
    space = SearchSpace.from_dict(tune_table()["params"])
    fine, coarse = [], []
    for seed in seeds:
        sampler = CoarseToFineSampler(space, per_round=10, shrink=0.5, seed=seed)
        n, study = _evaluations_to_tolerance(sampler, budget, tol)
        fine.append(n)
        widths = [sampler.windows(study, r)["x"] for r in range(budget // 10)]
        widths = [hi - lo for lo, hi in widths]
        assert widths[-1] < widths[0] / 8                    # the window closed in
        assert sum(b < a for a, b in zip(widths, widths[1:])) >= 4
        coarse.append(_evaluations_to_tolerance(SeededRandomSampler(seed), budget, tol)[0])
    # random search needs ~1/(0.02 * 0.02) = 2500 draws to land within tol of the optimum
    assert max(fine) <= budget, fine
    assert np.mean(fine) < np.mean(coarse), (fine, coarse)


def test_one_factor_at_a_time_varies_one_parameter_from_the_base():
    space = SearchSpace.from_dict({
        "optimizer.lr": {"type": "loguniform", "low": 1e-3, "high": 1e-1, "num": 3},
        "x": {"type": "uniform", "low": 0, "high": 1, "values": [0.0, 0.5, 1.0]}})
    points = one_factor_at_a_time(space, BASE)
    base = {"optimizer.lr": 0.1, "x": 0.5}
    assert points[0] == {"optimizer.lr": pytest.approx(1e-3), "x": 0.5}
    assert len(points) == 5                  # 3 lr values + 2 more x values (base shared)
    for point in points:
        assert sum(not math.isclose(point[k], base[k]) for k in base) <= 1


def test_tpe_and_hyperband_run_through_the_same_loop(tmp_path):
    for strategy in ("tpe", "hyperband"):
        config = (BASE, TuneConfig.from_dict(tune_table(strategy, 12)))
        study = tune(config, storage=tmp_path / f"{strategy}.journal", out_dir=tmp_path,
                     train_fn=make_train_fn(epochs=9))
        states = [t.state.name for t in study.trials]
        assert len(states) == 12 and "FAIL" not in states
        if strategy == "hyperband":
            assert "PRUNED" in states
            pruned = [t for t in study.trials if t.state.name == "PRUNED"]
            assert all(t.user_attrs["epochs"] < 9 for t in pruned)
