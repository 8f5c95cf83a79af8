"""`GradNormRecorder`: per-parameter gradient norms over training.

Vanishing or exploding gradients show up as layers whose gradient norm falls or grows by
orders of magnitude relative to the others. The recorder reads the gradients the backward
pass already left on the parameters (after the update, before the next `zero_grad`), takes
one L2 norm per parameter per batch and averages them over each epoch: one pass over the
gradients per batch, no extra forward or backward. Rows go to `rows` and, through a run,
to `grad_norms.csv` (one column per parameter, PyTorch names).
"""
from __future__ import annotations

import csv
import io
import os
from typing import Any

import numpy as np

from .callbacks import Callback

__all__ = ["GradNormRecorder", "read_grad_norms"]


class GradNormRecorder(Callback):
    """Mean L2 norm of each parameter's gradient per epoch: `rows` = [{"epoch": 1,
    "0.weight": 0.12, ...}, ...].

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge import nn, optim
    >>> from nnforge.train import Trainer
    >>> X = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> model = nn.Linear(3, 2, generator=np.random.default_rng(0))
    >>> recorder = GradNormRecorder()
    >>> _ = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(),
    ...             callbacks=[recorder]).fit((X, y), epochs=2, verbose=0)
    >>> [sorted(row) for row in recorder.rows]
    [['bias', 'epoch', 'weight'], ['bias', 'epoch', 'weight']]
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._sums: dict[str, float] | None = None
        self._batches = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.rows, self._sums, self._batches = [], None, 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self._batches == 0:        # (a resumed mid-epoch fit keeps its partial sums)
            self._sums = None

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        named = [(n, p) for n, p in self.trainer.model.named_parameters() if p._grad is not None]
        norms = {n: float(np.sqrt(np.add.reduce(np.square(p._grad, dtype=np.float64),
                                                axis=None))) for n, p in named}
        if self._sums is None:
            self._sums = dict.fromkeys(norms, 0.0)
        for n, v in norms.items():
            self._sums[n] = self._sums.get(n, 0.0) + v
        self._batches += 1

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._batches:
            return
        row: dict[str, Any] = {"epoch": epoch + 1}
        row.update({n: s / self._batches for n, s in (self._sums or {}).items()})
        self.rows.append(row)
        self._sums, self._batches = None, 0

    def state_dict(self) -> dict[str, Any]:
        return {"rows": [dict(r) for r in self.rows], "sums": self._sums,
                "batches": self._batches}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rows = [dict(r) for r in state["rows"]]
        self._sums = None if state["sums"] is None else dict(state["sums"])
        self._batches = int(state["batches"])

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str | os.PathLike[str]:
        """Write the rows as CSV to `path` (or return the text)."""
        names = list(self.rows[0]) if self.rows else ["epoch"]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: repr(v) if isinstance(v, float) else v for k, v in row.items()})
        if path is None:
            return buffer.getvalue()
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(buffer.getvalue())
        return path


def read_grad_norms(path: str | os.PathLike[str]) -> dict[str, list[float]]:
    """{"epoch": [...], "<parameter>": [...]} from a grad_norms.csv file."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    return {k: [float(r[k]) for r in rows] for k in rows[0]}
