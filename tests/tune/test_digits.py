"""Real searches on scikit-learn's digits through nnforge.config/build, the path
`nnforge train` takes: random search reaches >= 0.97 validation accuracy; Hyperband finds
the same best value as random search over the same points with fewer epochs in total."""
import copy
import tomllib
from pathlib import Path

import optuna
import pytest

from nnforge.tune.runner import TuneConfig, tune

optuna.logging.set_verbosity(optuna.logging.WARNING)
EXAMPLE = Path(__file__).parents[2] / "examples" / "tune_digits.toml"


def _config(strategy, trials, epochs):
    with open(EXAMPLE, "rb") as handle:
        raw = tomllib.load(handle)
    table = raw.pop("tune")
    raw["train"]["epochs"] = epochs
    table.update(strategy=strategy, trials=trials)
    return raw, TuneConfig.from_dict(copy.deepcopy(table))


def _epochs(study):
    return sum(t.user_attrs["epochs"] for t in study.trials)


def test_random_search_on_digits_reaches_097(tmp_path):
    study = tune(_config("random", 20, 10), workers=2, storage=tmp_path / "r.journal",
                 out_dir=tmp_path)
    assert len(study.trials) == 20
    assert all(t.state.name == "COMPLETE" for t in study.trials)
    assert study.best_value >= 0.97
    best = study.best_trial
    assert best.user_attrs["seed"] == 0 and best.user_attrs["epochs"] >= 1
    assert Path(best.user_attrs["run_dir"], "metrics.json").exists()
    assert Path(best.user_attrs["run_dir"], "model.safetensors").exists()   # a full run
    assert "test_accuracy" in best.user_attrs["metrics"]


def test_hyperband_matches_random_search_with_fewer_epochs(tmp_path):
    # The same seeded random points (trial k gets the same values in both studies); the
    # pruner stops the poor ones early, so the best value can only be lost if Hyperband
    # pruned the best point.
    full = tune(_config("random", 9, 9), storage=tmp_path / "full.journal",
                out_dir=tmp_path, study_name="full")
    hyper = tune(_config("hyperband", 9, 9), storage=tmp_path / "hb.journal",
                 out_dir=tmp_path, study_name="hb")
    assert [t.params for t in full.trials] == [t.params for t in hyper.trials]
    assert any(t.state.name == "PRUNED" for t in hyper.trials)
    assert hyper.best_value == pytest.approx(full.best_value)
    assert _epochs(hyper) < _epochs(full) == 9 * 9
