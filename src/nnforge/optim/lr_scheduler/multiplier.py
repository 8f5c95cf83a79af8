"""Schedulers that multiply the base learning rate by a factor: a function of the step of
your own (`LambdaLR`, `MultiplicativeLR`), a constant for the first steps (`ConstantLR`) or a
linear ramp (`LinearLR`, the usual warm-up)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Union

from ...errors import ArgumentError
from .. import schedules
from ..optimizer import Optimizer
from ..schedules import Schedule
from .base import LRScheduler, per_group

__all__ = ["LambdaLR", "MultiplicativeLR", "ConstantLR", "LinearLR"]

Factor = Callable[[float], float]
Factors = Union[Factor, list[Factor], tuple[Factor, ...]]


def _lambdas(name: str, optimizer: Optimizer, fn: Factors) -> list[Factor]:
    fns: list[Factor] = per_group(name, optimizer, fn)
    for f in fns:
        if not callable(f):
            raise TypeError(f"{name} should be a function, but got {type(f).__name__}")
    return fns


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch).

    Parameters
    ----------
    optimizer : Optimizer
    lr_lambda : callable or list of callables
        ``epoch -> factor``, or one such function per parameter group.
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.6)
    >>> scheduler = LambdaLR(optimizer, lr_lambda=lambda epoch: 1 / (1 + epoch))
    >>> lrs = []
    >>> for epoch in range(4):
    ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [0.6, 0.3, 0.2, 0.15]
    """

    _not_saved = ("lr_lambdas",)

    def __init__(self, optimizer: Optimizer, lr_lambda: Factors,
                 last_epoch: int = -1) -> None:
        self.lr_lambdas = _lambdas("lr_lambda", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr: float, index: int) -> Schedule:
        return schedules.lambda_schedule(base_lr, self.lr_lambdas[index])


class MultiplicativeLR(LRScheduler):
    """lr <- lr * lr_lambda(epoch) at every step after the first.

    Recursive, as in PyTorch: it multiplies whatever LR the group has, so an LR edited by
    hand is built on.

    Parameters
    ----------
    optimizer : Optimizer
    lr_lambda : callable or list of callables
        ``epoch -> factor``, or one such function per parameter group.
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.8)
    >>> scheduler = MultiplicativeLR(optimizer, lr_lambda=lambda epoch: 0.5)
    >>> lrs = []
    >>> for epoch in range(4):
    ...     lrs.append(scheduler.get_last_lr()[0])
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [0.8, 0.4, 0.2, 0.1]
    """

    _not_saved = ("lr_lambdas",)

    def __init__(self, optimizer: Optimizer, lr_lambda: Factors,
                 last_epoch: int = -1) -> None:
        self.lr_lambdas = _lambdas("lr_lambda", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._step_count == 1:  # the initial step keeps the LR
            return [group["lr"] for group in groups]
        return [group["lr"] * f(self.last_epoch) for f, group in zip(self.lr_lambdas, groups)]

    def _schedule(self, base_lr: float, index: int) -> Schedule:
        return schedules.multiplicative(base_lr, self.lr_lambdas[index])


class ConstantLR(LRScheduler):
    """lr = base_lr * factor for the first ``total_iters`` steps, then base_lr.

    Parameters
    ----------
    optimizer : Optimizer
    factor : float in [0, 1], default 1/3
    total_iters : int, default 5
        Steps with the reduced LR.
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.1)
    >>> scheduler = ConstantLR(optimizer, factor=0.5, total_iters=2)
    >>> lrs = []
    >>> for epoch in range(4):
    ...     lrs.append(scheduler.get_last_lr()[0])
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [0.05, 0.05, 0.1, 0.1]
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if not 0 <= factor <= 1:
            raise ArgumentError("factor",
                                f"ConstantLR(factor={factor!r}): factor must be in [0, 1]")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr: float, index: int) -> Schedule:
        return schedules.constant_factor(base_lr, self.factor, self.total_iters)


class LinearLR(LRScheduler):
    """Linear warm-up: the factor on base_lr goes from ``start_factor`` to ``end_factor``
    over ``total_iters`` steps, then stays.

    Parameters
    ----------
    optimizer : Optimizer
    start_factor : float in (0, 1], default 1/3
    end_factor : float in [0, 1], default 1.0
    total_iters : int, default 5
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.1)
    >>> scheduler = LinearLR(optimizer, start_factor=0.25, total_iters=3)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [0.025, 0.05, 0.075, 0.1, 0.1]
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if not 0 < start_factor <= 1:
            raise ArgumentError("start_factor",
                                f"LinearLR(start_factor={start_factor!r}): start_factor must be "
                                "in (0, 1]")
        if not 0 <= end_factor <= 1:
            raise ArgumentError("end_factor",
                                f"LinearLR(end_factor={end_factor!r}): end_factor must be in "
                                "[0, 1]")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr: float, index: int) -> Schedule:
        return schedules.linear(base_lr, self.start_factor, self.end_factor, self.total_iters)
