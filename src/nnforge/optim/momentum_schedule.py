"""`MomentumScheduler`: change the momentum (or Adam's beta1) over training.

The lecture's recipe: start with low momentum (0.5) to explore, raise it (to 0.9) over the
first epochs to converge faster. Any ``step -> momentum`` function from
`nnforge.optim.schedules` works, e.g. ``linear_ramp(0.5, 0.9, 10)`` or
``piecewise_constant([0.5, 0.9], [5])``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ArgumentError
from . import schedules
from .optimizer import Optimizer

__all__ = ["MomentumScheduler"]


class MomentumScheduler:
    """Set every group's ``momentum`` (SGD, RMSprop) or ``betas[0]`` (Adam, AdamW) from a
    schedule: ``momentum = schedule(last_epoch)``.

    Parameters
    ----------
    optimizer : Optimizer
        An optimizer with ``momentum`` (SGD, RMSprop) or ``betas`` (Adam, AdamW).
    schedule : callable, optional
        ``step -> momentum``. Default: ``linear_ramp(start, end, total_steps)``.
    start, end, total_steps : float, float, int
        The default ramp (0.5 -> 0.9 over 10 steps, as in the lecture).
    last_epoch : int, default -1

    Like the LR schedulers, construction applies step 0; call ``step()`` once per epoch (or
    per batch). ``get_last_momentum()`` gives the values in use.

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> scheduler = MomentumScheduler(optimizer, start=0.5, end=0.9, total_steps=4)
    >>> momenta = []
    >>> for epoch in range(6):
    ...     momenta.append(round(scheduler.get_last_momentum()[0], 4))
    ...     optimizer.step()
    ...     scheduler.step()
    >>> momenta
    [0.5, 0.6, 0.7, 0.8, 0.9, 0.9]
    """

    def __init__(self, optimizer: Optimizer, schedule: Callable[[float], float] | None = None,
                 *, start: float = 0.5, end: float = 0.9, total_steps: int = 10,
                 last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"MomentumScheduler: expected an nnforge Optimizer, got "
                            f"{type(optimizer).__name__}")
        if "momentum" in optimizer.defaults:
            self.key = "momentum"
        elif "betas" in optimizer.defaults:
            self.key = "betas"
        else:
            raise ValueError(f"MomentumScheduler: {type(optimizer).__name__} has neither "
                             "'momentum' nor 'betas' to schedule")
        for name, value in (("start", start), ("end", end)):
            if not 0.0 <= value < 1.0:
                raise ArgumentError(name,
                                    f"MomentumScheduler({name}={value!r}): momentum must be in "
                                    "[0, 1)")
        self.optimizer = optimizer
        self.schedule = schedule if schedule is not None else schedules.linear_ramp(
            start, end, total_steps)
        self.last_epoch = last_epoch
        self.step()

    def step(self, epoch: int | None = None) -> None:
        """Advance one step (or jump to ``epoch``) and write the momentum into each group."""
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        value = float(self.schedule(self.last_epoch))
        if not 0.0 <= value < 1.0:
            raise ValueError(f"MomentumScheduler: the schedule gave momentum {value!r} at step "
                             f"{self.last_epoch}; momentum must be in [0, 1)")
        for group in self.optimizer.param_groups:
            if self.key == "betas":
                group["betas"] = (value, *group["betas"][1:])
            else:
                if group.get("nesterov") and value == 0:
                    raise ValueError("MomentumScheduler: cannot set momentum 0 on a Nesterov "
                                     "SGD group")
                group["momentum"] = value

    def get_last_momentum(self) -> list[float]:
        """The momentum of each group after the latest step."""
        return [group["betas"][0] if self.key == "betas" else group["momentum"]
                for group in self.optimizer.param_groups]

    def schedule_values(self, n: int) -> np.ndarray:
        """Momentum at steps 0..n-1 (float64 array), without touching the optimizer."""
        return np.array([self.schedule(t) for t in range(n)], dtype=np.float64)

    def state_dict(self) -> dict[str, Any]:
        """The step reached and where momentum lives ("momentum" or "betas")."""
        return {"last_epoch": self.last_epoch, "key": self.key}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume at the step saved by `state_dict`."""
        self.last_epoch = state_dict["last_epoch"]
