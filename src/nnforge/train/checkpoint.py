"""Crash-safe checkpoints of the whole training state, and resuming from them.

A checkpoint holds everything the next step of training depends on, so that resuming ends
bit-identical to a run that was never stopped: the model's weights, the optimizer's and the
scheduler's state, the generator's state (`bit_generator.state`: shuffling, dropout and
augmentation all draw from the run's one Generator), the epoch, the global step, the
`History`, the early-stopping state (best weights included) and the state of callbacks that
have `state_dict()`. A checkpoint taken mid-epoch (Ctrl-C, SIGTERM) also holds the epoch's
position: the batch reached, the generator state at the epoch's start (to redraw the same
permutation), the running loss sum and the outputs seen so far (for the epoch's metrics).

On disk, in `<run>/checkpoints/`, a checkpoint named KIND ("last" or "best") is a pair:

    KIND-e0007-s000224.safetensors   every array (weights, optimizer moments, ...)
    KIND.json                        every other value, the array file's name and sha256

No pickle: arrays go to safetensors, everything else to JSON (floats round-trip exactly).
The pair is made consistent by ordering: the array file gets a fresh name and is written
atomically (temporary file, fsync, rename) first, then the JSON sidecar is written
atomically, and only then is the previous array file deleted. A crash at any moment leaves
the previous complete pair or the new one; `load_checkpoint` checks the hash, so a damaged
file is reported in one line instead of resuming from garbage.
"""
from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..serialization import atomic_write_bytes, save
from .callbacks import Callback
from .checkpoint_files import (FORMAT, VERSION, CheckpointError, checkpoint_path, file_sha256,
                               inside, referenced_file, remove_orphans, remove_temp_files)
from .checkpoint_state import TrainingState, capture_state, load_checkpoint
from .cursor import TrainingCursor
from .interrupts import TrainingInterrupted, handle_signals

if TYPE_CHECKING:
    from .trainer import Trainer

__all__ = ["Checkpoint", "CheckpointError", "TrainingInterrupted", "TrainingState",
           "capture_state", "save_checkpoint", "load_checkpoint", "checkpoint_path",
           "handle_signals", "remove_orphans", "remove_temp_files", "inside", "FORMAT",
           "VERSION"]


def save_checkpoint(directory: str | os.PathLike[str], trainer: Trainer, kind: str = "last",
                    pending_row: dict[str, Any] | None = None,
                    partial: TrainingCursor | None = None) -> str:
    """Write checkpoint `kind` of `trainer` into `directory` (crash-safe; see the module
    docstring) and return the sidecar's path."""
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    arrays, meta = capture_state(trainer, pending_row, partial)
    sidecar = checkpoint_path(directory, kind)
    previous = referenced_file(sidecar)
    if previous is not None:
        inside(directory, previous, sidecar, "weights")   # never delete outside the folder
    remove_temp_files(directory)
    tag = "p" if partial is not None else "e"
    weights = f"{kind}-{tag}{meta['epoch']:04d}-s{meta['global_step']:06d}.safetensors"
    if weights == previous:                       # same point saved again: keep the old pair
        weights = weights.replace(".safetensors", f"-{os.getpid()}-{id(meta)}.safetensors")
    save(arrays, os.path.join(directory, weights), metadata={"format": FORMAT})
    meta.update(kind=kind, weights=weights, sha256=file_sha256(os.path.join(directory, weights)))
    atomic_write_bytes(sidecar, (json.dumps(meta, indent=1) + "\n").encode("utf-8"))
    if previous and previous != weights and not os.path.islink(
            os.path.join(directory, previous)):
        try:
            os.unlink(os.path.join(directory, previous))
        except FileNotFoundError:
            pass
    return sidecar


# --- the callback ---------------------------------------------------------------------------
class Checkpoint(Callback):
    """Write checkpoint "last" every `every` epochs and "best" whenever `monitor` improves.

    Parameters
    ----------
    directory : str or PathLike
        Folder of the checkpoint files (created if missing).
    monitor : str or None
        The logged value that decides the "best" checkpoint; None: no best checkpoint.
    mode : {"min", "max"}
        Whether a lower or a higher `monitor` is better.
    every : int
        Write "last" after every that many epochs (and after the epoch that stops).

    Place it after EarlyStopping so that the saved early-stopping state includes the epoch
    just finished.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from nnforge import nn, optim
    >>> from nnforge.train import Trainer
    >>> X = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> model = nn.Linear(3, 2, generator=np.random.default_rng(0))
    >>> folder = tempfile.mkdtemp()
    >>> _ = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(),
    ...             callbacks=[Checkpoint(folder, monitor="loss")]).fit(
    ...     (X, y), epochs=2, verbose=0)
    >>> sorted(name for name in os.listdir(folder) if name.endswith(".json"))
    ['best.json', 'last.json']
    """

    def __init__(self, directory: str | os.PathLike[str], monitor: str | None = None,
                 mode: str = "min", every: int = 1) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"Checkpoint(mode={mode!r}): expected 'min' or 'max'")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"Checkpoint(every={every!r}): expected a positive integer")
        self.directory = os.fspath(directory)
        self.monitor, self.mode, self.every = monitor, mode, every
        self.best: float | None = None

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = state["best"]

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.best = None
        remove_orphans(self.directory)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        trainer = cast("Trainer", self.trainer)
        if self.monitor is not None and self.monitor in logs:
            value = float(logs[self.monitor])
            better = self.best is None or (value < self.best if self.mode == "min"
                                           else value > self.best)
            if better and np.isfinite(value):
                self.best = value
                save_checkpoint(self.directory, trainer, "best", pending_row=logs)
        if (epoch + 1) % self.every == 0 or trainer.stop_training:
            save_checkpoint(self.directory, trainer, "last", pending_row=logs)

    def save_interrupted(self, trainer: Trainer) -> str:
        """Write "last" from the Trainer's mid-epoch `resume_point`; returns its path."""
        return save_checkpoint(self.directory, trainer, "last",
                               partial=getattr(trainer, "resume_point", None))
