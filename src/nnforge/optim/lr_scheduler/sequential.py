"""`SequentialLR`: chain schedulers, each taking over at a milestone (e.g. a linear warm-up,
then a cosine decay)."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import Any

from .. import schedules
from ..optimizer import Optimizer
from ..schedules import Schedule
from .base import LRScheduler

__all__ = ["SequentialLR"]


class SequentialLR(LRScheduler):
    """Run ``schedulers[i]`` between ``milestones[i-1]`` and ``milestones[i]``; each
    restarts at its own step 0 when its turn comes.

    A scheduler that needs a metric (``needs_metric``, e.g. ReduceLROnPlateau) cannot be
    chained: its LR is not a function of the step.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer every scheduler in ``schedulers`` was built on.
    schedulers : iterable of LRScheduler
    milestones : iterable of int
        One fewer than the schedulers: the steps at which the next one takes over.
    last_epoch : int, default -1

    Examples
    --------
    Two steps of linear warm-up, then exponential decay:

    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> from nnforge.optim.lr_scheduler import ExponentialLR, LinearLR
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.1)
    >>> warmup = LinearLR(optimizer, start_factor=0.5, total_iters=2)
    >>> decay = ExponentialLR(optimizer, gamma=0.5)
    >>> scheduler = SequentialLR(optimizer, [warmup, decay], milestones=[2])
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [0.05, 0.075, 0.1, 0.05, 0.025]
    """

    def __init__(self, optimizer: Optimizer, schedulers: Iterable[LRScheduler],
                 milestones: Iterable[int], last_epoch: int = -1) -> None:
        chain, starts = list(schedulers), list(milestones)
        if not chain:
            raise ValueError("SequentialLR: expected at least one scheduler")
        for i, s in enumerate(chain):
            if getattr(s, "needs_metric", False):
                raise ValueError(f"SequentialLR: schedulers[{i}] is a {type(s).__name__}, "
                                 "which needs a metric at each step and cannot be sequenced")
            if getattr(s, "optimizer", None) is not optimizer:
                raise ValueError(f"SequentialLR: schedulers[{i}] ({type(s).__name__}) belongs "
                                 "to a different optimizer")
        if len(starts) != len(chain) - 1:
            raise ValueError(f"SequentialLR: expected {len(chain) - 1} milestones for "
                             f"{len(chain)} schedulers, got {len(starts)}")
        self.optimizer = optimizer
        self._schedulers, self._milestones = chain, starts
        self.last_epoch = last_epoch + 1
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in chain:  # undo the step each scheduler took when it was built
            s.last_epoch -= 1
        first = chain[bisect_right(starts, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self, epoch: int | None = None) -> None:
        """Advance one step: the scheduler whose turn it is steps (the next one starts at
        its step 0 on its milestone)."""
        if epoch is not None:
            raise TypeError(f"SequentialLR.step(epoch={epoch!r}): a chain of schedulers "
                            "steps one at a time and cannot jump to an epoch")
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            scheduler.step(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def schedule(self, group: int = 0) -> Schedule:
        return schedules.join_schedules([s.schedule(group) for s in self._schedulers],
                                        self._milestones)

    def state_dict(self) -> dict[str, Any]:
        """Its own attributes, with each chained scheduler's state under "_schedulers"."""
        state = {k: v for k, v in vars(self).items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict` saved, the chained schedulers included."""
        state = dict(state_dict)
        for s, saved in zip(self._schedulers, state.pop("_schedulers")):
            s.load_state_dict(saved)
        self.__dict__.update(state)
