"""`GradNormRecorder`: per-parameter gradient norms over training (CATALOGUE K4, K6).

Vanishing or exploding gradients show up as layers whose gradient norm falls or grows by
orders of magnitude relative to the others. The recorder reads the gradients the backward
pass already left on the parameters (after the update, before the next `zero_grad`), takes
one L2 norm per parameter per batch and averages them over each epoch: one pass over the
gradients per batch, no extra forward or backward. Rows go to `rows` and, through a run,
to `grad_norms.csv` (one column per parameter, PyTorch names).
"""
import csv
import io

import numpy as np

from .callbacks import Callback

__all__ = ["GradNormRecorder", "read_grad_norms"]


class GradNormRecorder(Callback):
    """Mean L2 norm of each parameter's gradient per epoch: `rows` = [{"epoch": 1,
    "0.weight": 0.12, ...}, ...]."""

    def __init__(self):
        self.rows = []
        self._sums = None
        self._batches = 0

    def on_train_begin(self, logs=None):
        self.rows, self._sums, self._batches = [], None, 0

    def on_epoch_begin(self, epoch, logs=None):
        if self._batches == 0:        # (a resumed mid-epoch fit keeps its partial sums)
            self._sums = None

    def on_batch_end(self, batch, logs=None):
        named = [(n, p) for n, p in self.trainer.model.named_parameters() if p._grad is not None]
        norms = {n: float(np.sqrt(np.add.reduce(np.square(p._grad, dtype=np.float64),
                                                axis=None))) for n, p in named}
        if self._sums is None:
            self._sums = dict.fromkeys(norms, 0.0)
        for n, v in norms.items():
            self._sums[n] = self._sums.get(n, 0.0) + v
        self._batches += 1

    def on_epoch_end(self, epoch, logs=None):
        if not self._batches:
            return
        row = {"epoch": epoch + 1}
        row.update({n: s / self._batches for n, s in self._sums.items()})
        self.rows.append(row)
        self._sums, self._batches = None, 0

    def state_dict(self):
        return {"rows": [dict(r) for r in self.rows], "sums": self._sums,
                "batches": self._batches}

    def load_state_dict(self, state):
        self.rows = [dict(r) for r in state["rows"]]
        self._sums = None if state["sums"] is None else dict(state["sums"])
        self._batches = int(state["batches"])

    def to_csv(self, path=None):
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


def read_grad_norms(path):
    """{"epoch": [...], "<parameter>": [...]} from a grad_norms.csv file."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    return {k: [float(r[k]) for r in rows] for k in rows[0]}
