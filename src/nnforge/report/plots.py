"""The plots of a run, drawn from the files in its folder.

- learning curves: train and validation loss per epoch, and each metric (both curves
  falling and levelling off together is good; training falling while validation rises
  is overfitting);
- schedules: learning rate, momentum and batch size per epoch, and per update when the
  run recorded them (`steps.json`);
- gradient norms: the mean L2 norm of each parameter's gradient per epoch on a log scale
  (vanishing or exploding layers stand out);
- the confusion matrix of the test split;
- several runs' curves in one figure (`nnforge runs compare`).

matplotlib is imported inside the functions and used through `Figure` + the Agg canvas,
never pyplot, so importing nnforge stays fast and no global backend is changed.
"""
from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:                      # matplotlib loads only when a plot is drawn
    from matplotlib.figure import Figure

__all__ = ["read_history", "learning_curves", "schedule_plot", "grad_norm_plot",
           "confusion_plot", "compare_curves"]

_SCHEDULE_KEYS = ("lr", "momentum", "batch_size")
#: a history's columns: {"loss": [0.9, 0.5, ...], "val_loss": [...], ...}
Columns = Mapping[str, Sequence[Any]]
_NOT_CURVES = {"epoch", "seconds", "lr", "momentum", "batch_size", "updates", "noise_scale"}


def _float(text: Optional[str]) -> float:
    if text is None:
        return math.nan
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def read_history(path: str | os.PathLike[str]) -> dict[str, list[float]]:
    """{"column": [float, ...]} from a history.csv (empty cells become NaN)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    return {k: [_float(r.get(k)) for r in rows] for k in rows[0]}


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: str) -> str:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def _curve_names(columns: Columns) -> list[str]:
    """Train quantities ("loss", "accuracy", ...) that have a column, loss first."""
    names = [k for k in columns if k not in _NOT_CURVES and not k.startswith("val_")]
    names += [k[4:] for k in columns if k.startswith("val_") and k[4:] not in names]
    return sorted(names, key=lambda k: (k != "loss", names.index(k)))


def learning_curves(columns: Columns, path: str, title: Optional[str] = None) -> str:
    """One panel per quantity (loss first) with its train and validation curves."""
    names = _curve_names(columns)
    if not names:
        raise ValueError("learning_curves: the history has no loss or metric columns")
    epochs = columns.get("epoch") or list(range(1, len(columns[next(iter(columns))]) + 1))
    cols = min(len(names), 3)
    rows = -(-len(names) // cols)
    fig = _figure(4.2 * cols, 3.2 * rows)
    for i, name in enumerate(names):
        ax = fig.add_subplot(rows, cols, i + 1)
        if name in columns:
            ax.plot(epochs, columns[name], marker=".", label=f"train {name}")
        if f"val_{name}" in columns:
            ax.plot(epochs, columns[f"val_{name}"], marker=".", label=f"val {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def schedule_plot(columns: Columns, path: str, steps: Optional[Columns] = None
                  ) -> Optional[str]:
    """Learning rate / momentum / batch size per epoch, or per update from `steps`
    ({"lr": [...], "momentum": [...], "batch_size": [...]}); None if none was recorded."""
    source, xlabel = columns, "epoch"
    if steps and any(len(steps.get(k) or ()) for k in _SCHEDULE_KEYS):
        source, xlabel = steps, "update"
    keys = [k for k in _SCHEDULE_KEYS
            if source.get(k) and any(v is not None and not math.isnan(float(v))
                                     for v in source[k])]
    if not keys:
        return None
    fig = _figure(4.2 * len(keys), 3.0)
    for i, key in enumerate(keys):
        values = [math.nan if v is None else float(v) for v in source[key]]
        x = columns.get("epoch") if xlabel == "epoch" else None
        x = x or list(range(1, len(values) + 1))
        ax = fig.add_subplot(1, len(keys), i + 1)
        ax.plot(x, values, drawstyle="steps-post" if key == "batch_size" else "default")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
    return _save(fig, path)


def grad_norm_plot(norms: Columns, path: str, max_lines: int = 12) -> Optional[str]:
    """Mean gradient norm per parameter per epoch (log scale); `norms` from
    `train.grad_norms.read_grad_norms`."""
    names = [k for k in norms if k != "epoch"]
    if not names:
        return None
    fig = _figure(7.5, 4.0)
    ax = fig.add_subplot(1, 1, 1)
    epochs = norms.get("epoch") or list(range(1, len(norms[names[0]]) + 1))
    for name in names[:max_lines]:
        values = [v if v > 0 else math.nan for v in norms[name]]
        ax.plot(epochs, values, marker=".", label=name)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean gradient L2 norm")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="x-small", ncol=2)
    return _save(fig, path)


def confusion_plot(matrix: ArrayLike, class_names: Optional[Sequence[str]], path: str
                   ) -> str:
    """Counts C[i, j] (rows = true class) with the count written in each cell."""
    matrix = np.asarray(matrix)
    n = len(matrix)
    names = list(class_names or [str(i) for i in range(n)])
    size = min(2.0 + 0.55 * n, 12.0)
    fig = _figure(size, size)
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xticklabels(names, rotation=45, ha="right", fontsize="small")
    ax.set_yticklabels(names, fontsize="small")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if n <= 20:
        top = matrix.max() if matrix.size else 0
        for i in range(n):
            for j in range(n):
                ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center",
                        fontsize="x-small", color="white" if matrix[i, j] > top / 2 else "black")
    return _save(fig, path)


def compare_curves(runs: Sequence[tuple[str, Columns]], path: str, metric: str = "loss"
                   ) -> str:
    """Train (dashed) and validation (solid) `metric` of several runs in one panel.
    `runs`: list of (label, history columns)."""
    fig = _figure(7.5, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    drawn = 0
    for i, (label, columns) in enumerate(runs):
        color = f"C{i % 10}"
        epochs = columns.get("epoch") or list(range(1, len(columns.get(metric, [])) + 1))
        if metric in columns:
            ax.plot(epochs, columns[metric], "--", color=color, label=f"{label} train")
            drawn += 1
        if f"val_{metric}" in columns:
            ax.plot(epochs, columns[f"val_{metric}"], "-", color=color, label=f"{label} val")
            drawn += 1
    if not drawn:
        raise ValueError(f"compare: no run has a {metric!r} or 'val_{metric}' column")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return _save(fig, path)
