"""`preview`: a scheduler's learning-rate (and momentum) curve before any model exists, to
plot it before training."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import Tensor
from ..sgd import SGD
from .base import LRScheduler
from .cyclical import _MomentumCycling

__all__ = ["preview"]


def preview(scheduler_cls: type[LRScheduler], steps: int, lr: float = 0.1,
            momentum: float = 0.9, **kwargs: Any) -> dict[str, np.ndarray]:
    """LR (and, for CyclicLR/OneCycleLR, momentum) curves of a scheduler class over
    ``steps`` steps, without any model.

    Returns ``{"lr": array}`` plus ``"momentum"`` when the scheduler cycles momentum.

    Examples
    --------
    >>> from nnforge.optim.lr_scheduler import StepLR
    >>> preview(StepLR, 5, lr=0.1, step_size=2, gamma=0.5)["lr"]
    array([0.1  , 0.1  , 0.05 , 0.05 , 0.025])
    """
    optimizer = SGD([Tensor(np.zeros(1))], lr=lr, momentum=momentum)
    scheduler = scheduler_cls(optimizer, **kwargs)
    out = {"lr": scheduler.schedule_values(steps)}
    if isinstance(scheduler, _MomentumCycling) and scheduler.cycle_momentum:
        out["momentum"] = scheduler.momentum_values(steps)
    return out
