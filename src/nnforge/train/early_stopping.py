"""Early stopping: Keras' patience rule and Prechelt's GL, PQ and UP.

Early stopping watches a validation quantity and ends training when it stops improving;
because the optimum is only known in hindsight, the weights of the best epoch are kept and
restored at the end — whether or not stopping fired (Keras and Lightning restore only when
the rule fires, a long-standing complaint). Criteria, with t the 1-based epoch number,
E_va(t) the monitored validation error and E_tr(t) the training error (Prechelt 1998,
"Early stopping — but when?"):

- "patience" (Keras): stop after `patience` epochs in a row without an improvement
  larger than `min_delta`.
- "GL" (generalization loss): GL(t) = 100·(E_va(t)/E_opt(t) − 1), E_opt(t) the lowest
  E_va up to t; stop after the first epoch with GL(t) > alpha.
- "PQ" (progress quotient): training strips of k = `strip` epochs end at t = k, 2k, …;
  P_k(t) = 1000·(Σ_{strip} E_tr / (k·min_{strip} E_tr) − 1) measures in per mille how much
  the strip's mean training error exceeds its minimum (large while training still makes
  progress). Stop after the first strip end with GL(t)/P_k(t) > alpha.
- "UP": stop after the strip end where E_va(t) > E_va(t − k) for the `s`-th strip in a row.
- "none": never stop early; train to the end and keep the best epoch.

Prechelt's criteria assume an error to minimize (mode "min"), positive as losses are.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .callbacks import Callback, check_monitor
from .metrics import higher_is_better

__all__ = ["EarlyStopping", "generalization_loss", "training_progress", "CRITERIA"]

CRITERIA = ("patience", "GL", "PQ", "UP", "none")


def generalization_loss(val_error: float, best_val_error: float) -> float:
    """GL = 100·(E_va / E_opt − 1): how many percent the current validation error lies
    above the best so far."""
    if best_val_error == 0:
        return 0.0 if val_error == 0 else float("inf")
    return 100.0 * (float(val_error) / float(best_val_error) - 1.0)


def training_progress(strip_train_errors: Sequence[float]) -> float:
    """P_k = 1000·(Σ E_tr / (k·min E_tr) − 1) over one strip of k training errors."""
    e = np.asarray(strip_train_errors, dtype=np.float64)
    lowest = e.min()
    if lowest == 0:
        return 0.0 if e.max() == 0 else float("inf")
    return float(1000.0 * (e.sum() / (len(e) * lowest) - 1.0))


class EarlyStopping(Callback):
    """Stop training when the monitored quantity stops improving; keep the best weights.

    Parameters
    ----------
    monitor : str
        Key of the epoch logs to watch ("val_loss", "val_accuracy", ...).
    patience : int
        Epochs without improvement tolerated by the "patience" criterion.
    min_delta : float
        A change must exceed this to count as an improvement.
    mode : {"auto", "min", "max"}
        "auto": max for accuracy-like metrics, min otherwise.
    restore_best_weights : bool
        Load the best epoch's weights at the end of training, whether or not the criterion
        fired (default True, unlike Keras).
    criterion : {"patience", "GL", "PQ", "UP", "none"}
        The stopping rule (see the module docstring).
    alpha : float or None
        Threshold of GL (percent) and PQ; required for those criteria.
    strip : int
        Strip length k of PQ and UP (Prechelt used 5).
    s : int or None
        Number of successive rising strips for UP; required for UP.
    train_monitor : str or None
        Training error used by PQ (default: `monitor` without "val_").

    After training, `best_epoch` and `stopped_epoch` are 1-based epoch numbers
    (`stopped_epoch` is None when the criterion never fired) and `best` the best value.

    Examples
    --------
    >>> stopper = EarlyStopping(monitor="val_loss", patience=2)
    >>> for epoch, value in enumerate([0.9, 0.7, 0.8, 0.75]):
    ...     stopper.on_epoch_end(epoch, {"val_loss": value})
    >>> stopper.best, stopper.best_epoch, stopper.stopped_epoch
    (0.7, 2, 4)
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True,
                 criterion: str = "patience", alpha: float | None = None, strip: int = 5,
                 s: int | None = None, train_monitor: str | None = None) -> None:
        if criterion not in CRITERIA:
            raise ValueError(f"EarlyStopping(criterion={criterion!r}): expected one of "
                             f"{', '.join(CRITERIA)}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping(mode={mode!r}): expected 'auto', 'min' or 'max'")
        if int(patience) != patience or patience < 0:
            raise ValueError(f"EarlyStopping(patience={patience!r}): expected an integer >= 0")
        if min_delta < 0:
            raise ValueError(f"EarlyStopping(min_delta={min_delta!r}): expected >= 0")
        if criterion in ("GL", "PQ") and (alpha is None or alpha < 0):
            raise ValueError(f"EarlyStopping(criterion={criterion!r}) needs alpha >= 0 "
                             f"(got {alpha!r}; Prechelt used GL alpha 1-5, PQ alpha 0.5-3)")
        if criterion in ("PQ", "UP") and (int(strip) != strip or strip < 1):
            raise ValueError(f"EarlyStopping(strip={strip!r}): expected an integer >= 1")
        if criterion == "UP" and (s is None or int(s) != s or s < 1):
            raise ValueError(f"EarlyStopping(criterion='UP') needs an integer s >= 1 "
                             f"(got {s!r}; Prechelt used s = 2-8)")
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.mode = mode
        self.restore_best_weights = bool(restore_best_weights)
        self.criterion = criterion
        self.alpha = None if alpha is None else float(alpha)
        self.strip = int(strip)
        self.s = None if s is None else int(s)
        if train_monitor is None:
            train_monitor = monitor[4:] if monitor.startswith("val_") else None
        self.train_monitor = train_monitor
        if criterion == "PQ" and train_monitor is None:
            raise ValueError(f"EarlyStopping(criterion='PQ', monitor={monitor!r}): give "
                             "train_monitor, the training error to measure progress with")
        resolved = mode if mode != "auto" else ("max" if higher_is_better(monitor) else "min")
        if criterion in ("GL", "PQ", "UP") and resolved != "min":
            raise ValueError(f"EarlyStopping(criterion={criterion!r}, monitor={monitor!r}): "
                             "Prechelt's criteria need an error to minimize (mode 'min')")
        self._sign = 1.0 if resolved == "min" else -1.0
        self._reset()

    def _reset(self) -> None:
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.best_weights: dict[str, np.ndarray] | None = None
        self.restored_epoch: int | None = None
        self.wait = 0
        self._val_history: list[float] = []        # E_va(1..t)
        self._train_history: list[float] = []      # E_tr(1..t)
        self._e_opt = float("inf")
        self._ups = 0

    def __repr__(self) -> str:
        extra = {"GL": f", alpha={self.alpha}", "PQ": f", alpha={self.alpha}, strip={self.strip}",
                 "UP": f", s={self.s}, strip={self.strip}",
                 "patience": f", patience={self.patience}"}.get(self.criterion, "")
        return (f"EarlyStopping(monitor={self.monitor!r}, criterion={self.criterion!r}{extra}, "
                f"restore_best_weights={self.restore_best_weights})")

    # --- saving and loading -------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything the criterion has seen so far (best value and weights included), so a
        resumed fit stops where an uninterrupted one would."""
        return {"best": self.best, "best_epoch": self.best_epoch,
                "stopped_epoch": self.stopped_epoch, "restored_epoch": self.restored_epoch,
                "wait": self.wait, "val_history": self._val_history,
                "train_history": self._train_history, "e_opt": self._e_opt, "ups": self._ups,
                "best_weights": self.best_weights}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict` saved (older checkpoints wrote the private names, with a
        leading underscore, and are read too)."""
        state = {key.lstrip("_"): value for key, value in state.items()}
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.stopped_epoch, self.restored_epoch = state["stopped_epoch"], state["restored_epoch"]
        self.wait, self.best_weights = state["wait"], state["best_weights"]
        self._val_history, self._train_history = state["val_history"], state["train_history"]
        self._e_opt, self._ups = state["e_opt"], state["ups"]

    # --- hooks ----------------------------------------------------------------------------
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        current = check_monitor(repr(self), self.monitor, logs)
        t = epoch + 1
        self._val_history.append(current)
        if self.criterion == "PQ":
            self._train_history.append(check_monitor(repr(self), str(self.train_monitor), logs))
        self._e_opt = min(self._e_opt, current)

        improved = self.best is None or self._sign * (self.best - current) > self.min_delta
        if improved:
            self.best, self.best_epoch, self.wait = current, t, 0
            if self.restore_best_weights and self.trainer is not None:
                self.best_weights = {k: np.array(v, copy=True)
                                     for k, v in self.trainer.model.state_dict().items()}
        else:
            self.wait += 1

        reason = self._should_stop(t, current)
        if reason is not None:
            self.stopped_epoch = t
            if self.trainer is not None:
                self.trainer.stop_training = True
                self.trainer.stop_reason = (f"early stopping at epoch {t}: {reason} "
                                            f"(best {self.monitor} {self.best:.6g} at epoch "
                                            f"{self.best_epoch})")

    def _should_stop(self, t: int, current: float) -> str | None:
        """A sentence saying why training stops after epoch t, or None to continue."""
        if self.criterion == "patience":
            if self.wait > 0 and self.wait >= self.patience:
                return (f"{self.monitor} did not improve by more than {self.min_delta:g} for "
                        f"{self.wait} epoch(s) (patience {self.patience})")
            return None
        alpha = float("nan") if self.alpha is None else self.alpha    # set for GL and PQ
        if self.criterion == "GL":
            gl = generalization_loss(current, self._e_opt)
            if gl > alpha:
                return f"GL = {gl:.4f} > alpha = {self.alpha:g}"
            return None
        if self.criterion == "none" or t % self.strip != 0:
            return None
        k = self.strip
        if self.criterion == "PQ":
            gl = generalization_loss(current, self._e_opt)
            progress = training_progress(self._train_history[-k:])
            if gl <= 0:
                return None
            quotient = gl / progress if progress > 0 else float("inf")
            if quotient > alpha:
                return (f"PQ = GL/P_{k} = {gl:.4f}/{progress:.4f} = {quotient:.4f} > "
                        f"alpha = {self.alpha:g}")
            return None
        # UP: errors compared only at strip ends
        if t > k and current > self._val_history[t - k - 1]:
            self._ups += 1
        else:
            self._ups = 0
        if self._ups >= (self.s or 0):               # s is set for UP
            return (f"{self.monitor} rose in {self._ups} successive strips of {k} epochs "
                    f"(UP_{self.s})")
        return None

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.restore_best_weights and self.best_weights is not None and \
                self.trainer is not None:
            self.trainer.model.load_state_dict(self.best_weights)
            self.restored_epoch = self.best_epoch
        history = getattr(self.trainer, "history", None)
        if history is not None:
            history.best_epoch = self.best_epoch
            history.restored_epoch = self.restored_epoch
