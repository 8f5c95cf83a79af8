"""The objective: the trial's values land at their dotted paths of the config, the same
seed for every trial, and k-fold cross-validation gives a mean with its std."""
import optuna
import pytest

from nnforge.tune.objective import ConfigObjective
from nnforge.tune.space import SearchSpace

optuna.logging.set_verbosity(optuna.logging.WARNING)

IRIS = {"name": "iris-cv", "seed": 5, "data": {"dataset": "iris"},
        "model": {"layers": [{"type": "Linear", "in_features": 4, "out_features": 3}]},
        "optimizer": {"type": "Adam", "lr": 0.01},
        "train": {"epochs": 3, "batch_size": 16}}
SPACE = SearchSpace.from_dict({"optimizer.lr": {"type": "loguniform", "low": 1e-2,
                                                "high": 1e-1}})


def test_trial_config_applies_values_and_keeps_the_seed():
    objective = ConfigObjective(IRIS, SPACE)
    study = optuna.create_study()
    configs = [objective.trial_config(study.ask())[0] for _ in range(3)]
    assert all(c["seed"] == 5 for c in configs)
    assert len({c["optimizer"]["lr"] for c in configs}) == 3
    assert IRIS["optimizer"]["lr"] == 0.01
    per_trial = ConfigObjective(IRIS, SPACE, seed_per_trial=True)
    assert [per_trial.trial_config(study.ask())[0]["seed"] for _ in range(2)] == [8, 9]


def test_k_fold_objective_reports_mean_and_std(tmp_path):
    objective = ConfigObjective(IRIS, SPACE, metric="val_accuracy", cv=3, out_dir=tmp_path)
    study = optuna.create_study(direction="maximize")
    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    folds = trial.user_attrs["fold_values"]
    assert len(folds) == 3 and all(0 <= v <= 1 for v in folds)
    assert trial.value == pytest.approx(sum(folds) / 3)
    assert trial.user_attrs["cv_std"] > 0 or len(set(folds)) == 1
    assert trial.user_attrs["epochs"] == 9
    assert (tmp_path / "trial_0000" / "fold_2" / "history.csv").exists()
