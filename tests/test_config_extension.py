"""Extending nnforge from outside the package: a new loss, a layer whose behaviour depends
on train/eval mode and a scheduler that needs a metric are each one class, registered with
one public call and trained from a TOML config through the factory `nnforge train` uses.
A config can only name registered classes, never an importable dotted path."""
import json
import math

import numpy as np
import pytest

import nnforge
import nnforge.config
from nnforge import nn
from nnforge.build import build_run, fit_run
from nnforge.cli import main
from nnforge.config import ConfigError, parse_config
from nnforge.diagnose import check_eval_mode
from nnforge.errors import ArgumentError
from nnforge.nn import functional as F
from nnforge.optim.lr_scheduler import LRScheduler
from nnforge.random import resolve_generator


class FocalLoss(nn.Module):
    """Cross-entropy with easy samples down-weighted: mean((1 - p_y)^gamma * -log p_y)."""

    target_kind = "class"           # integer class indices
    expects = "logits"

    def __init__(self, gamma=2.0):
        super().__init__()
        if gamma < 0:
            raise ArgumentError("gamma", f"FocalLoss(gamma={gamma!r}): expected >= 0")
        self.gamma = gamma

    def forward(self, input, target):
        ce = F.cross_entropy(input, target, reduction="none")
        return ((1 - (-ce).exp()) ** self.gamma * ce).mean()


class GaussianNoiseLayer(nn.Module):
    """Adds N(0, std^2) noise in training mode; the identity in eval mode."""

    mode_dependent = True

    def __init__(self, std=0.1, *, generator=None):
        super().__init__()
        self.std, self.generator = std, resolve_generator(generator)

    def forward(self, input):
        if not self.training:
            return input
        noise = self.generator.normal(0.0, self.std, input.shape).astype(input.dtype)
        return input + nnforge.tensor(noise)


class HalveWhenWorse(LRScheduler):
    """Multiplies the LR by `factor` whenever the monitored value is worse than its best."""

    needs_metric = True

    def __init__(self, optimizer, factor=0.5):
        if not 0 < factor < 1:
            raise ArgumentError("factor", f"HalveWhenWorse(factor={factor!r}): expected a "
                                "factor in (0, 1)")
        self.optimizer, self.factor = optimizer, factor
        self.best, self.seen, self.last_epoch = math.inf, [], 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self, metrics):
        value = float(metrics)
        self.seen.append(value)
        self.last_epoch += 1
        if value > self.best:
            for group in self.optimizer.param_groups:
                group["lr"] *= self.factor
        self.best = min(self.best, value)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


@pytest.fixture(autouse=True, scope="module")
def registered():
    """Register the three outside classes for this module's tests only, so the names they
    add do not show up in other tests' lists of choices."""
    from nnforge.config import registry

    for cls in (FocalLoss, GaussianNoiseLayer, HalveWhenWorse):
        nnforge.config.register(cls)
    yield
    for cls in (FocalLoss, GaussianNoiseLayer, HalveWhenWorse):
        registry._TABLE[registry.kind_of(cls)].pop(cls.__name__, None)

CONFIG = """
seed = 0
[data]
dataset = "digits"
[model]
layers = [
    {type = "Linear", in_features = 64, out_features = 32},
    {type = "ReLU"},
    {type = "GaussianNoiseLayer", std = 0.1},
    {type = "Linear", in_features = 32, out_features = 10},
]
[loss]
type = "FocalLoss"
gamma = 2.0
[optimizer]
type = "Adam"
lr = 0.01
[scheduler]
type = "HalveWhenWorse"
factor = 0.5
monitor = "val_loss"
[train]
epochs = 4
batch_size = 64
"""


def _config(text=CONFIG, source="ext.toml"):
    import tomllib
    return parse_config(tomllib.loads(text), source)


def test_the_command_line_trains_the_registered_classes(tmp_path, capsys):
    path = tmp_path / "ext.toml"
    path.write_text(CONFIG)
    assert main(["train", str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["status"] == "finished" and metrics["epochs"] == 4
    assert metrics["test_accuracy"] > 0.85
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["loss"] == {"type": "FocalLoss", "gamma": 2.0}


def test_each_class_does_its_part_in_the_built_run():
    run = build_run(_config())
    assert isinstance(run.loss_fn, FocalLoss) and isinstance(run.scheduler, HalveWhenWorse)
    assert run.trainer.plan.needs_metric and run.trainer.plan.interval == "epoch"
    history = fit_run(run, verbose=0)
    assert run.scheduler.seen == pytest.approx(history["val_loss"])    # fed the metric
    assert history["lr"] == pytest.approx(_halvings(history["val_loss"], 0.01)[:4])
    noise = run.model[2]
    run.model.train()
    assert check_eval_mode(run.model, warn=False) == ["2"]   # the guard sees the new layer
    run.model.eval()
    x = nnforge.tensor(np.ones((3, 32), dtype=np.float32))
    np.testing.assert_array_equal(noise(x).data, x.data)
    assert check_eval_mode(run.model, warn=False) == []


def _halvings(values, lr, factor=0.5):
    """LR at the start of each epoch and after the last, for HalveWhenWorse fed `values`."""
    lrs, best = [lr], math.inf
    for value in values:
        lr = lr * factor if value > best else lr
        best = min(best, value)
        lrs.append(lr)
    return lrs


def test_the_metric_scheduler_halves_on_a_worse_value():
    from nnforge import optim
    sgd = optim.SGD([nnforge.tensor(np.zeros(2), requires_grad=True)], lr=1.0)
    scheduler = HalveWhenWorse(sgd)
    values = [1.0, 0.8, 0.9, 0.7, 0.95, 0.96]
    lrs = []
    for value in values:
        scheduler.step(value)
        lrs.append(sgd.param_groups[0]["lr"])
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25, 0.125] == _halvings(values, 1.0)[1:]


def test_focal_loss_with_gamma_zero_is_cross_entropy():
    rng = np.random.default_rng(0)
    logits = nnforge.tensor(rng.normal(size=(6, 4)))
    y = nnforge.tensor(rng.integers(0, 4, 6))
    np.testing.assert_allclose(FocalLoss(0.0)(logits, y).data,
                               nn.CrossEntropyLoss()(logits, y).data, rtol=1e-12)


@pytest.mark.parametrize("change, expected", [
    (("factor = 0.5", "factor = 2.0"),
     "ext.toml: scheduler.factor: HalveWhenWorse(factor=2.0): expected a factor in (0, 1)"),
    (("gamma = 2.0", "gamma = -1.0"), "ext.toml: loss.gamma: FocalLoss(gamma=-1.0): expected"),
    (("std = 0.1", "sdt = 0.1"), "ext.toml: model.layers.2.sdt: unknown key (allowed: type, "
                                 "std)"),
    (('monitor = "val_loss"', 'monitor = "val_loss"\ninterval = "step"'),
     "ext.toml: scheduler.interval: HalveWhenWorse needs the monitored metric"),
])
def test_mistakes_with_registered_classes_name_the_key(change, expected):
    with pytest.raises(ConfigError) as info:
        build_run(_config(CONFIG.replace(*change)))
    assert str(info.value).startswith(expected), str(info.value)


@pytest.mark.parametrize("name", ["os.system", "nnforge.nn.Linear", "builtins.eval",
                                  "tests.test_config_extension.Unregistered", "Unregistered"])
def test_a_config_cannot_name_a_dotted_path_or_an_unregistered_class(name):
    with pytest.raises(ConfigError, match=r"model\.layers\.0\.type: unknown layer"):
        _config(CONFIG.replace('type = "Linear", in_features = 64',
                               f'type = "{name}", in_features = 64', 1))


class Unregistered(nn.Module):
    def forward(self, input):
        return input


def test_register_refuses_a_name_taken_by_another_class():
    class FocalLoss(nn.Module):          # same name, different class
        target_kind, expects = "class", "logits"

    with pytest.raises(ValueError, match="register: loss 'FocalLoss' already names"):
        nnforge.config.register(FocalLoss)
    nnforge.config.register(HalveWhenWorse)          # the same class again: harmless
    with pytest.raises(TypeError, match="register: expected an nnforge Module"):
        nnforge.config.register(dict)
