"""`LRScheduler`, the base of every learning-rate scheduler, and the argument checks the
schedulers share.

The base class applies a closed-form ``step -> lr`` function to an optimizer: ``step()``
advances ``last_epoch`` and writes the function's value into every parameter group.
"""
from __future__ import annotations

from typing import Any, TypeVar, Union

import numpy as np

from ...errors import ArgumentError
from ...mistake_warnings import SchedulerOrderWarning, guard_warn
from ..optimizer import Optimizer
from ..schedules import Schedule

__all__ = ["LRScheduler"]

T = TypeVar("T")


def per_group(name: str, optimizer: Optimizer, value: Union[T, list[T], tuple[T, ...]]
              ) -> list[T]:
    """One value per parameter group (a list/tuple must match the number of groups)."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have one value per parameter group: got "
                             f"{len(value)} values for {len(optimizer.param_groups)} groups")
        return list(value)
    return [value] * len(optimizer.param_groups)


def positive_int(owner: str, name: str, value: int) -> int:
    """`value` if it is a positive integer (not a bool), else ArgumentError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ArgumentError(name, f"{owner}({name}={value!r}): {name} must be a positive "
                                  "integer")
    return int(value)


def decay_factor(owner: str, name: str, value: float) -> float:
    """`value` if it is a finite number >= 0 (a negative factor would flip the learning
    rate's sign, i.e. gradient ascent), else ArgumentError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or \
            not np.isfinite(value) or value < 0:
        raise ArgumentError(name, f"{owner}({name}={value!r}): {name} must be a finite number "
                                  ">= 0 (a negative factor makes the learning rate negative)")
    return value


def check_optimizer(owner: str, optimizer: object) -> Optimizer:
    """`optimizer` if it is an nnforge Optimizer, else TypeError naming the scheduler."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner}: expected an nnforge Optimizer, got "
                        f"{type(optimizer).__name__}")
    return optimizer


def check_step_order(scheduler: LRScheduler) -> None:
    """NF-GUARD-004 (PyTorch warns the same): the first step() after construction came
    before any optimizer.step(), so the first LR of the schedule is skipped."""
    if scheduler._step_count == 2 and getattr(scheduler.optimizer, "steps_taken", 1) == 0:
        guard_warn(SchedulerOrderWarning,
                   f"{type(scheduler).__name__}.step() was called before optimizer.step(); "
                   "the schedule's first value is skipped. Call optimizer.step() first, then "
                   "scheduler.step()", stacklevel=3)


class LRScheduler:
    """Base class of the learning-rate schedulers: sets each parameter group's ``"lr"``
    from a closed-form function of the step.

    The scheduler holds the optimizer, ``base_lrs`` (each group's ``initial_lr``) and
    ``last_epoch``; constructing it performs step 0, and each `step` writes ``get_lr()``
    into the groups. A subclass defines ``_schedule(base_lr, index) -> (step -> lr)``.

    Three class attributes tell a training loop or a config how to drive a scheduler:
    ``interval`` is ``"epoch"`` (step once per epoch) or ``"step"`` (once per batch:
    CyclicLR, OneCycleLR); ``needs_metric`` is True when ``step`` takes the monitored value
    (ReduceLROnPlateau, Lightning's convention); ``length_argument`` names the constructor
    argument that gives the schedule's length in its own steps (OneCycleLR's
    ``total_steps``, CosineAnnealingLR's ``T_max``), so a config or an estimator can fill
    it from the number of epochs or updates; None when there is none.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose learning rates the scheduler sets.
    last_epoch : int, default -1
        The index of the last step taken; -1 starts a new schedule, anything else resumes
        one (the groups must then carry ``initial_lr``, i.e. the optimizer's state is loaded).

    Examples
    --------
    A subclass gives the closed form; the base class does the stepping:

    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> class HalvingLR(LRScheduler):
    ...     def _schedule(self, base_lr, index):
    ...         return lambda step: base_lr * 0.5 ** step
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.8)
    >>> scheduler = HalvingLR(optimizer)
    >>> for epoch in range(3):
    ...     optimizer.step()
    ...     scheduler.step()
    ...     print(scheduler.get_last_lr())
    [0.4]
    [0.2]
    [0.1]
    >>> scheduler.schedule_values(4)
    array([0.8, 0.4, 0.2, 0.1])
    """

    _not_saved: tuple[str, ...] = ()
    interval: str = "epoch"
    needs_metric: bool = False
    length_argument: str | None = None

    optimizer: Optimizer
    base_lrs: list[float]
    last_epoch: int
    _step_count: int
    _last_lr: list[float]

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = check_optimizer(type(self).__name__, optimizer)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}(last_epoch={last_epoch}): "
                                   f"param_groups[{i}] has no 'initial_lr'; resume a scheduler "
                                   "only after loading the optimizer's state")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self.step()

    def step(self, epoch: int | None = None) -> None:
        """Advance one step (or jump to ``epoch``) and set each group's LR."""
        self._step_count += 1
        check_step_order(self)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        self._set_lrs(self.get_lr())

    def _set_lrs(self, lrs: list[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_lr(self) -> list[float]:
        """The LR of every group at ``last_epoch``."""
        return [self.schedule(i)(self.last_epoch) for i in range(len(self.base_lrs))]

    def get_last_lr(self) -> list[float]:
        """The LRs set by the most recent step (one per group)."""
        return list(self._last_lr)

    def schedule(self, group: int = 0) -> Schedule:
        """The closed-form ``step -> lr`` function of parameter group ``group``."""
        return self._schedule(self.base_lrs[group], group)

    def _schedule(self, base_lr: float, index: int) -> Schedule:
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  "_schedule(base_lr, index)")

    def schedule_values(self, n: int, group: int = 0) -> np.ndarray:
        """LRs at steps 0..n-1 for one group, as a float64 array; changes nothing."""
        f = self.schedule(group)
        return np.array([f(t) for t in range(n)], dtype=np.float64)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer and functions (plain numbers and lists)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self).items()
                if k != "optimizer" and k not in self._not_saved and not callable(v)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by `state_dict`."""
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"
