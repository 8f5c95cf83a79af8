"""Stopping rules other than early stopping: a time budget and a threshold on a training
quantity, the two general termination criteria besides a validation-based rule.

Both are callbacks checked at the end of every epoch (the Trainer finishes the epoch it is
in), and both say why they stopped in `trainer.stop_reason`. Each has its risk: a time
budget can end training before the model is good, a training-error threshold can be
reached only after the model has started to overfit; watch the validation curve too.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .callbacks import Callback, check_monitor
from .metrics import higher_is_better

if TYPE_CHECKING:
    from .trainer import Trainer

__all__ = ["ThresholdStopping", "TimeStopping"]


def _stop(trainer: Trainer | None, reason: str) -> None:
    if trainer is not None:
        trainer.stop_training = True
        trainer.stop_reason = reason


class TimeStopping(Callback):
    """Stop training once `seconds` of wall-clock time have been used (the name of
    TensorFlow Addons' callback).

    Parameters
    ----------
    seconds : float
        The budget, counted from the start of `fit`.
    predict_next : bool
        Also stop when the next epoch, taking as long as the longest epoch so far, would
        end past the budget, so the run stays within it (default False: stop after the
        epoch during which the budget ran out).
    clock : callable
        A function returning seconds (default `time.perf_counter`).

    After training, `stopped_epoch` is the 1-based epoch after which it stopped (None when
    the budget was never reached) and `elapsed` the seconds used until then.

    Examples
    --------
    A minute of training at most, ``Trainer(..., callbacks=[TimeStopping(60)])``:

    >>> TimeStopping(60)
    TimeStopping(seconds=60, predict_next=False)
    """

    def __init__(self, seconds: float, predict_next: bool = False,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
                or not 0 < seconds < math.inf:
            raise ValueError(f"TimeStopping(seconds): expected a positive number of seconds, "
                             f"got {seconds!r}")
        self.seconds = float(seconds)
        self.predict_next = bool(predict_next)
        self.clock = clock
        self._reset()

    def _reset(self) -> None:
        self.stopped_epoch: int | None = None
        self.elapsed = 0.0
        self._start = 0.0
        self._last = 0.0
        self._longest = 0.0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()
        self._start = self._last = self.clock()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        now = self.clock()
        self._longest = max(self._longest, now - self._last)
        self._last = now
        self.elapsed = now - self._start
        t = epoch + 1
        if self.elapsed >= self.seconds:
            reason = (f"time budget of {self.seconds:g} s used up after epoch {t} "
                      f"({self.elapsed:.1f} s elapsed)")
        elif self.predict_next and self.elapsed + self._longest > self.seconds:
            reason = (f"time budget of {self.seconds:g} s: stopped after epoch {t} "
                      f"({self.elapsed:.1f} s elapsed) because another epoch of up to "
                      f"{self._longest:.1f} s would exceed it")
        else:
            return
        self.stopped_epoch = t
        _stop(self.trainer, reason)

    def __repr__(self) -> str:
        return f"TimeStopping(seconds={self.seconds:g}, predict_next={self.predict_next})"


class ThresholdStopping(Callback):
    """Stop training as soon as a logged quantity reaches `threshold`: the training loss
    falls to it (monitor "loss", the default) or a training accuracy climbs to it
    (monitor "accuracy", threshold 0.99).

    Parameters
    ----------
    monitor : str
        Key of the epoch logs ("loss", "accuracy", "val_loss", ...).
    threshold : float
        The value to reach.
    mode : {"auto", "min", "max"}
        "min" stops when monitor <= threshold, "max" when monitor >= threshold, "auto"
        takes max for accuracy-like metrics and min otherwise, as EarlyStopping does.

    After training, `stopped_epoch` is the 1-based epoch where the threshold was reached
    (None if never) and `value` the monitored value there.

    Examples
    --------
    Stop once the training accuracy reaches 99 %:

    >>> ThresholdStopping(monitor="accuracy", threshold=0.99)
    ThresholdStopping(monitor='accuracy', threshold=0.99, mode='auto')
    """

    def __init__(self, monitor: str = "loss", threshold: float | None = None,
                 mode: str = "auto") -> None:
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
                or not math.isfinite(threshold):
            raise ValueError(f"ThresholdStopping(threshold): expected a finite number to "
                             f"reach, got {threshold!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"ThresholdStopping(mode={mode!r}): expected 'auto', 'min' or "
                             f"'max'")
        self.monitor = monitor
        self.threshold = float(threshold)
        self.mode = mode
        self._max = mode == "max" or (mode == "auto" and higher_is_better(monitor))
        self.stopped_epoch: int | None = None
        self.value: float | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.stopped_epoch = None
        self.value = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        value = check_monitor(repr(self), self.monitor, logs or {})
        reached = value >= self.threshold if self._max else value <= self.threshold
        if not reached:
            return
        self.stopped_epoch, self.value = epoch + 1, value
        relation = ">=" if self._max else "<="
        _stop(self.trainer, f"{self.monitor} reached the threshold at epoch {epoch + 1}: "
                            f"{value:.6g} {relation} {self.threshold:g}")

    def __repr__(self) -> str:
        return (f"ThresholdStopping(monitor={self.monitor!r}, threshold={self.threshold:g}, "
                f"mode={self.mode!r})")
