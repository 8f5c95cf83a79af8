"""Learning-rate schedulers with PyTorch's names, arguments and step semantics.

Each class is a thin wrapper around a closed-form function from `nnforge.optim.schedules`:
``scheduler.step()`` advances ``last_epoch`` and writes ``f(last_epoch)`` into every
parameter group's ``"lr"``. Consequences:

* ``scheduler.schedule_values(n)`` previews the LR curve (no optimizer steps taken), and
  `preview` does it without any optimizer of yours — plot before you train;
* the LR sequences equal PyTorch's (PyTorch mostly recurses from the previous LR; the values
  agree to rounding). PyTorch's `CosineAnnealingLR` is recursive and not clamped at
  ``T_max``: past it the LR rises again along the cosine — and so it does here.
* a scheduler owns the LR: editing ``group["lr"]`` by hand is overwritten at the next step
  (PyTorch's recursive forms would build on it). `MultiplicativeLR` and `ReduceLROnPlateau`
  are recursive by definition and do build on the current LR.

As in PyTorch: constructing a scheduler performs step 0 (sets the initial LR), then call
``scheduler.step()`` after each ``optimizer.step()`` (per batch or per epoch, as you
choose). ``InverseTimeLR`` (alpha0 / (1 + gamma t)) is nnforge's addition.
"""
import math
from bisect import bisect_right

import numpy as np

from ..errors import ArgumentError
from ..mistake_warnings import SchedulerOrderWarning, guard_warn
from . import schedules
from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR",
           "ConstantLR", "LinearLR", "ExponentialLR", "SequentialLR", "PolynomialLR",
           "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR",
           "ReduceLROnPlateau", "InverseTimeLR", "preview"]


def _per_group(name, optimizer, value):
    """One value per parameter group (a list/tuple must match the number of groups)."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have one value per parameter group: got "
                             f"{len(value)} values for {len(optimizer.param_groups)} groups")
        return list(value)
    return [value] * len(optimizer.param_groups)


def _positive_int(owner, name, value):
    """`value` if it is a positive integer (not a bool), else ArgumentError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ArgumentError(name, f"{owner}({name}={value!r}): {name} must be a positive "
                                  "integer")
    return int(value)


def _decay_factor(owner, name, value):
    """`value` if it is a finite number >= 0 (a negative factor would flip the learning
    rate's sign, i.e. gradient ascent), else ArgumentError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or \
            not np.isfinite(value) or value < 0:
        raise ArgumentError(name, f"{owner}({name}={value!r}): {name} must be a finite number "
                                  ">= 0 (a negative factor makes the learning rate negative)")
    return value


def _check_step_order(scheduler):
    """NF-GUARD-004 (PyTorch warns the same): the first step() after construction came
    before any optimizer.step(), so the first LR of the schedule is skipped."""
    if scheduler._step_count == 2 and getattr(scheduler.optimizer, "steps_taken", 1) == 0:
        guard_warn(SchedulerOrderWarning,
                   f"{type(scheduler).__name__}.step() was called before optimizer.step(); "
                   "the schedule's first value is skipped. Call optimizer.step() first, then "
                   "scheduler.step()", stacklevel=3)


class LRScheduler:
    """Base class: holds the optimizer, ``base_lrs`` (each group's ``initial_lr``),
    ``last_epoch`` and applies ``get_lr()`` on each `step`.

    Subclasses define ``_schedule(base_lr, index) -> step -> lr`` (closed form).

    ``interval`` says how a training loop should step it by default: ``"epoch"`` (once per
    epoch) or ``"step"`` (once per batch: CyclicLR, OneCycleLR); ``needs_metric`` is True
    for ReduceLROnPlateau, whose ``step`` takes the monitored value (Lightning's convention).
    ``length_argument`` names the constructor argument that gives the schedule's length in
    its own steps (OneCycleLR's ``total_steps``, CosineAnnealingLR's ``T_max``), so a config
    or an estimator can fill it from the number of epochs or updates; None when there is none.
    """

    _not_saved = ()
    interval = "epoch"
    needs_metric = False
    length_argument = None

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an nnforge Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
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

    def _initial_step(self):
        self._step_count = 0
        self.step()

    def step(self, epoch=None):
        """Advance one step (or jump to ``epoch``) and set each group's LR."""
        self._step_count += 1
        _check_step_order(self)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        self._set_lrs(self.get_lr())

    def _set_lrs(self, lrs):
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_lr(self):
        """The LR of every group at ``last_epoch``."""
        return [self.schedule(i)(self.last_epoch) for i in range(len(self.base_lrs))]

    def get_last_lr(self):
        """The LRs set by the most recent step (one per group)."""
        return list(self._last_lr)

    def schedule(self, group=0):
        """The closed-form ``step -> lr`` function of parameter group ``group``."""
        return self._schedule(self.base_lrs[group], group)

    def _schedule(self, base_lr, index):
        raise NotImplementedError

    def schedule_values(self, n, group=0):
        """LRs at steps 0..n-1 for one group, as a float64 array; changes nothing."""
        f = self.schedule(group)
        return np.array([f(t) for t in range(n)], dtype=np.float64)

    def state_dict(self):
        """Every attribute except the optimizer and functions (plain numbers and lists)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self).items()
                if k != "optimizer" and k not in self._not_saved and not callable(v)}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)

    def __repr__(self):
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"


def _lambdas(name, optimizer, fn):
    fns = _per_group(name, optimizer, fn)
    for f in fns:
        if not callable(f):
            raise TypeError(f"{name} should be a function, but got {type(f).__name__}")
    return fns


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch); ``lr_lambda`` may be one function per group."""

    _not_saved = ("lr_lambdas",)

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _lambdas("lr_lambda", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr, index):
        return schedules.lambda_schedule(base_lr, self.lr_lambdas[index])


class MultiplicativeLR(LRScheduler):
    """lr <- lr * lr_lambda(epoch) at every step after the first (recursive, as in PyTorch:
    it multiplies whatever LR the group has)."""

    _not_saved = ("lr_lambdas",)

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _lambdas("lr_lambda", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups = self.optimizer.param_groups
        if self._step_count == 1:  # the initial step keeps the LR
            return [group["lr"] for group in groups]
        return [group["lr"] * f(self.last_epoch) for f, group in zip(self.lr_lambdas, groups)]

    def _schedule(self, base_lr, index):
        return schedules.multiplicative(base_lr, self.lr_lambdas[index])


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if not isinstance(step_size, int) or step_size <= 0:
            raise ArgumentError("step_size",
                                f"StepLR(step_size={step_size!r}): step_size must be a positive "
                                "integer")
        self.step_size, self.gamma = step_size, _decay_factor("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr, index):
        return schedules.step_decay(base_lr, self.step_size, self.gamma)


class MultiStepLR(LRScheduler):
    """lr = base_lr * gamma ** (milestones passed)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = sorted(milestones)
        self.gamma = _decay_factor("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr, index):
        return schedules.multistep(base_lr, self.milestones, self.gamma)


class ConstantLR(LRScheduler):
    """lr = base_lr * factor for the first total_iters steps, then base_lr."""

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if not 0 <= factor <= 1:
            raise ArgumentError("factor",
                                f"ConstantLR(factor={factor!r}): factor must be in [0, 1]")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr, index):
        return schedules.constant_factor(base_lr, self.factor, self.total_iters)


class LinearLR(LRScheduler):
    """Linear warm-up: the factor goes from start_factor to end_factor over total_iters."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
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

    def _schedule(self, base_lr, index):
        return schedules.linear(base_lr, self.start_factor, self.end_factor, self.total_iters)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch (the lecture's exp(-k t) is gamma = exp(-k))."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = _decay_factor("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr, index):
        return schedules.exponential(base_lr, self.gamma)


class InverseTimeLR(LRScheduler):
    """lr = base_lr / (1 + gamma * epoch / decay_steps) (the lecture's inverse-time decay;
    not in PyTorch, Keras' InverseTimeDecay)."""

    def __init__(self, optimizer, gamma, decay_steps=1, last_epoch=-1):
        if gamma < 0:
            raise ArgumentError("gamma", f"InverseTimeLR(gamma={gamma!r}): gamma must be >= 0")
        if decay_steps <= 0:
            raise ArgumentError("decay_steps",
                                f"InverseTimeLR(decay_steps={decay_steps!r}): decay_steps must "
                                "be > 0")
        self.gamma, self.decay_steps = gamma, decay_steps
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr, index):
        return schedules.inverse_time(base_lr, self.gamma, self.decay_steps)


class PolynomialLR(LRScheduler):
    """lr = base_lr * (1 - min(epoch, total_iters) / total_iters) ** power."""

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters = _positive_int("PolynomialLR", "total_iters", total_iters)
        self.power = _decay_factor("PolynomialLR", "power", power)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr, index):
        return schedules.polynomial(base_lr, self.total_iters, self.power)


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    Not clamped at T_max: PyTorch's recursive implementation keeps following the cosine
    (back up to base_lr at 2*T_max), and this class reproduces that sequence."""

    length_argument = "T_max"

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _decay_factor("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, base_lr, index):
        return schedules.cosine(base_lr, self.T_max, self.eta_min)


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR: cosine over T_0 steps, restart, each period T_mult times longer.

    ``step(epoch)`` accepts fractional epochs (e.g. ``epoch + i / iters`` per batch)."""

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ArgumentError("T_0", f"CosineAnnealingWarmRestarts(T_0={T_0!r}): T_0 must be a "
                                       "positive integer")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ArgumentError("T_mult",
                                f"CosineAnnealingWarmRestarts(T_mult={T_mult!r}): T_mult must be "
                                "an integer >= 1")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def step(self, epoch=None):
        self._step_count += 1
        _check_step_order(self)
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

    def _schedule(self, base_lr, index):
        return schedules.cosine_warm_restarts(base_lr, self.T_0, self.T_mult, self.eta_min)


def _momentum_setup(scheduler, optimizer, base_momentum, max_momentum, last_epoch):
    """Common part of CyclicLR/OneCycleLR's cycle_momentum: where momentum lives (momentum
    or betas[0]) and its initial value."""
    name = type(scheduler).__name__
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ArgumentError("cycle_momentum",
                            f"{name}(cycle_momentum=True): {type(optimizer).__name__} has neither "
                            "'momentum' nor 'betas'; pass cycle_momentum=False")
    scheduler.use_beta1 = "betas" in optimizer.defaults
    scheduler.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
    scheduler.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
    if last_epoch == -1:
        for high, low, group in zip(scheduler.max_momentums, scheduler.base_momentums,
                                    optimizer.param_groups):
            _set_momentum(scheduler, group, high)
            group["max_momentum"], group["base_momentum"] = high, low


def _set_momentum(scheduler, group, value):
    if scheduler.use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class _MomentumCycling(LRScheduler):
    """get_lr also writes the cycled momentum into each group."""

    def get_lr(self):
        if self.cycle_momentum:
            for i, group in enumerate(self.optimizer.param_groups):
                _set_momentum(self, group, self.momentum_schedule(i)(self.last_epoch))
        return super().get_lr()

    def momentum_values(self, n, group=0):
        """Momentum at steps 0..n-1 for one group (float64 array)."""
        f = self.momentum_schedule(group)
        return np.array([f(t) for t in range(n)], dtype=np.float64)


class CyclicLR(_MomentumCycling):
    """Cyclical learning rate (Smith, 2017) with inverse momentum cycling.

    Sets each group's LR to ``base_lr`` at construction; ``step()`` once per batch."""

    interval = "step"

    _not_saved = ("scale_fn",)

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode="triangular", gamma=1.0, scale_fn=None, scale_mode="cycle",
                 cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"CyclicLR: expected an nnforge Optimizer, got "
                            f"{type(optimizer).__name__}")
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ArgumentError("mode", f"CyclicLR(mode={mode!r}): mode must be 'triangular', "
                                        "'triangular2' or 'exp_range' when scale_fn is None")
        if scale_mode not in ("cycle", "iterations"):
            raise ArgumentError("scale_mode",
                                f"CyclicLR(scale_mode={scale_mode!r}): must be 'cycle' or "
                                "'iterations'")
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        self.step_size_up = step_size_up
        self.step_size_down = step_size_down
        self.mode, self.gamma, self.scale_fn, self.scale_mode = mode, gamma, scale_fn, scale_mode
        self._cyclic_base_lrs = base_lrs
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _momentum_setup(self, optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _shape(self):
        return dict(step_size_up=self.step_size_up, step_size_down=self.step_size_down,
                    mode=self.mode, gamma=self.gamma, scale_fn=self.scale_fn,
                    scale_mode=self.scale_mode)

    def schedule(self, group=0):
        return schedules.cyclic(self._cyclic_base_lrs[group], self.max_lrs[group],
                                **self._shape())

    def momentum_schedule(self, group=0):
        return schedules.cyclic_momentum(self.base_momentums[group], self.max_momentums[group],
                                         **self._shape())


class OneCycleLR(_MomentumCycling):
    """The 1cycle policy (Smith & Topin, 2019): warm up to max_lr, anneal far below the
    start; momentum cycles inversely. ``step()`` once per batch; stepping past
    ``total_steps`` is an error, as in PyTorch."""

    interval = "step"
    length_argument = "total_steps"

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"OneCycleLR: expected an nnforge Optimizer, got "
                            f"{type(optimizer).__name__}")
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ArgumentError("total_steps",
                                    f"OneCycleLR(total_steps={total_steps!r}): must be a positive "
                                    "integer")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                if not isinstance(value, int) or value <= 0:
                    raise ArgumentError(name,
                                        f"OneCycleLR({name}={value!r}): must be a positive integer")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: give either total_steps or both epochs and "
                             "steps_per_epoch")
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
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for max_value, group in zip(self.max_lrs, optimizer.param_groups):
                group["initial_lr"] = max_value / div_factor
                group["max_lr"] = max_value
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _momentum_setup(self, optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {self.last_epoch} times, but "
                             f"total_steps is {self.total_steps}")
        return super().get_lr()

    def schedule(self, group=0):
        return schedules.one_cycle(self.max_lrs[group], self.total_steps, self.pct_start,
                                   self.anneal_strategy, self.div_factor,
                                   self.final_div_factor, self.three_phase)

    def momentum_schedule(self, group=0):
        return schedules.one_cycle_momentum(self.total_steps, self.base_momentums[group],
                                            self.max_momentums[group], self.pct_start,
                                            self.anneal_strategy, self.three_phase)


class SequentialLR(LRScheduler):
    """Run ``schedulers[i]`` between ``milestones[i-1]`` and ``milestones[i]``; each restarts
    at its own step 0 when its turn comes (e.g. LinearLR warm-up, then CosineAnnealingLR)."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        schedulers, milestones = list(schedulers), list(milestones)
        if not schedulers:
            raise ValueError("SequentialLR: expected at least one scheduler")
        for i, s in enumerate(schedulers):
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(f"SequentialLR: schedulers[{i}] is a ReduceLROnPlateau, which "
                                 "needs a metric at each step and cannot be sequenced")
            if getattr(s, "optimizer", None) is not optimizer:
                raise ValueError(f"SequentialLR: schedulers[{i}] ({type(s).__name__}) belongs "
                                 "to a different optimizer")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expected {len(schedulers) - 1} milestones for "
                             f"{len(schedulers)} schedulers, got {len(milestones)}")
        self.optimizer = optimizer
        self._schedulers, self._milestones = schedulers, milestones
        self.last_epoch = last_epoch + 1
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in schedulers:  # undo the step each scheduler took when it was built
            s.last_epoch -= 1
        first = schedulers[bisect_right(milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self):
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            scheduler.step(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def schedule(self, group=0):
        return schedules.join_schedules([s.schedule(group) for s in self._schedulers],
                                        self._milestones)

    def state_dict(self):
        state = {k: v for k, v in vars(self).items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        for s, saved in zip(self._schedulers, state.pop("_schedulers")):
            s.load_state_dict(saved)
        self.__dict__.update(state)


class ReduceLROnPlateau(LRScheduler):
    """Multiply the LR by ``factor`` when the monitored metric has not improved for more than
    ``patience`` steps. ``step(metric)`` once per evaluation.

    Improvement means ``a < best*(1 - threshold)`` (mode 'min', threshold_mode 'rel'),
    ``a < best - threshold`` ('min', 'abs'), ``a > best*(1 + threshold)`` ('max', 'rel') or
    ``a > best + threshold`` ('max', 'abs'). After a reduction, ``cooldown`` steps are
    ignored; the LR never goes below ``min_lr`` and changes smaller than ``eps`` are skipped.
    """

    needs_metric = True

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        if factor >= 1.0:
            raise ArgumentError("factor",
                                f"ReduceLROnPlateau(factor={factor!r}): factor must be < 1.0")
        if mode not in ("min", "max"):
            raise ArgumentError("mode",
                                f"ReduceLROnPlateau(mode={mode!r}): mode must be 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ArgumentError("threshold_mode",
                                f"ReduceLROnPlateau(threshold_mode={threshold_mode!r}): must be "
                                "'rel' or 'abs'")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: expected an nnforge Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        self.min_lrs = _per_group("min_lr", optimizer, min_lr)
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.last_epoch = 0
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def is_better(self, a, best):
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel"
                        else best - self.threshold)
        return a > (best * (self.threshold + 1.0) if self.threshold_mode == "rel"
                    else best + self.threshold)

    def step(self, metrics):
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def schedule(self, group=0):
        raise TypeError("ReduceLROnPlateau has no closed form: its LR depends on the metric "
                        "values passed to step()")


def preview(scheduler_cls, steps, lr=0.1, momentum=0.9, **kwargs):
    """LR (and, for CyclicLR/OneCycleLR, momentum) curves of a scheduler class over
    ``steps`` steps, without any model: ``preview(StepLR, 100, step_size=30)``.

    Returns ``{"lr": array}`` plus ``"momentum"`` when the scheduler cycles momentum."""
    from ..autograd import Tensor
    from .sgd import SGD
    optimizer = SGD([Tensor(np.zeros(1))], lr=lr, momentum=momentum)
    scheduler = scheduler_cls(optimizer, **kwargs)
    out = {"lr": scheduler.schedule_values(steps)}
    if getattr(scheduler, "cycle_momentum", False):
        out["momentum"] = scheduler.momentum_values(steps)
    return out
