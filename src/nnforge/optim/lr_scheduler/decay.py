"""Schedulers that decay the learning rate along a closed-form curve: in steps (`StepLR`,
`MultiStepLR`), geometrically (`ExponentialLR`), as 1/t (`InverseTimeLR`), as a polynomial
(`PolynomialLR`) or along a half cosine (`CosineAnnealingLR`)."""
from __future__ import annotations

from collections.abc import Iterable

from ...errors import ArgumentError
from .. import schedules
from ..optimizer import Optimizer
from ..schedules import Schedule
from .base import LRScheduler, decay_factor, positive_int

__all__ = ["StepLR", "MultiStepLR", "ExponentialLR", "InverseTimeLR", "PolynomialLR",
           "CosineAnnealingLR"]


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size): the lecture's step decay.

    Parameters
    ----------
    optimizer : Optimizer
    step_size : int
        Epochs between two decays.
    gamma : float, default 0.1
        The factor applied at each decay.
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.1)
    >>> scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(scheduler.get_last_lr()[0])
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [0.1, 0.1, 0.05, 0.05, 0.025]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if not isinstance(step_size, int) or step_size <= 0:
            raise ArgumentError("step_size",
                                f"StepLR(step_size={step_size!r}): step_size must be a positive "
                                "integer")
        self.step_size, self.gamma = step_size, decay_factor("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr: float, index: int) -> Schedule:
        return schedules.step_decay(base_lr, self.step_size, self.gamma)


class MultiStepLR(LRScheduler):
    """lr = base_lr * gamma ** (number of milestones passed).

    Parameters
    ----------
    optimizer : Optimizer
    milestones : iterable of int
        The epochs at which the LR is multiplied by ``gamma`` (one listed twice counts twice).
    gamma : float, default 0.1
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=1.0)
    >>> scheduler = MultiStepLR(optimizer, milestones=[1, 3], gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(scheduler.get_last_lr()[0])
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = sorted(milestones)
        self.gamma = decay_factor("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr: float, index: int) -> Schedule:
        return schedules.multistep(base_lr, self.milestones, self.gamma)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch (the lecture's exp(-k t) is gamma = exp(-k)).

    Parameters
    ----------
    optimizer : Optimizer
    gamma : float
        The factor applied at every step.
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.8)
    >>> scheduler = ExponentialLR(optimizer, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(4):
    ...     lrs.append(scheduler.get_last_lr()[0])
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [0.8, 0.4, 0.2, 0.1]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = decay_factor("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr: float, index: int) -> Schedule:
        return schedules.exponential(base_lr, self.gamma)


class InverseTimeLR(LRScheduler):
    """lr = base_lr / (1 + gamma * epoch / decay_steps): the lecture's inverse-time decay.

    Not in PyTorch; Keras calls it InverseTimeDecay.

    Parameters
    ----------
    optimizer : Optimizer
    gamma : float >= 0
    decay_steps : float > 0, default 1
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.6)
    >>> scheduler = InverseTimeLR(optimizer, gamma=1.0)
    >>> lrs = []
    >>> for epoch in range(4):
    ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [0.6, 0.3, 0.2, 0.15]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, decay_steps: float = 1,
                 last_epoch: int = -1) -> None:
        if gamma < 0:
            raise ArgumentError("gamma", f"InverseTimeLR(gamma={gamma!r}): gamma must be >= 0")
        if decay_steps <= 0:
            raise ArgumentError("decay_steps",
                                f"InverseTimeLR(decay_steps={decay_steps!r}): decay_steps must "
                                "be > 0")
        self.gamma, self.decay_steps = gamma, decay_steps
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr: float, index: int) -> Schedule:
        return schedules.inverse_time(base_lr, self.gamma, self.decay_steps)


class PolynomialLR(LRScheduler):
    """lr = base_lr * (1 - min(epoch, total_iters) / total_iters) ** power.

    Parameters
    ----------
    optimizer : Optimizer
    total_iters : int, default 5
        Steps until the LR reaches 0.
    power : float, default 1.0
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.4)
    >>> scheduler = PolynomialLR(optimizer, total_iters=4, power=1.0)
    >>> lrs = []
    >>> for epoch in range(6):
    ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [0.4, 0.3, 0.2, 0.1, 0.0, 0.0]
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        self.total_iters = positive_int("PolynomialLR", "total_iters", total_iters)
        self.power = decay_factor("PolynomialLR", "power", power)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr: float, index: int) -> Schedule:
        return schedules.polynomial(base_lr, self.total_iters, self.power)


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    Not clamped at T_max: PyTorch's recursive implementation keeps following the cosine
    (back up to base_lr at 2*T_max), and this class reproduces that sequence.

    Parameters
    ----------
    optimizer : Optimizer
    T_max : int
        Steps from base_lr down to eta_min.
    eta_min : float, default 0.0
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.1)
    >>> scheduler = CosineAnnealingLR(optimizer, T_max=4)
    >>> lrs = []
    >>> for epoch in range(6):
    ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [0.1, 0.0854, 0.05, 0.0146, 0.0, 0.0146]
    """

    length_argument = "T_max"

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        self.T_max = positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = decay_factor("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr: float, index: int) -> Schedule:
        return schedules.cosine(base_lr, self.T_max, self.eta_min)
