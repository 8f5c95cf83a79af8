"""Callback plumbing: hook order, batch-hook dispatch, stopping, progress lines."""
import io
from types import SimpleNamespace

import pytest

from nnforge.train import Callback, CallbackList, LambdaCallback
from nnforge.train.callbacks import check_monitor
from nnforge.train.progress import ProgressBar, ProgressLog, format_logs, progress_callback


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls = ["train_begin"]

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, logs["loss"]))
        if logs["loss"] < 0.5:
            self.trainer.stop_training = True
            self.trainer.stop_reason = "loss below 0.5"


def test_hooks_dispatch_and_stop():
    trainer = SimpleNamespace(stop_training=False, stop_reason=None)
    rec = Recorder()
    cbs = CallbackList([rec], trainer=trainer)
    assert rec.trainer is trainer and not cbs.has_batch_hooks
    cbs.on_train_begin({})
    for epoch, loss in enumerate([0.9, 0.7, 0.4, 0.3]):
        cbs.on_epoch_end(epoch, {"loss": loss})
        if trainer.stop_training:
            break
    assert rec.calls == ["train_begin", ("epoch_end", 0, 0.9), ("epoch_end", 1, 0.7),
                         ("epoch_end", 2, 0.4)]
    assert trainer.stop_reason == "loss below 0.5"
    cbs.on_train_begin({})                       # reusable: state reset
    assert rec.calls == ["train_begin"]


def test_batch_hooks_only_for_overriders():
    seen = []
    lam = LambdaCallback(on_batch_end=lambda b, logs: seen.append((b, logs["loss"])))
    cbs = CallbackList([Recorder(), lam])
    assert cbs.has_batch_hooks and cbs._batch_end == [lam] and cbs._batch_begin == []
    cbs.on_batch_end(0, {"loss": 1.5})
    assert seen == [(0, 1.5)]
    with pytest.raises(TypeError, match="unknown hooks"):
        LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="Callback instances"):
        CallbackList([print])


def test_check_monitor_names_available_keys():
    assert check_monitor("X", "loss", {"loss": 2}) == 2.0
    with pytest.raises(ValueError, match="X: monitor 'val_acc'.*available: loss, val_loss"):
        check_monitor("X", "val_acc", {"epoch": 1, "loss": 2, "val_loss": 3})


def test_plain_progress_line():
    out = io.StringIO()
    cb = progress_callback(1, out)              # StringIO is not a TTY -> plain lines
    assert isinstance(cb, ProgressLog)
    cb.set_trainer(SimpleNamespace(params={"epochs": 20}))
    cb.on_epoch_end(2, {"epoch": 3, "loss": 0.12344, "accuracy": 0.9, "val_loss": 0.2,
                        "val_accuracy": 0.965, "lr": 1e-3, "seconds": 1.23})
    assert out.getvalue() == ("epoch 3/20  loss 0.1234  accuracy 0.9000  val_loss 0.2000  "
                              "val_accuracy 0.9650  lr 1e-03  1.2s\n")
    assert progress_callback(0) is None
    assert format_logs({"lr": 0.0, "loss": 1.0}) == "loss 1.0000  lr 0"
    assert format_logs({"loss": 1.0, "accuracy": 0.5, "val_accuracy": 0.25, "lr": 0.1},
                       compact=True) == "loss 1.0000  val_accuracy 0.2500  lr 1e-01"


def test_schedule_bookkeeping_is_printed_only_once_it_changes():
    out = io.StringIO()
    cb = progress_callback(2, out)
    cb.set_trainer(SimpleNamespace(params={"epochs": 3}))
    cb.on_train_begin({})
    logs = {"loss": 1.0, "momentum": 0.9, "batch_size": 32, "updates": 10,
            "noise_scale": 0.5, "lr": 0.1}
    cb.on_epoch_end(0, logs)
    cb.on_epoch_end(1, dict(logs, momentum=0.85, noise_scale=0.25))    # lr halved
    cb.on_epoch_end(2, dict(logs, momentum=0.9, batch_size=64, updates=5))
    assert out.getvalue().splitlines() == [
        "epoch 1/3  loss 1.0000  lr 1e-01",
        "epoch 2/3  loss 1.0000  momentum 0.8500  lr 1e-01",
        "epoch 3/3  loss 1.0000  momentum 0.9000  batch_size 64  updates 5  "
        "noise_scale 0.5000  lr 1e-01"]


def test_tqdm_bar_on_a_tty():
    class TTY(io.StringIO):
        def isatty(self):
            return True

    out = TTY()
    cb = progress_callback(1, out)
    assert isinstance(cb, ProgressBar)
    cb.set_trainer(SimpleNamespace(params={"epochs": 2, "steps": 3}))
    cb.on_epoch_begin(0)
    for b in range(3):
        cb.on_batch_end(b, {"loss": 1.0, "size": 4})
    cb.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0, "lr": 0.1})
    text = out.getvalue()
    assert "epoch 1/2" in text and "3/3" in text and "val_loss 2.0000" in text


def test_tqdm_bar_draws_on_a_pseudo_terminal_of_size_zero():
    """A bare pty reports 0 x 0; tqdm then silently draws nothing unless given a size."""
    import os
    import pty
    import sys

    script = ("import sys; from types import SimpleNamespace; "
              "from nnforge.train.progress import progress_callback; "
              "cb = progress_callback(1); assert type(cb).__name__ == 'ProgressBar'; "
              "cb.set_trainer(SimpleNamespace(params={'epochs': 1, 'steps': 2})); "
              "cb.on_epoch_begin(0); cb.on_batch_end(0, {'loss': 1.0, 'size': 4}); "
              "cb.on_epoch_end(0, {'loss': 1.0, 'lr': 0.1})")
    pid, fd = pty.fork()
    if pid == 0:                                     # child: stderr is the pty
        os.execv(sys.executable, [sys.executable, "-c", script])
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    text = b"".join(chunks).decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "epoch 1/1" in text and "loss 1.0000  lr 1e-01" in text
