"""Schedulers whose learning rate goes up again: cosine with warm restarts (SGDR), the
cyclical learning rate and the 1cycle policy; the last two also cycle the momentum
inversely to the LR."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Union

import numpy as np

from ...errors import ArgumentError
from .. import schedules
from ..optimizer import Optimizer
from ..schedules import Schedule
from .base import LRScheduler, check_optimizer, check_step_order, per_group

__all__ = ["CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR"]

PerGroup = Union[float, list[float], tuple[float, ...]]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter, 2017): cosine from base_lr to eta_min over ``T_0``
    steps, then restart, each period ``T_mult`` times longer.

    ``step(epoch)`` accepts fractional epochs (e.g. ``epoch + i / iters`` per batch).

    Parameters
    ----------
    optimizer : Optimizer
    T_0 : int
        Length of the first period.
    T_mult : int, default 1
        Each period is this many times longer than the one before.
    eta_min : float, default 0.0
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.1)
    >>> scheduler = CosineAnnealingWarmRestarts(optimizer, T_0=2)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [0.1, 0.05, 0.1, 0.05, 0.1]
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ArgumentError("T_0", f"CosineAnnealingWarmRestarts(T_0={T_0!r}): T_0 must be a "
                                       "positive integer")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ArgumentError("T_mult",
                                f"CosineAnnealingWarmRestarts(T_mult={T_mult!r}): T_mult must be "
                                "an integer >= 1")
        self.T_0, self.T_mult, self.eta_min = T_0, T_mult, eta_min
        self.T_i: float = T_0
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def step(self, epoch: float | None = None) -> None:
        """Advance one step, or jump to ``epoch`` (which may be fractional)."""
        self._step_count += 1
        check_step_order(self)
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"CosineAnnealingWarmRestarts.step(epoch={epoch!r}): epoch "
                                 "must be >= 0")
            self.T_cur, self.T_i = schedules.restart_position(epoch, self.T_0, self.T_mult)
        self.last_epoch = math.floor(epoch)
        self._set_lrs([self.eta_min + (b - self.eta_min)
                       * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                       for b in self.base_lrs])

    def _schedule(self, base_lr: float, index: int) -> Schedule:
        return schedules.cosine_warm_restarts(base_lr, self.T_0, self.T_mult, self.eta_min)


class _MomentumCycling(LRScheduler):
    """Shared by CyclicLR and OneCycleLR: `get_lr` also writes the cycled momentum (SGD's
    ``momentum`` or Adam's ``betas[0]``) into each group."""

    cycle_momentum: bool
    use_beta1: bool
    base_momentums: list[float]
    max_momentums: list[float]

    def _setup_momentum(self, optimizer: Optimizer, cycle_momentum: bool,
                        base_momentum: PerGroup, max_momentum: PerGroup,
                        last_epoch: int) -> None:
        """Where momentum lives (momentum or betas[0]) and its initial value."""
        self.cycle_momentum = cycle_momentum
        if not cycle_momentum:
            return
        if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
            raise ArgumentError("cycle_momentum",
                                f"{type(self).__name__}(cycle_momentum=True): "
                                f"{type(optimizer).__name__} has neither 'momentum' nor 'betas'; "
                                "pass cycle_momentum=False")
        self.use_beta1 = "betas" in optimizer.defaults
        self.base_momentums = per_group("base_momentum", optimizer, base_momentum)
        self.max_momentums = per_group("max_momentum", optimizer, max_momentum)
        if last_epoch == -1:
            for high, low, group in zip(self.max_momentums, self.base_momentums,
                                        optimizer.param_groups):
                self._set_momentum(group, high)
                group["max_momentum"], group["base_momentum"] = high, low

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def momentum_schedule(self, group: int = 0) -> Schedule:
        """The closed-form ``step -> momentum`` function of parameter group ``group``."""
        raise NotImplementedError(f"{type(self).__name__} must implement momentum_schedule")

    def get_lr(self) -> list[float]:
        if self.cycle_momentum:
            for i, group in enumerate(self.optimizer.param_groups):
                self._set_momentum(group, self.momentum_schedule(i)(self.last_epoch))
        return super().get_lr()

    def momentum_values(self, n: int, group: int = 0) -> np.ndarray:
        """Momentum at steps 0..n-1 for one group (float64 array)."""
        f = self.momentum_schedule(group)
        return np.array([f(t) for t in range(n)], dtype=np.float64)


class CyclicLR(_MomentumCycling):
    """Cyclical learning rate (Smith, 2017): base_lr -> max_lr over ``step_size_up``
    steps and back over ``step_size_down``, with momentum cycling inversely.

    Sets each group's LR to ``base_lr`` at construction; ``step()`` once per batch.

    Parameters
    ----------
    optimizer : Optimizer
    base_lr, max_lr : float or list of floats (one per group)
    step_size_up : int, default 2000
    step_size_down : int, optional
        Defaults to ``step_size_up``.
    mode : {"triangular", "triangular2", "exp_range"}, default "triangular"
        The amplitude is scaled by 1, 1/2**(cycle-1) or gamma**step.
    gamma : float, default 1.0
    scale_fn : callable, optional
        A scaling of your own, replacing ``mode``; ``scale_mode`` says whether it takes
        the cycle number ("cycle") or the step ("iterations").
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float or list of floats, default 0.8 and 0.9
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> scheduler = CyclicLR(optimizer, base_lr=0.1, max_lr=0.5, step_size_up=2)
    >>> lrs, momenta = [], []
    >>> for batch in range(5):
    ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
    ...     momenta.append(round(optimizer.param_groups[0]["momentum"], 4))
    ...     optimizer.step()
    ...     scheduler.step()
    >>> lrs
    [0.1, 0.3, 0.5, 0.3, 0.1]
    >>> momenta
    [0.9, 0.85, 0.8, 0.85, 0.9]
    """

    interval = "step"

    _not_saved = ("scale_fn",)

    def __init__(self, optimizer: Optimizer, base_lr: PerGroup, max_lr: PerGroup,
                 step_size_up: int = 2000, step_size_down: int | None = None,
                 mode: str = "triangular", gamma: float = 1.0,
                 scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: PerGroup = 0.8,
                 max_momentum: PerGroup = 0.9, last_epoch: int = -1) -> None:
        check_optimizer("CyclicLR", optimizer)
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ArgumentError("mode", f"CyclicLR(mode={mode!r}): mode must be 'triangular', "
                                        "'triangular2' or 'exp_range' when scale_fn is None")
        if scale_mode not in ("cycle", "iterations"):
            raise ArgumentError("scale_mode",
                                f"CyclicLR(scale_mode={scale_mode!r}): must be 'cycle' or "
                                "'iterations'")
        base_lrs: list[float] = per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs: list[float] = per_group("max_lr", optimizer, max_lr)
        self.step_size_up = step_size_up
        self.step_size_down = step_size_down
        self.mode, self.gamma, self.scale_fn, self.scale_mode = mode, gamma, scale_fn, scale_mode
        self._cyclic_base_lrs = base_lrs
        self._setup_momentum(optimizer, cycle_momentum, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _shape(self) -> dict[str, Any]:
        return dict(step_size_up=self.step_size_up, step_size_down=self.step_size_down,
                    mode=self.mode, gamma=self.gamma, scale_fn=self.scale_fn,
                    scale_mode=self.scale_mode)

    def schedule(self, group: int = 0) -> Schedule:
        return schedules.cyclic(self._cyclic_base_lrs[group], self.max_lrs[group],
                                **self._shape())

    def momentum_schedule(self, group: int = 0) -> Schedule:
        return schedules.cyclic_momentum(self.base_momentums[group], self.max_momentums[group],
                                         **self._shape())


def _one_cycle_length(total_steps: int | None, epochs: int | None,
                      steps_per_epoch: int | None) -> int:
    """OneCycleLR's number of steps: ``total_steps``, or ``epochs * steps_per_epoch``."""
    if total_steps is not None:
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ArgumentError("total_steps",
                                f"OneCycleLR(total_steps={total_steps!r}): must be a positive "
                                "integer")
        return total_steps
    if epochs is not None and steps_per_epoch is not None:
        for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
            if not isinstance(value, int) or value <= 0:
                raise ArgumentError(name,
                                    f"OneCycleLR({name}={value!r}): must be a positive integer")
        return epochs * steps_per_epoch
    raise ValueError("OneCycleLR: give either total_steps or both epochs and steps_per_epoch")


class OneCycleLR(_MomentumCycling):
    """The 1cycle policy (Smith & Topin, 2019): warm up to ``max_lr``, then anneal far
    below the start, with momentum cycling inversely.

    ``step()`` once per batch; stepping past ``total_steps`` is an error, as in PyTorch.

    Parameters
    ----------
    optimizer : Optimizer
    max_lr : float or list of floats (one per group)
    total_steps : int, optional
        The schedule's length; or give ``epochs`` and ``steps_per_epoch``.
    pct_start : float, default 0.3
        The fraction of the steps spent warming up.
    anneal_strategy : {"cos", "linear"}, default "cos"
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float or list of floats, default 0.85 and 0.95
    div_factor : float, default 25.0
        The first LR is ``max_lr / div_factor``.
    final_div_factor : float, default 1e4
        The last LR is the first divided by this.
    three_phase : bool, default False
        Anneal back to the first LR before going down to the last.
    last_epoch : int, default -1

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> scheduler = OneCycleLR(optimizer, max_lr=1.0, total_steps=5, pct_start=0.4,
    ...                        anneal_strategy="linear", div_factor=10, final_div_factor=10)
    >>> lrs = [scheduler.get_last_lr()[0]]
    >>> for batch in range(4):
    ...     optimizer.step()
    ...     scheduler.step()
    ...     lrs.append(scheduler.get_last_lr()[0])
    >>> [round(lr, 4) for lr in lrs]
    [0.1, 1.0, 0.67, 0.34, 0.01]
    """

    interval = "step"
    length_argument = "total_steps"

    def __init__(self, optimizer: Optimizer, max_lr: PerGroup, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum: PerGroup = 0.85,
                 max_momentum: PerGroup = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        check_optimizer("OneCycleLR", optimizer)
        self.total_steps = _one_cycle_length(total_steps, epochs, steps_per_epoch)
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ArgumentError("pct_start",
                                f"OneCycleLR(pct_start={pct_start!r}): must be a float in [0, 1]")
        if anneal_strategy not in ("cos", "linear"):
            raise ArgumentError("anneal_strategy",
                                f"OneCycleLR(anneal_strategy={anneal_strategy!r}): must be 'cos' "
                                "or 'linear'")
        self.pct_start, self.anneal_strategy = pct_start, anneal_strategy
        self.three_phase = three_phase
        self.div_factor, self.final_div_factor = div_factor, final_div_factor
        self.max_lrs: list[float] = per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for max_value, group in zip(self.max_lrs, optimizer.param_groups):
                group["initial_lr"] = max_value / div_factor
                group["max_lr"] = max_value
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self._setup_momentum(optimizer, cycle_momentum, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {self.last_epoch} times, but "
                             f"total_steps is {self.total_steps}")
        return super().get_lr()

    def schedule(self, group: int = 0) -> Schedule:
        return schedules.one_cycle(self.max_lrs[group], self.total_steps, self.pct_start,
                                   self.anneal_strategy, self.div_factor,
                                   self.final_div_factor, self.three_phase)

    def momentum_schedule(self, group: int = 0) -> Schedule:
        return schedules.one_cycle_momentum(self.total_steps, self.base_momentums[group],
                                            self.max_momentums[group], self.pct_start,
                                            self.anneal_strategy, self.three_phase)
