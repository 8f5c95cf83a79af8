"""`UpdatePlan`: everything the Trainer changes between two parameter updates - gradient
accumulation weights, gradient clipping, the LR scheduler (per batch or per epoch), the
momentum schedule, the batch-size schedule - and the record of what was used.

Kept out of the loop in `trainer.py` so the loop still reads like the hand-written one:

    for each micro-batch:   (loss * plan.share).backward()
    when a group is full:   plan.before_step()  -> clip (norm, then value)
                            optimizer.step(); plan.after_step()   # per-step schedulers
    after each epoch:       plan.end_epoch(logs)                  # per-epoch schedulers

Gradient accumulation with ``accumulate_steps = k`` sums k micro-batch gradients
before one update. For a mean-reduced loss the big batch's gradient is the mean over all
of its samples, so micro-batch i's loss is weighted by its share n_i / (n_1 + ... + n_k):
four micro-batches of 8 then give exactly the gradient of one batch of 32 (to rounding),
and a short last group (the epoch's remainder) is weighted by its own total. Layers that
use batch statistics (BatchNorm) see micro-batches, so they are not equivalent.

The batch-size schedule (Smith et al. 2017) sets the loader's batch size per epoch;
the SGD noise scale g = lr/(1 - momentum) * (N/B - 1) is logged per epoch with B the
samples per update (loader batch x accumulate_steps, at most N) and the group's "momentum"
(SGD, RMSprop; 0 for optimizers without one - the "momentum" column shows Adam's beta1, but
the formula is SGD's and does not use it).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..optim import clip_grad_norm_, clip_grad_value_, noise_scale
from .callbacks import check_monitor

__all__ = ["UpdatePlan", "batch_sizes", "accumulation_shares", "metric_interval_problem",
           "lr_scale_conflict", "cycles_momentum"]

_INTERVALS = ("epoch", "step")


def metric_interval_problem(scheduler: object, interval: str | None) -> str | None:
    """Why `scheduler` (a scheduler or its class) cannot be stepped every `interval`.

    A scheduler that declares ``needs_metric`` (ReduceLROnPlateau) is fed the monitored
    value, which exists once per epoch, so it cannot step per batch.

    Parameters
    ----------
    scheduler : object
        An `optim.lr_scheduler` object or class.
    interval : {"epoch", "step"} or None
        How often it would be stepped (None: its own ``interval``).

    Returns
    -------
    str or None
        The problem in words, or None when the two fit.
    """
    needs_metric = bool(getattr(scheduler, "needs_metric", False))
    if needs_metric and interval == "step":
        name = scheduler.__name__ if isinstance(scheduler, type) else type(scheduler).__name__
        return f"{name} needs the monitored metric, which exists once per epoch"
    return None


def cycles_momentum(scheduler: object) -> bool:
    """Whether an LR scheduler sets the momentum itself (CyclicLR, OneCycleLR with
    ``cycle_momentum=True``), so a momentum schedule would fight it.

    Parameters
    ----------
    scheduler : object
        An LR scheduler, or None.

    Returns
    -------
    bool
    """
    return bool(getattr(scheduler, "cycle_momentum", False))


def lr_scale_conflict(batch_size_schedule: object, epochs: int) -> bool:
    """Whether a batch-size schedule rescales the LR within `epochs` epochs.

    A schedule capped by ``max_batch_size`` hands the rest of its factor to the LR
    (``lr_scale(epoch) != 1``); an LR scheduler would overwrite that, so the two cannot be
    combined.

    Parameters
    ----------
    batch_size_schedule : object
        An `optim.BatchSizeSchedule` (or any callable; only ``lr_scale`` is read), or None.
    epochs : int
        Epochs of the run.

    Returns
    -------
    bool
        True when some epoch's LR scale differs from 1.
    """
    lr_scale = getattr(batch_size_schedule, "lr_scale", None)
    return lr_scale is not None and any(lr_scale(e) != 1.0 for e in range(int(epochs)))


def batch_sizes(loader: Any) -> list[int]:
    """Samples in each batch of one epoch of a `DataLoader` (before batch augmentation)."""
    n = len(loader.dataset)
    size = getattr(loader, "batch_size", None)
    if size is None:
        return [n]
    full, rest = divmod(n, size)
    return [size] * full + ([rest] if rest and not getattr(loader, "drop_last", False) else [])


def accumulation_shares(sizes: Sequence[int],
                        accumulate_steps: int) -> list[tuple[float, bool]]:
    """(loss weight, step after this batch?) per batch: batches are taken in groups of
    `accumulate_steps`; each weight is the batch's share of its group's samples."""
    out: list[tuple[float, bool]] = []
    for start in range(0, len(sizes), accumulate_steps):
        group = sizes[start:start + accumulate_steps]
        total = float(sum(group))
        out.extend((n / total, i == len(group) - 1) for i, n in enumerate(group))
    return out


def _momentum_of(group: dict[str, Any]) -> float:
    if "momentum" in group:
        return float(group["momentum"])
    if "betas" in group:
        return float(group["betas"][0])
    return math.nan


def _positive(value: Any, name: str, integer: bool = False) -> Any:
    if value is None:
        return None
    kind = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
        what = "a positive integer" if integer else "a positive number"
        raise ValueError(f"Trainer({name}): expected {what}, got {value!r}")
    return value


class UpdatePlan:
    """What happens around `optimizer.step()`; built by the Trainer from its arguments.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer being stepped.
    scheduler : LRScheduler or None
        An `optim.lr_scheduler` object.
    interval : {"epoch", "step"} or None
        None: the scheduler's own `interval` attribute.
    monitor : str or None
        The logged value a metric-driven scheduler (ReduceLROnPlateau) gets; None:
        "val_loss" when there is validation data, else "loss".
    momentum_scheduler : MomentumScheduler or None
        A momentum schedule.
    momentum_interval : {"epoch", "step"}
        How often the momentum schedule steps.
    batch_size_schedule : BatchSizeSchedule, callable or None
        An `optim.BatchSizeSchedule` (or any ``epoch -> size`` callable with an optional
        ``lr_scale(epoch)``).
    accumulate_steps : int
        Micro-batches per update.
    clip_grad_norm, clip_grad_value : float or None
        Clip by global 2-norm and/or by value (in that order) after accumulation, before
        the step; None: no clipping.

    Examples
    --------
    >>> from nnforge import nn, optim
    >>> model = nn.Linear(2, 1)
    >>> plan = UpdatePlan(optim.SGD(model.parameters(), lr=0.1), accumulate_steps=2)
    >>> plan.begin_fit(epochs=1)
    >>> accumulation_shares([8, 8, 8, 4], plan.accumulate_steps)
    [(0.5, False), (0.5, True), (0.6666666666666666, False), (0.3333333333333333, True)]
    """

    def __init__(self, optimizer: Any, scheduler: Any = None, interval: str | None = None,
                 monitor: str | None = None, momentum_scheduler: Any = None,
                 momentum_interval: str = "epoch", batch_size_schedule: Any = None,
                 accumulate_steps: int = 1, clip_grad_norm: float | None = None,
                 clip_grad_value: float | None = None) -> None:
        if interval is None:
            interval = getattr(scheduler, "interval", "epoch")
        if interval not in _INTERVALS:
            raise ValueError(f"Trainer(scheduler_interval={interval!r}): expected 'epoch' or "
                             "'step'")
        if momentum_interval not in _INTERVALS:
            raise ValueError(f"Trainer(momentum_interval={momentum_interval!r}): expected "
                             "'epoch' or 'step'")
        self.needs_metric = bool(getattr(scheduler, "needs_metric", False))
        problem = metric_interval_problem(scheduler, interval)
        if problem is not None:
            raise ValueError(f"Trainer(scheduler_interval='step'): {problem}; step it per epoch")
        if momentum_scheduler is not None and cycles_momentum(scheduler):
            raise ValueError(f"Trainer(momentum_scheduler): {type(scheduler).__name__} already "
                             "cycles the momentum (cycle_momentum=True); give one of the two")
        if batch_size_schedule is not None and not callable(batch_size_schedule):
            raise TypeError(f"Trainer(batch_size_schedule): expected a BatchSizeSchedule or an "
                            f"epoch -> batch size function, got "
                            f"{type(batch_size_schedule).__name__}")
        self.optimizer = optimizer
        self.scheduler, self.interval, self.monitor = scheduler, interval, monitor
        self.momentum_scheduler, self.momentum_interval = momentum_scheduler, momentum_interval
        self.batch_size_schedule = batch_size_schedule
        self.accumulate_steps = int(_positive(accumulate_steps, "accumulate_steps", True))
        self.clip_grad_norm = _positive(clip_grad_norm, "clip_grad_norm")
        self.clip_grad_value = _positive(clip_grad_value, "clip_grad_value")
        self.steps: dict[str, list[Any]] = {}
        self._lr_scale = 1.0

    # --- per fit / per epoch --------------------------------------------------------------
    def begin_fit(self, epochs: int) -> None:
        """Reset the per-step record; refuse a capped batch schedule (which rescales the
        LR) together with an LR scheduler that would overwrite that rescaling."""
        self.steps = {"epoch": [], "lr": [], "momentum": [], "batch_size": []}
        self._lr_scale = 1.0
        if self.scheduler is not None and lr_scale_conflict(self.batch_size_schedule, epochs):
            raise ValueError("Trainer: the batch_size_schedule reaches max_batch_size and then "
                             "scales the LR, which the LR scheduler would overwrite; raise "
                             "max_batch_size or drop one of the two schedules")

    def state_dict(self) -> dict[str, Any]:
        """The per-update record, the LR scale applied by a capped batch-size schedule and
        the momentum scheduler's state."""
        momentum = self.momentum_scheduler
        return {"steps": {k: list(v) for k, v in self.steps.items()},
                "lr_scale": self._lr_scale,
                "momentum_scheduler": (momentum.state_dict() if momentum is not None and
                                       callable(getattr(momentum, "state_dict", None))
                                       else None)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict` saved."""
        self.steps = state["steps"]
        self._lr_scale = state["lr_scale"]
        if state["momentum_scheduler"] is not None:
            self.momentum_scheduler.load_state_dict(state["momentum_scheduler"])

    def batch_size(self, epoch: int, default: int | None) -> int | None:
        """The loader batch size for `epoch` (0-based): the schedule's, else `default`."""
        if self.batch_size_schedule is None:
            return default
        size = self.batch_size_schedule(epoch)
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"Trainer(batch_size_schedule): epoch {epoch} gave batch size "
                             f"{size!r}, expected a positive integer")
        return int(size)

    def begin_epoch(self, epoch: int) -> None:
        """Apply the batch schedule's LR scale (only where it hits max_batch_size)."""
        lr_scale = getattr(self.batch_size_schedule, "lr_scale", None)
        if lr_scale is None:
            return
        scale = float(lr_scale(epoch))
        if scale != self._lr_scale:
            ratio = scale / self._lr_scale
            for group in self.optimizer.param_groups:
                group["lr"] = group["lr"] * ratio
            self._lr_scale = scale

    def shares(self, loader: Any) -> list[tuple[float, bool]] | None:
        """(loss weight, step now?) per batch of this epoch."""
        if self.accumulate_steps == 1:
            return None
        return accumulation_shares(batch_sizes(loader), self.accumulate_steps)

    def samples_per_update(self, loader: Any) -> int:
        n = len(loader.dataset)
        size = getattr(loader, "batch_size", None)
        return n if size is None else min(size * self.accumulate_steps, n)

    def epoch_logs(self, loader: Any, lr: float) -> dict[str, Any]:
        """lr, momentum, batch_size (samples per update), updates and noise_scale of the
        epoch about to run."""
        group = self.optimizer.param_groups[0]
        n, batch = len(loader.dataset), self.samples_per_update(loader)
        momentum = _momentum_of(group)
        sgd_momentum = float(group.get("momentum", 0.0))
        return {"lr": lr, "momentum": momentum, "batch_size": batch,
                "updates": -(-len(loader) // self.accumulate_steps),
                "noise_scale": noise_scale(lr, n, batch, sgd_momentum)}

    # --- per update ---------------------------------------------------------------------
    def _params(self) -> list[Any]:
        return [p for group in self.optimizer.param_groups for p in group["params"]]

    def before_step(self, epoch: int, batch: int) -> None:
        """Clip the accumulated gradients and record the LR/momentum of this update."""
        if self.clip_grad_norm is not None or self.clip_grad_value is not None:
            params = self._params()
            if self.clip_grad_norm is not None:
                clip_grad_norm_(params, self.clip_grad_norm)
            if self.clip_grad_value is not None:
                clip_grad_value_(params, self.clip_grad_value)
        group = self.optimizer.param_groups[0]
        steps = self.steps
        steps["epoch"].append(epoch + 1)
        steps["lr"].append(float(group["lr"]))
        steps["momentum"].append(_momentum_of(group))
        steps["batch_size"].append(batch)

    def after_step(self) -> None:
        """Step the per-batch schedulers."""
        if self.scheduler is not None and self.interval == "step":
            self.scheduler.step()
        if self.momentum_scheduler is not None and self.momentum_interval == "step":
            self.momentum_scheduler.step()

    def end_epoch(self, logs: dict[str, Any]) -> None:
        """Step the per-epoch schedulers; a metric-driven one gets `logs[monitor]`."""
        if self.scheduler is not None and self.interval == "epoch":
            if self.needs_metric:
                monitor = self.monitor or ("val_loss" if "val_loss" in logs else "loss")
                self.scheduler.step(check_monitor(type(self.scheduler).__name__, monitor,
                                                  logs))
            else:
                self.scheduler.step()
        if self.momentum_scheduler is not None and self.momentum_interval == "epoch":
            self.momentum_scheduler.step()
