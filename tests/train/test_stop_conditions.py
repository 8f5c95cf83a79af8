"""TimeStopping and ThresholdStopping: scripted clocks and losses, then inside a real fit
where the stop reason reaches the History."""
from types import SimpleNamespace

import numpy as np
import pytest

import nnforge.nn as nn
from nnforge import optim
from nnforge.train import ThresholdStopping, TimeStopping, Trainer


class FakeClock:
    """Returns the scripted times one after another (the callback's only time source)."""

    def __init__(self, times):
        self.times = list(times)

    def __call__(self):
        return self.times.pop(0)


def drive(callback, epochs_logs):
    trainer = SimpleNamespace(stop_training=False, stop_reason=None)
    callback.set_trainer(trainer)
    callback.on_train_begin({})
    for epoch, logs in enumerate(epochs_logs):
        callback.on_epoch_end(epoch, logs)
        if trainer.stop_training:
            return epoch + 1, trainer.stop_reason
    return None, None


def test_time_budget_stops_after_the_epoch_that_uses_it_up():
    # start at 100 s, epochs end at 103, 106, 109.5, 113 s: 9.5 s >= 9 s after epoch 3
    stopping = TimeStopping(9, clock=FakeClock([100, 103, 106, 109.5, 113]))
    stopped, reason = drive(stopping, [{}] * 4)
    assert stopped == 3 == stopping.stopped_epoch
    assert stopping.elapsed == pytest.approx(9.5)
    assert reason == "time budget of 9 s used up after epoch 3 (9.5 s elapsed)"


def test_time_budget_with_prediction_stays_inside_the_budget():
    # after epoch 2: 6 s used, the longest epoch took 3.5 s: 9.5 > 9, so stop now
    stopping = TimeStopping(9, predict_next=True, clock=FakeClock([0, 2.5, 6, 8]))
    stopped, reason = drive(stopping, [{}] * 3)
    assert stopped == 2
    assert "another epoch of up to 3.5 s would exceed it" in reason
    stopping = TimeStopping(100, clock=FakeClock([0, 1, 2, 3]))
    assert drive(stopping, [{}] * 3) == (None, None) and stopping.stopped_epoch is None


def test_time_stopping_is_reusable_and_validates():
    clock = FakeClock([0, 5, 10, 11, 12])
    stopping = TimeStopping(4, clock=clock)
    assert drive(stopping, [{}] * 2)[0] == 1
    assert drive(stopping, [{}] * 2)[0] is None            # a new fit starts a new budget
    for bad in (0, -1, float("inf"), "60", True):
        with pytest.raises(ValueError, match=r"TimeStopping\(seconds\): expected a positive"):
            TimeStopping(bad)


@pytest.mark.parametrize("monitor, threshold, values, expected", [
    ("loss", 0.1, [0.9, 0.4, 0.12, 0.1, 0.05], 4),        # min: stop when loss <= 0.1
    ("accuracy", 0.95, [0.5, 0.8, 0.96, 0.99], 3),        # max (auto): accuracy >= 0.95
    ("loss", 0.01, [0.9, 0.4, 0.2], None),
])
def test_threshold_stops_at_the_first_epoch_that_reaches_it(monitor, threshold, values,
                                                          expected):
    stopping = ThresholdStopping(monitor, threshold)
    stopped, reason = drive(stopping, [{monitor: v} for v in values])
    assert stopped == expected == stopping.stopped_epoch
    if expected is not None:
        relation = ">=" if monitor == "accuracy" else "<="
        assert reason == (f"{monitor} reached the threshold at epoch {expected}: "
                          f"{values[expected - 1]:.6g} {relation} {threshold:g}")


def test_threshold_mode_override_and_errors():
    stopping = ThresholdStopping("score", 3.0, mode="max")
    assert drive(stopping, [{"score": 1.0}, {"score": 3.5}])[0] == 2
    with pytest.raises(ValueError, match=r"monitor 'val_loss' is not in the logs"):
        drive(ThresholdStopping("val_loss", 0.1), [{"loss": 0.5}])
    with pytest.raises(ValueError, match=r"ThresholdStopping\(threshold\): expected a finite"):
        ThresholdStopping("loss")
    with pytest.raises(ValueError, match=r"ThresholdStopping\(mode='down'\)"):
        ThresholdStopping("loss", 0.1, mode="down")


def blobs(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((128, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    return X, y


def model(seed=0):
    g = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(4, 16, generator=g), nn.ReLU(), nn.Linear(16, 2, generator=g))


def test_threshold_ends_a_real_fit_with_its_reason():
    X, y = blobs()
    net = model()
    trainer = Trainer(net, optim.Adam(net.parameters(), lr=0.05), nn.CrossEntropyLoss(),
                      callbacks=[ThresholdStopping("accuracy", 0.95)], generator=0)
    history = trainer.fit((X, y), epochs=50, batch_size=32, verbose=0)
    assert len(history) < 50
    accuracy = list(history["accuracy"])
    assert accuracy[-1] >= 0.95 > max(accuracy[:-1])
    assert history.stop_reason.startswith(f"accuracy reached the threshold at epoch "
                                          f"{len(history)}")


def test_time_budget_ends_a_real_fit_with_its_reason():
    X, y = blobs()
    net = model()
    ticks = iter(range(0, 1000, 10))                        # every epoch "takes" 10 s
    stopping = TimeStopping(35, clock=lambda: next(ticks))
    trainer = Trainer(net, optim.SGD(net.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                      callbacks=[stopping], generator=0)
    history = trainer.fit((X, y), epochs=20, batch_size=64, verbose=0)
    assert len(history) == 4
    assert history.stop_reason == "time budget of 35 s used up after epoch 4 (40.0 s elapsed)"


def test_train_config_keys_add_the_callbacks():
    from nnforge.build import build_run
    from nnforge.config import ConfigError, parse_config

    raw = {"data": {"dataset": "iris"},
           "model": {"layers": [{"type": "Linear", "in_features": 4, "out_features": 3}]},
           "train": {"epochs": 200, "time_budget": 3600,
                     "stop_threshold": {"monitor": "accuracy", "threshold": 0.7}}}
    run = build_run(parse_config(raw))
    kinds = {type(cb).__name__: cb for cb in run.trainer.callbacks}
    assert kinds["TimeStopping"].seconds == 3600
    assert kinds["ThresholdStopping"].threshold == 0.7
    history = run.trainer.fit(run.train, epochs=200, verbose=0)
    assert len(history) < 200 and "accuracy reached the threshold" in history.stop_reason
    raw["train"]["stop_threshold"] = {"monitor": "loss", "treshold": 0.1}
    with pytest.raises(ConfigError, match="train.stop_threshold.*expected keys monitor"):
        parse_config(raw)
    raw["train"]["stop_threshold"] = None
    raw["train"]["time_budget"] = -5
    with pytest.raises(ConfigError, match="train.time_budget"):
        parse_config(raw)
