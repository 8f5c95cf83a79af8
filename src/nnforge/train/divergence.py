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

__all__ = ["TrainingDivergedError", "NonFiniteGuard"]


class TrainingDivergedError(RuntimeError):
    """Training produced a non-finite loss or gradient. Attributes: epoch (1-based), step
    (1-based global step), parameter (dotted name or None), layer (class name or None)."""

    def __init__(self, message: str, epoch: int | None = None, step: int | None = None,
                 parameter: str | None = None, layer: str | None = None) -> None:
        super().__init__(message)
        self.epoch, self.step, self.parameter, self.layer = epoch, step, parameter, layer


def _finite(array):
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

    def _layer_of(self, param_name):
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

    def _raise(self, loss_value, epoch, step):
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
