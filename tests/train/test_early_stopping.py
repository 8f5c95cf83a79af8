"""EarlyStopping driven by scripted loss sequences; expected stop epochs computed by hand
from the definitions (Prechelt 1998)."""
from types import SimpleNamespace

import numpy as np
import pytest

from nnforge.nn.module import Module
from nnforge.nn.parameter import Parameter
from nnforge.train import EarlyStopping, History, generalization_loss, training_progress

# a worked example: validation and training errors for t = 1..7
WORKED_VAL = [10, 8, 7, 7.2, 7.5, 7.1, 7.6]
WORKED_TRAIN = [9, 7, 6, 5.8, 5.7, 5.65, 5.6]


class Scalar(Module):
    """A one-weight model whose weight we set to the epoch number, so restored weights
    tell which epoch they came from."""

    def __init__(self):
        super().__init__()
        self.w = Parameter(np.zeros(1, dtype=np.float32))


def drive(callback, val, train=None, monitor="val_loss"):
    """Run the callback over scripted epochs; return (stop epoch or None, trainer, model)."""
    model = Scalar()
    trainer = SimpleNamespace(model=model, stop_training=False, stop_reason=None,
                              history=History())
    callback.set_trainer(trainer)
    callback.on_train_begin({})
    stopped = None
    for epoch, v in enumerate(val):
        model.w.data[...] = epoch + 1                 # "training" changed the weights
        logs = {monitor: v}
        if train is not None:
            logs[monitor[4:] if monitor.startswith("val_") else "loss"] = train[epoch]
        callback.on_epoch_end(epoch, logs)
        if trainer.stop_training:
            stopped = epoch + 1
            break
    callback.on_train_end({})
    return stopped, trainer, model


def test_n27_generalization_loss_and_progress_numbers():
    gl = [generalization_loss(v, min(WORKED_VAL[:t + 1])) for t, v in enumerate(WORKED_VAL)]
    np.testing.assert_allclose(gl, [0, 0, 0, 2.8571, 7.1429, 1.4286, 8.5714], atol=1e-4)
    # sliding strips of 5 as in the worked example (for illustration; the callback uses
    # strip ends only)
    progress = [training_progress(WORKED_TRAIN[t - 5:t]) for t in (5, 6, 7)]
    np.testing.assert_allclose(progress, [175.4386, 67.2566, 26.7857], atol=1e-4)
    pq = [gl[t - 1] / p for t, p in zip((5, 6, 7), progress)]
    np.testing.assert_allclose(pq, [0.0407, 0.0212, 0.3200], atol=1e-4)


@pytest.mark.parametrize("alpha, expected", [(5, 5), (3, 5), (2, 4), (8, 7), (9, None)])
def test_gl_stops_at_first_epoch_with_gl_above_alpha(alpha, expected):
    # by hand: E_opt = 7 from t = 3; GL(4) = 100*(7.2/7-1) = 2.857, GL(5) = 7.143,
    # GL(6) = 1.429, GL(7) = 8.571
    stopped, trainer, _ = drive(EarlyStopping(criterion="GL", alpha=alpha), WORKED_VAL)
    assert stopped == expected
    if expected is not None:
        assert "GL" in trainer.stop_reason and f"epoch {expected}" in trainer.stop_reason


def test_pq_checks_only_strip_ends():
    val = WORKED_VAL + [7.8, 8.0, 8.2]
    train = WORKED_TRAIN + [5.58, 5.57, 5.56]
    # t=5: GL = 100*(7.5/7-1) = 7.142857; P = 1000*((9+7+6+5.8+5.7)/(5*5.7)-1) = 175.4386
    pq5 = (100 * (7.5 / 7 - 1)) / (1000 * ((9 + 7 + 6 + 5.8 + 5.7) / (5 * 5.7) - 1))
    # t=10: GL = 100*(8.2/7-1) = 17.142857; P = 1000*(27.96/(5*5.56)-1) = 5.755396
    pq10 = (100 * (8.2 / 7 - 1)) / (1000 * ((5.65 + 5.6 + 5.58 + 5.57 + 5.56) / (5 * 5.56) - 1))
    assert pq5 == pytest.approx(0.040714, abs=1e-6)
    assert pq10 == pytest.approx(2.978571, abs=1e-6)
    # GL at t = 7 is 8.57 > 0.5, but PQ is only evaluated at the strip ends 5 and 10
    assert drive(EarlyStopping(criterion="PQ", alpha=0.5), val, train)[0] == 10
    assert drive(EarlyStopping(criterion="PQ", alpha=0.04), val, train)[0] == 5
    assert drive(EarlyStopping(criterion="PQ", alpha=3.0), val, train)[0] is None


def test_up_counts_successive_rising_strips():
    # strip = 2: errors compared at t = 2, 4, 6, 8, 10 -> 4, 3.6, 3.7, 4.0, 3.9
    # t=4: 3.6 < 4 (no); t=6: 3.7 > 3.6 (1st rise); t=8: 4.0 > 3.7 (2nd rise); t=10 falls
    val = [5, 4, 3.5, 3.6, 3.4, 3.7, 3.9, 4.0, 3.8, 3.9]
    assert drive(EarlyStopping(criterion="UP", s=1, strip=2), val)[0] == 6
    stopped, trainer, model = drive(EarlyStopping(criterion="UP", s=2, strip=2), val)
    assert stopped == 8 and "2 successive strips" in trainer.stop_reason
    assert model.w.data[0] == 5                      # best epoch (3.4) restored
    assert drive(EarlyStopping(criterion="UP", s=3, strip=2), val)[0] is None


def test_patience_and_min_delta():
    val = [1.0, 0.8, 0.85, 0.79, 0.80, 0.81, 0.82]
    # min_delta 0: improvements at 1, 2, 4; then 5, 6 are two epochs without -> stop at 6
    cb = EarlyStopping(patience=2)
    stopped, trainer, model = drive(cb, val)
    assert stopped == 6 and cb.best_epoch == 4 and model.w.data[0] == 4
    assert "patience 2" in trainer.stop_reason
    # min_delta 0.02: 0.8 -> 0.79 is not an improvement, so epochs 3, 4 wait -> stop at 4
    cb = EarlyStopping(patience=2, min_delta=0.02)
    assert drive(cb, val)[0] == 4 and cb.best_epoch == 2
    # patience 0 (Keras default): stop at the first epoch without improvement
    assert drive(EarlyStopping(patience=0), val)[0] == 3


def test_mode_max_for_accuracy():
    cb = EarlyStopping(monitor="val_accuracy", patience=2)   # waits at t = 3, 4
    stopped, _, model = drive(cb, [0.5, 0.7, 0.6, 0.65], monitor="val_accuracy")
    assert stopped == 4 and cb.best == 0.7 and model.w.data[0] == 2


def test_restore_best_whether_or_not_stopping_fired():
    val = [3.0, 2.0, 1.5, 1.7, 1.6, 1.9]
    cb = EarlyStopping(criterion="none")
    stopped, trainer, model = drive(cb, val)
    assert stopped is None and cb.stopped_epoch is None
    assert model.w.data[0] == 3 and cb.restored_epoch == 3
    assert trainer.history.best_epoch == 3
    # patience large enough never to fire: still restored
    stopped, _, model = drive(EarlyStopping(patience=10), val)
    assert stopped is None and model.w.data[0] == 3
    # restore_best_weights=False keeps the last epoch's weights
    _, _, model = drive(EarlyStopping(criterion="none", restore_best_weights=False), val)
    assert model.w.data[0] == len(val)


def test_instances_are_reusable():
    cb = EarlyStopping(criterion="GL", alpha=5)
    assert drive(cb, WORKED_VAL)[0] == 5
    assert drive(cb, [4, 3, 2, 1])[0] is None and cb.best_epoch == 4
    assert drive(cb, WORKED_VAL)[0] == 5


def test_unknown_monitor_fails_loudly_naming_available_keys():
    cb = EarlyStopping(monitor="val_acc")
    with pytest.raises(ValueError, match=r"'val_acc' is not in the logs.*available: .*val_loss"):
        drive(cb, [1.0, 0.5])
    with pytest.raises(ValueError, match="no validation data"):
        drive(EarlyStopping(), [1.0], monitor="loss")


@pytest.mark.parametrize("kwargs, message", [
    ({"criterion": "GL"}, "needs alpha"),
    ({"criterion": "UP"}, "needs an integer s"),
    ({"criterion": "XY"}, "criterion='XY'"),
    ({"criterion": "GL", "alpha": 5, "monitor": "val_accuracy"}, "mode 'min'"),
    ({"patience": -1}, "patience=-1"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EarlyStopping(**kwargs)
