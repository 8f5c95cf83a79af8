"""`ReduceLROnPlateau`: lower the learning rate when a monitored metric stops improving.

The one scheduler whose LR is not a function of the step: it declares ``needs_metric``, and
``step`` takes the metric."""
from __future__ import annotations

import math

from ...errors import ArgumentError
from ..optimizer import Optimizer
from ..schedules import Schedule
from .base import LRScheduler, check_optimizer, per_group

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the LR by ``factor`` when the monitored metric has not improved for more
    than ``patience`` steps; ``step(metric)`` once per evaluation.

    Improvement means ``a < best*(1 - threshold)`` (mode 'min', threshold_mode 'rel'),
    ``a < best - threshold`` ('min', 'abs'), ``a > best*(1 + threshold)`` ('max', 'rel') or
    ``a > best + threshold`` ('max', 'abs'). After a reduction, ``cooldown`` steps are
    ignored; the LR never goes below ``min_lr`` and changes smaller than ``eps`` are skipped.

    Parameters
    ----------
    optimizer : Optimizer
    mode : {"min", "max"}, default "min"
        Whether the metric should go down (a loss) or up (an accuracy).
    factor : float < 1, default 0.1
    patience : int, default 10
    threshold : float, default 1e-4
    threshold_mode : {"rel", "abs"}, default "rel"
    cooldown : int, default 0
    min_lr : float or list of floats (one per group), default 0
    eps : float, default 1e-8

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.optim import SGD
    >>> optimizer = SGD([nnforge.zeros(1, requires_grad=True)], lr=0.1)
    >>> scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    >>> for val_loss in [1.0, 0.8, 0.8, 0.8, 0.8, 0.8]:
    ...     optimizer.step()
    ...     scheduler.step(val_loss)
    ...     print(scheduler.get_last_lr())
    [0.1]
    [0.1]
    [0.1]
    [0.05]
    [0.05]
    [0.025]
    """

    needs_metric = True

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0, eps: float = 1e-8) -> None:
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
        self.optimizer = check_optimizer("ReduceLROnPlateau", optimizer)
        self.min_lrs = per_group("min_lr", optimizer, min_lr)
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
    def in_cooldown(self) -> bool:
        """True while steps after a reduction are being ignored."""
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        """Whether the metric value ``a`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel"
                        else best - self.threshold)
        return a > (best * (self.threshold + 1.0) if self.threshold_mode == "rel"
                    else best + self.threshold)

    # NOTE: step takes the metric, not an epoch (needs_metric), so its signature differs
    # from the base class's on purpose.
    def step(self, metrics: float) -> None:  # type: ignore[override]
        """Record one value of the monitored metric; lower the LR after a plateau."""
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
            self._reduce_lrs()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lrs(self) -> None:
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    def schedule(self, group: int = 0) -> Schedule:
        raise TypeError("ReduceLROnPlateau has no closed form: its LR depends on the metric "
                        "values passed to step()")
