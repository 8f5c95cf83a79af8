"""Batch-size schedules and the SGD noise scale.

Smith, Kindermans, Ying & Le (2017), "Don't decay the learning rate, increase the batch
size": SGD's noise scale is g = lr * (N/B - 1), so multiplying the batch size B by k
has the effect of dividing the LR by k — with k times fewer parameter updates per epoch.
`BatchSizeSchedule` gives the batch size to use at each epoch; when the batch would exceed
``max_batch_size`` (memory), the rest of the factor goes back into the LR (`lr_scale`), as in
the paper. No framework ships this; the Trainer reads it once per epoch.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from ..errors import ArgumentError

__all__ = ["BatchSizeSchedule", "noise_scale"]


def noise_scale(lr: float, n_train: int, batch_size: int, momentum: float = 0.0) -> float:
    """SGD noise scale g = lr/(1 - momentum) * (n_train/batch_size - 1) (the momentum
    form is from the paper, the lecture has momentum 0).

    >>> round(noise_scale(0.1, 50_000, 128), 4)      # CIFAR-sized: 50,000 samples, batch 128
    38.9625
    """
    if n_train <= 0 or batch_size <= 0:
        raise ValueError(f"noise_scale: n_train and batch_size must be positive, got "
                         f"n_train={n_train}, batch_size={batch_size}")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"noise_scale(momentum={momentum!r}): momentum must be in [0, 1)")
    return lr / (1.0 - momentum) * (n_train / batch_size - 1.0)


class BatchSizeSchedule:
    """Batch size per epoch: ``initial * factor ** (milestones passed)``, capped.

    ``BatchSizeSchedule(initial, milestones, factor, max_batch_size=None)``: where a step LR
    schedule would do ``lr /= factor`` at each milestone epoch, multiply the batch size by
    ``factor`` instead. With ``max_batch_size``, the batch stops growing there and
    `lr_scale` returns the remaining factor to apply to the LR instead.

    >>> s = BatchSizeSchedule(128, milestones=[10, 20, 30], factor=5, max_batch_size=5000)
    >>> [s.batch_size(e) for e in (0, 10, 20, 30)]
    [128, 640, 3200, 5000]
    """

    def __init__(self, initial: int, milestones: Iterable[int], factor: float,
                 max_batch_size: int | None = None) -> None:
        if not isinstance(initial, int) or initial <= 0:
            raise ArgumentError("initial",
                                f"BatchSizeSchedule(initial={initial!r}): must be a positive "
                                "integer")
        if factor < 1:
            raise ArgumentError("factor",
                                f"BatchSizeSchedule(factor={factor!r}): factor must be >= 1 (the "
                                "batch grows where the LR would shrink)")
        if max_batch_size is not None and max_batch_size < initial:
            raise ArgumentError("max_batch_size",
                                f"BatchSizeSchedule(max_batch_size={max_batch_size!r}): must be >= "
                                f"initial ({initial})")
        self.initial, self.factor, self.max_batch_size = initial, factor, max_batch_size
        self.milestones = sorted(milestones)

    def _uncapped(self, epoch: int) -> float:
        return self.initial * self.factor ** bisect_right(self.milestones, epoch)

    def batch_size(self, epoch: int) -> int:
        """The batch size to use during ``epoch`` (0-based), an int."""
        size = self._uncapped(epoch)
        if self.max_batch_size is not None:
            size = min(size, self.max_batch_size)
        return int(round(size))

    __call__ = batch_size

    def lr_scale(self, epoch: int) -> float:
        """The LR multiplier that makes up for the cap: 1 while the batch can grow, then
        batch_size(epoch) / uncapped batch size (< 1), i.e. decay the LR instead."""
        return self.batch_size(epoch) / self._uncapped(epoch)

    def updates_per_epoch(self, n_train: int, epoch: int, drop_last: bool = False) -> int:
        """Parameter updates in ``epoch`` for a training set of ``n_train`` samples."""
        size = self.batch_size(epoch)
        return n_train // size if drop_last else -(-n_train // size)

    def values(self, epochs: int) -> list[int]:
        """Batch sizes for epochs 0..epochs-1 (for plots and logs)."""
        return [self.batch_size(e) for e in range(epochs)]

    def __repr__(self) -> str:
        return (f"BatchSizeSchedule(initial={self.initial}, milestones={self.milestones}, "
                f"factor={self.factor}, max_batch_size={self.max_batch_size})")
