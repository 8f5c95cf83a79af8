"""The NaN/Inf guard: stop training the moment it diverges.

Once the loss or a gradient is NaN or infinite, every later update spreads it through the
whole network and the run silently trains on garbage. The guard checks each step after
`backward()` and before `optimizer.step()` (so the weights are still those of the last good
step) and raises `TrainingDivergedError` naming the epoch, the step and the first layer, in
forward (registration) order, whose parameter or gradient is not finite.

The check is cheap: one BLAS dot product per gradient on the fast path (the squared norm
of finite numbers can only be non-finite if some entry is, or if it overflows — then an
exact elementwise test decides), so it can stay on for every run.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .callbacks import Callback

__all__ = ["TrainingDivergedError", "NonFiniteGuard", "ExplosionGuard"]


class TrainingDivergedError(RuntimeError):
    """Training produced a non-finite loss or gradient. Attributes: epoch (1-based), step
    (1-based global step), parameter (dotted name or None), layer (class name or None)."""

    def __init__(self, message: str, epoch: int | None = None, step: int | None = None,
                 parameter: str | None = None, layer: str | None = None) -> None:
        super().__init__(message)
        self.epoch, self.step, self.parameter, self.layer = epoch, step, parameter, layer


def _finite(array: np.ndarray) -> bool:
    # fast path: one BLAS dot product of the array with itself, which is NaN or Inf when any
    # entry is (IEEE arithmetic propagates both); finite entries whose squares overflow make
    # it Inf too, and then the exact elementwise test decides
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.vdot(array, array)
    return bool(np.isfinite(total)) or bool(np.isfinite(array).all())


class NonFiniteGuard:
    """Checks the loss and the gradients of `model`'s parameters after each backward.

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge import nn
    >>> guard = NonFiniteGuard(nn.Linear(2, 1))
    >>> guard.check(0.5, epoch=1, step=1)             # finite: nothing happens
    >>> guard.check(float("nan"), epoch=1, step=2)    # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nnforge.train.divergence.TrainingDivergedError: training diverged at epoch 1, step 2: ...
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self._named = list(model.named_parameters())
        self._params = [p for _, p in self._named]
        self._layers = {name: type(m).__name__ for name, m in model.named_modules()}

    def _layer_of(self, param_name: str) -> str:
        owner = param_name.rpartition(".")[0]
        kind = self._layers.get(owner, type(self.model).__name__)
        return f"{owner or '<model>'} ({kind})"

    def check(self, loss_value: float, epoch: int, step: int) -> None:
        """Raise TrainingDivergedError if the loss or any gradient is not finite."""
        if np.isfinite(loss_value):
            for p in self._params:
                if p._grad is not None and not _finite(p._grad):
                    break
            else:
                return
        self._raise(loss_value, epoch, step)

    def _raise(self, loss_value: float, epoch: int, step: int) -> None:
        where = f"epoch {epoch}, step {step}"
        bad_weight = next((n for n, p in self._named if not np.isfinite(p._data).all()), None)
        bad_grad = next((n for n, p in self._named
                         if p._grad is not None and not np.isfinite(p._grad).all()), None)
        culprit = bad_weight or bad_grad
        parts = [f"training diverged at {where}: loss is {loss_value:.6g}"
                 if not np.isfinite(loss_value) else
                 f"training diverged at {where}: loss {loss_value:.6g} is finite but a "
                 "gradient is not"]
        if bad_weight is not None:
            parts.append(f"parameter '{bad_weight}' of layer {self._layer_of(bad_weight)} "
                         "holds non-finite values")
        if bad_grad is not None:
            parts.append(f"first non-finite gradient: '{bad_grad}' of layer "
                         f"{self._layer_of(bad_grad)}")
        if culprit is None:
            parts.append("all parameters and gradients are finite, so the input data or the "
                         "loss produced it (check for NaN in the data)")
        else:
            parts.append("try a smaller learning rate, gradient clipping or checking the data")
        layer = None if culprit is None else self._layers.get(culprit.rpartition(".")[0])
        raise TrainingDivergedError("; ".join(parts), epoch=epoch, step=step,
                                    parameter=culprit, layer=layer)


class ExplosionGuard(Callback):
    """Stops a run that diverged without ever producing NaN or Inf.

    A too-large learning rate often keeps every number finite: the loss sits at 1e19, or
    the weights bounce so far that the model predicts one class for everything. Two signs
    stop the run with `TrainingDivergedError`:

    - the epoch's loss stays above `factor` times the loss of the first batch (before any
      update; at least 0.01, so a near-perfect start does not make the bound tiny) for
      `patience` epochs in a row;
    - from epoch `warmup` on, the training accuracy stays at chance (at most `chance` +
      0.01, `chance` being the share of the most frequent class) for `patience` epochs in
      a row while the loss is no lower than at the start: the model learned nothing.

    Healthy runs are never this far off, so the guard stays on for every run.

    Parameters
    ----------
    factor : float
        How many times the initial loss counts as an explosion.
    patience : int
        Epochs in a row the sign must persist.
    chance : float or None
        Accuracy of always predicting the most frequent class; None: no accuracy check.
    warmup : int
        Epochs before the accuracy check starts.

    Examples
    --------
    `nnforge train` adds one to every run whose ``nan_guard`` is on:

    >>> guard = ExplosionGuard(patience=3)
    >>> guard.factor, guard.patience
    (1000.0, 3)
    """

    def __init__(self, factor: float = 1e3, patience: int = 3, chance: float | None = None,
                 warmup: int = 5) -> None:
        self.factor, self.patience, self.chance, self.warmup = factor, patience, chance, warmup
        self.initial: float | None = None
        self.high = 0
        self.flat = 0

    def state_dict(self) -> dict[str, Any]:
        return {"initial": self.initial, "high": self.high, "flat": self.flat}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.initial, self.high, self.flat = state["initial"], state["high"], state["flat"]

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.initial is None and logs and "loss" in logs and np.isfinite(logs["loss"]):
            self.initial = float(logs["loss"])

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        loss = logs.get("loss")
        if self.initial is None or loss is None or not np.isfinite(loss):
            return
        bound = self.factor * max(abs(self.initial), 0.01)
        self.high = self.high + 1 if loss > bound else 0
        if self.high >= self.patience:
            self._stop(epoch, f"the loss has stayed above {self.factor:g} times its initial "
                              f"value {self.initial:.4g} for {self.high} epochs (now "
                              f"{loss:.4g})")
        accuracy = logs.get("accuracy")
        if self.chance is None or accuracy is None or epoch + 1 < self.warmup:
            return
        at_chance = accuracy <= self.chance + 0.01 and loss >= self.initial
        self.flat = self.flat + 1 if at_chance else 0
        if self.flat >= self.patience:
            self._stop(epoch, f"the training accuracy has stayed at chance ({accuracy:.4f}, "
                              f"the most frequent class is {self.chance:.4f}) for {self.flat} "
                              f"epochs and the loss {loss:.4g} is no lower than at the start")

    def _stop(self, epoch: int, why: str) -> None:
        raise TrainingDivergedError(f"training diverged at epoch {epoch + 1}: {why}; try a "
                                    "smaller learning rate or gradient clipping",
                                    epoch=epoch + 1)
