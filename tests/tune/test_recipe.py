"""The course recipe's default search space: learning rate around the recipe's value on a log
scale, power-of-two batch sizes, dropout per Dropout layer, momentum for SGD."""
import pytest

from nnforge.tune.recipe import default_params
from nnforge.tune.runner import TuneConfig

BASE = {"model": {"layers": [{"type": "Linear", "in_features": 4, "out_features": 8},
                             {"type": "Dropout", "p": 0.5},
                             {"type": "Linear", "in_features": 8, "out_features": 3}]},
        "optimizer": {"type": "Adam", "lr": 1e-3}, "train": {"batch_size": 32}}


def test_adam_recipe():
    params = default_params(BASE)
    assert params["optimizer.lr"] == {"type": "loguniform", "low": pytest.approx(3e-5),
                                      "high": pytest.approx(3e-3)}
    assert params["train.batch_size"]["choices"] == [8, 16, 32, 64, 128]
    assert params["model.layers.1.p"] == {"type": "uniform", "low": 0.0, "high": 0.5}
    assert "optimizer.momentum" not in params


def test_sgd_with_momentum_recipe_centres_on_1e_4():
    params = default_params({**BASE, "optimizer": {"type": "SGD", "momentum": 0.9}})
    assert params["optimizer.lr"]["low"] == pytest.approx(1e-5)
    assert params["optimizer.momentum"] == {"type": "uniform", "low": 0.5, "high": 0.99}


def test_recipe_in_the_tune_table_keeps_explicit_params_and_checks_paths():
    table = {"recipe": "default",
             "params": {"optimizer.lr": {"type": "loguniform", "low": 1e-4, "high": 1e-2}}}
    tc = TuneConfig.from_dict(table, BASE)
    assert [p.path for p in tc.space] == ["optimizer.lr", "train.batch_size",
                                          "model.layers.1.p"]
    assert tc.space["optimizer.lr"].low == 1e-4
    tc.space.check_paths(BASE)
    with pytest.raises(ValueError, match="tune.recipe: expected \"default\", got 'fancy'"):
        TuneConfig.from_dict({"recipe": "fancy"}, BASE)
