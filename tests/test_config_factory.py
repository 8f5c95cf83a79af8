"""The config package's parts on their own: one-line errors that name the key, the
registry's kinds, the class attributes that replaced class-name lists, and the factory's
scheduler-length rule."""
import subprocess
import sys

import numpy as np
import pytest

import nnforge
from nnforge import nn, optim
from nnforge.config.errors import ConfigError, constructing, suggest
from nnforge.config.factory import scheduler_with_length
from nnforge.config.registry import classes, kind_of, lookup
from nnforge.errors import ArgumentError
from nnforge.optim import lr_scheduler
from nnforge.train.stepping import lr_scale_conflict, metric_interval_problem


def _sgd(lr=0.1):
    return optim.SGD([nnforge.tensor(np.zeros(3), requires_grad=True)], lr=lr, momentum=0.9)


def test_constructing_names_the_key_an_argument_error_names():
    with pytest.raises(ConfigError) as info, constructing("optimizer"):
        optim.SGD([nnforge.tensor(np.zeros(2), requires_grad=True)], lr=-1.0)
    assert str(info.value) == ("optimizer.lr: SGD(lr=-1.0): lr must be a non-negative "
                               "number (>= 0), got -1.0")
    with pytest.raises(ConfigError) as info, constructing("model.layers.2", "Dropout"):
        nn.Dropout(1.5)
    assert str(info.value).startswith("model.layers.2 (Dropout): Dropout: p ")
    with pytest.raises(ConfigError, match=r"^x: y$"), constructing("ignored"):
        raise ConfigError("x: y")                   # already a config error: unchanged


def test_argument_errors_are_value_errors_with_the_same_message():
    with pytest.raises(ValueError, match=r"^StepLR\(step_size=0\)") as info:
        lr_scheduler.StepLR(_sgd(), step_size=0)
    assert isinstance(info.value, ArgumentError) and info.value.argument == "step_size"


def test_errors_survive_pickling():
    import pickle
    argument = pickle.loads(pickle.dumps(ArgumentError("lr", "SGD(lr=-1): bad")))
    assert (argument.argument, str(argument)) == ("lr", "SGD(lr=-1): bad")
    config = pickle.loads(pickle.dumps(ConfigError("optimizer.lr: bad", "a.toml")))
    assert (str(config), config.source) == ("a.toml: optimizer.lr: bad", "a.toml")


def test_config_error_names_its_file_once():
    error = ConfigError("optimizer.lr: bad")
    named = error.in_file("a.toml")
    assert str(named) == "a.toml: optimizer.lr: bad" and named.source == "a.toml"
    assert named.in_file("b.toml") is named and error.in_file(None) is error


@pytest.mark.parametrize("name, expected", [("relu", "ReLU"), ("acc", "accuracy"),
                                            ("StepLRR", "StepLR"), ("zzz", None)])
def test_suggest(name, expected):
    assert suggest(name, ["ReLU", "accuracy", "StepLR", "Linear"]) == expected


def test_lookup_suggests_the_closest_registered_name():
    assert lookup("optimizer", "Adam", "optimizer") is optim.Adam
    with pytest.raises(ConfigError, match=r"^loss\.type: unknown loss 'MSE' \(did you mean "
                                          r"'MSELoss'\?\)$"):
        lookup("loss", "MSE", "loss")


def test_the_registry_sorts_the_library_by_kind():
    losses = classes("loss")
    assert set(losses) >= {"BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "L1Loss",
                           "MSELoss", "NLLLoss", "SoftMarginLoss"}
    assert all(c.target_kind in ("class", "binary", "real", "sign") for c in losses.values())
    assert not set(losses) & set(classes("layer"))
    assert {"Linear", "Conv2d", "Sequential", "Residual", "Dropout"} <= set(classes("layer"))
    assert set(classes("optimizer")) >= {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad",
                                         "Adadelta"}
    assert "ReduceLROnPlateau" in classes("scheduler") and "LRScheduler" not in \
        classes("scheduler")
    assert "RandomCrop" in classes("transform") and "Compose" not in classes("transform")
    assert kind_of(nn.MSELoss) == "loss" and kind_of(nn.ReLU) == "layer"


@pytest.mark.parametrize("loss, target_kind, expects", [
    (nn.CrossEntropyLoss, "class", "logits"), (nn.NLLLoss, "class", "log_probabilities"),
    (nn.BCEWithLogitsLoss, "binary", "logits"), (nn.BCELoss, "binary", "probabilities"),
    (nn.MSELoss, "real", "values"), (nn.L1Loss, "real", "values"),
    (nn.SoftMarginLoss, "sign", "logits")])
def test_losses_declare_their_targets_and_outputs(loss, target_kind, expects):
    assert (loss.target_kind, loss.expects) == (target_kind, expects)


def test_only_dropout_and_batch_norm_depend_on_the_mode():
    dependent = {n for n, c in classes("layer").items() if c.mode_dependent}
    assert {"Dropout", "BatchNorm1d", "BatchNorm2d"} <= dependent
    assert not dependent & {"Linear", "ReLU", "Conv2d", "MaxPool2d", "Sequential"}


def test_schedulers_declare_metric_interval_and_length():
    table = classes("scheduler")
    assert {n for n, c in table.items() if c.needs_metric} >= {"ReduceLROnPlateau"}
    assert table["StepLR"].needs_metric is False
    assert (table["OneCycleLR"].interval, table["CyclicLR"].interval) == ("step", "step")
    assert table["OneCycleLR"].length_argument == "total_steps"
    assert table["CosineAnnealingLR"].length_argument == "T_max"
    assert metric_interval_problem(lr_scheduler.ReduceLROnPlateau, "step") == \
        "ReduceLROnPlateau needs the monitored metric, which exists once per epoch"
    assert metric_interval_problem(lr_scheduler.ReduceLROnPlateau, "epoch") is None
    assert metric_interval_problem(lr_scheduler.StepLR, "step") is None


def test_lr_scale_conflict_only_when_the_batch_is_capped():
    assert lr_scale_conflict(optim.BatchSizeSchedule(32, [1], 4, max_batch_size=64), 3)
    assert not lr_scale_conflict(optim.BatchSizeSchedule(32, [1], 4), 3)
    assert not lr_scale_conflict(optim.BatchSizeSchedule(32, [5], 4, max_batch_size=64), 3)
    assert not lr_scale_conflict(None, 3)


def test_scheduler_length_is_filled_from_epochs_or_updates():
    length = {"epoch": 6, "step": 60}.__getitem__
    one_cycle = scheduler_with_length(lr_scheduler.OneCycleLR, _sgd(), {"max_lr": 1.0},
                                      length)
    assert one_cycle.total_steps == 60                     # stepped per batch by default
    cosine = scheduler_with_length(lr_scheduler.CosineAnnealingLR, _sgd(), {}, length)
    assert cosine.T_max == 6
    given = scheduler_with_length(lr_scheduler.OneCycleLR, _sgd(),
                                  {"max_lr": 1.0, "epochs": 2, "steps_per_epoch": 5}, length)
    assert given.total_steps == 10                         # the caller's own length wins
    per_epoch = scheduler_with_length(lr_scheduler.OneCycleLR, _sgd(), {"max_lr": 1.0},
                                      length, "epoch")
    assert per_epoch.total_steps == 6


def test_registry_and_factory_do_not_need_pydantic():
    code = ("import sys, nnforge.config, nnforge.config.factory, nnforge.cli; "
            "nnforge.config.register; print('pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
