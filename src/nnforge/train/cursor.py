"""`TrainingCursor`: where a fit stands, and everything resuming from there needs.

The Trainer keeps one cursor per fit. It holds the epoch being run, how many of its batches
are done, and the epoch's running sums (loss, sample count, the outputs and targets the
epoch's metrics are computed from), together with the learning rate and schedule logs
chosen at the epoch's start and the generator states that let a resumed run redraw the
same permutation and continue from the same random numbers. A checkpoint taken mid-epoch
saves the cursor; resuming loads it, and the loop skips the batches already done.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

__all__ = ["TrainingCursor"]


@dataclass
class TrainingCursor:
    """The position of a fit: epoch, batch within the epoch and the epoch's running sums.

    Attributes
    ----------
    epoch : int
        0-based epoch the loop is in (or starts at, after a resume).
    batch : int
        Batches of that epoch already done.
    loss_sum, count : float, int
        Sum of batch loss times batch size, and the number of samples seen this epoch.
    outputs, targets : list of ndarray
        Model outputs and targets of the epoch's batches (kept only when there are metrics).
    lr : float
        Learning rate at the epoch's start.
    schedule_logs : dict
        The epoch's lr, momentum, batch_size, updates and noise_scale.
    epoch_rng, rng : dict or None
        Generator state at the epoch's start and after the last batch done.

    Examples
    --------
    >>> import numpy as np
    >>> cursor = TrainingCursor()
    >>> cursor.begin_epoch(0, lr=0.1, schedule_logs={"lr": 0.1}, rng_state=None)
    >>> cursor.add(loss=0.5, size=4, output=np.zeros((4, 2)), target=np.zeros(4))
    >>> cursor.batch, cursor.mean_loss()
    (1, 0.5)
    >>> sorted(cursor.state_dict())[:3]
    ['batch', 'count', 'epoch_rng']
    """

    epoch: int = 0
    batch: int = 0
    loss_sum: float = 0.0
    count: int = 0
    outputs: list[np.ndarray] = field(default_factory=list)
    targets: list[np.ndarray] = field(default_factory=list)
    lr: float = math.nan
    schedule_logs: dict[str, Any] = field(default_factory=dict)
    epoch_rng: Mapping[str, Any] | None = None
    rng: Mapping[str, Any] | None = None
    skip: int = 0

    def begin_epoch(self, epoch: int, lr: float, schedule_logs: dict[str, Any],
                    rng_state: Mapping[str, Any] | None) -> None:
        """Start `epoch` with empty sums, unless the cursor was restored in its middle: then
        keep the restored sums and mark the batches done for skipping."""
        if self.batch > 0:
            self.skip = self.batch
            self.schedule_logs = self.schedule_logs or schedule_logs
            return
        self.epoch, self.batch, self.skip = epoch, 0, 0
        self.loss_sum, self.count, self.outputs, self.targets = 0.0, 0, [], []
        self.lr, self.schedule_logs, self.epoch_rng = lr, schedule_logs, rng_state

    def batches_to_do(self, loader: Iterable[Any],
                      generator: np.random.Generator) -> Iterator[tuple[int, Any]]:
        """(index, batch) of the epoch's batches not done yet. After a mid-epoch resume the
        loader redraws the epoch's permutation from the restored generator state, the
        batches done before the interruption are skipped, and the generator continues from
        the state saved after the last of them."""
        skip = self.skip
        for b, batch in enumerate(loader):
            if b < skip:
                if b == skip - 1:
                    generator.bit_generator.state = cast(dict, self.rng)   # saved with skip
                continue
            yield b, batch

    def add(self, loss: float, size: int, output: np.ndarray | None,
            target: np.ndarray) -> None:
        """Count one finished batch of `size` samples with mean loss `loss`; `output` None
        means no metrics need the outputs."""
        self.loss_sum += loss * size
        self.count += size
        if output is not None:
            self.outputs.append(output)
            self.targets.append(target)
        self.batch += 1

    def mean_loss(self) -> float:
        """The epoch's mean loss per sample so far."""
        return self.loss_sum / self.count

    def end_epoch(self) -> None:
        """Move to the start of the next epoch and free the kept outputs."""
        self.epoch, self.batch, self.skip = self.epoch + 1, 0, 0
        self.outputs, self.targets = [], []

    def state_dict(self) -> dict[str, Any]:
        """The position within the epoch, as a checkpoint stores it (outputs and targets
        joined into one array each; the epoch itself is stored beside it)."""
        return {"batch": int(self.batch), "lr": self.lr, "loss_sum": self.loss_sum,
                "count": int(self.count), "epoch_rng": self.epoch_rng, "rng": self.rng,
                "schedule_logs": self.schedule_logs or None,
                "outputs": np.concatenate(self.outputs) if self.outputs else None,
                "targets": np.concatenate(self.targets) if self.outputs else None}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the position saved by `state_dict`."""
        self.batch, self.lr = int(state["batch"]), state["lr"]
        self.loss_sum, self.count = state["loss_sum"], int(state["count"])
        self.epoch_rng, self.rng = state["epoch_rng"], state["rng"]
        self.schedule_logs = state.get("schedule_logs") or {}
        self.outputs = [] if state["outputs"] is None else [state["outputs"]]
        self.targets = [] if state["targets"] is None else [state["targets"]]
