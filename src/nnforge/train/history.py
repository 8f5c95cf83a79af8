"""`History`: what happened in each epoch of a fit (the data behind learning curves).

One row per epoch with the 1-based "epoch", train "loss" and metrics, "val_loss" and val
metrics when validation data was given, the learning rate "lr" and wall-clock "seconds";
plus why training stopped and which epoch was best. `history["val_loss"]` gives a column.
"""
from __future__ import annotations

import csv
import io
import math
import os
from typing import Any

import numpy as np

__all__ = ["History"]


class History:
    """Per-epoch records of a `Trainer.fit` run.

    Attributes
    ----------
    rows : list of dict
        One dict per completed epoch.
    stop_reason : str or None
        A sentence saying why training ended.
    best_epoch : int or None
        1-based epoch the early-stopping callback judged best.
    restored_epoch : int or None
        Epoch whose weights were restored at the end.

    Examples
    --------
    >>> history = History()
    >>> history.append({"epoch": 1, "loss": 0.9, "val_loss": 1.0})
    >>> history.append({"epoch": 2, "loss": 0.5, "val_loss": 0.8})
    >>> history["val_loss"], history.best("val_loss")
    ([1.0, 0.8], (2, 0.8))
    """

    steps: dict[str, list[Any]]          # per update, set by the Trainer

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.stop_reason: str | None = None
        self.best_epoch: int | None = None
        self.restored_epoch: int | None = None

    def append(self, row: dict[str, Any]) -> None:
        self.rows.append(dict(row))

    def state_dict(self) -> dict[str, Any]:
        """The rows and the best/restored epochs (what a checkpoint keeps; the stop reason
        belongs to the fit that ends)."""
        return {"rows": [dict(r) for r in self.rows], "best_epoch": self.best_epoch,
                "restored_epoch": self.restored_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict` saved."""
        self.rows = [dict(r) for r in state["rows"]]
        self.best_epoch, self.restored_epoch = state["best_epoch"], state["restored_epoch"]

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def epochs(self) -> int:
        """Number of completed epochs."""
        return len(self.rows)

    def keys(self) -> list[str]:
        """Column names in first-seen order."""
        seen: dict[str, None] = {}
        for row in self.rows:
            for k in row:
                seen.setdefault(k, None)
        return list(seen)

    def __getitem__(self, key: str) -> list[Any]:
        if key not in self.keys():
            raise KeyError(f"History has no column {key!r}; columns: {', '.join(self.keys())}")
        return [row.get(key, math.nan) for row in self.rows]

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def best(self, monitor: str = "val_loss", mode: str = "min") -> tuple[int, float]:
        """(1-based epoch, value) of the best row for `monitor`."""
        values = np.asarray(self[monitor], dtype=np.float64)
        i = int(np.nanargmin(values) if mode == "min" else np.nanargmax(values))
        return i + 1, float(values[i])

    def as_dict(self) -> dict[str, Any]:
        """Columns as lists plus the run summary: {"epoch": [...], "loss": [...], ...,
        "stop_reason": str, "best_epoch": int|None, "restored_epoch": int|None}."""
        out: dict[str, Any] = {k: self[k] for k in self.keys()}
        out.update(stop_reason=self.stop_reason, best_epoch=self.best_epoch,
                   restored_epoch=self.restored_epoch)
        return out

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str | os.PathLike[str]:
        """Write one row per epoch to `path` (or return the CSV text when path is None)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.keys(), lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: _format(v) for k, v in row.items()})
        text = buffer.getvalue()
        if path is None:
            return text
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path

    def __repr__(self) -> str:
        last = self.rows[-1] if self.rows else {}
        shown = ", ".join(f"{k}={_format(v)}" for k, v in last.items() if k != "epoch")
        return f"History(epochs={self.epochs}, last: {shown}, stop_reason={self.stop_reason!r})"


def _format(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)           # round-trips exactly through float()
    return value
