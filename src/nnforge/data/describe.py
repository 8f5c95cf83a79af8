"""`describe(data)`: what a dataset looks like before training on it - sizes, class
balance, feature ranges and NaN/Inf counts - as a dict that prints as a text summary
(`nnforge data describe` prints it). Statistics are computed in row chunks, so a
memory-mapped X is read once without loading it whole.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
from numpy.typing import ArrayLike

from .dataset import ArrayData

_CHUNK_ROWS = 16384


class DataDescription(dict[str, Any]):
    """A plain dict of the summary; `str()` (or `to_text()`) gives the printable form.

    Examples
    --------
    >>> import numpy as np
    >>> summary = describe(np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]), np.array([0, 1, 1]))
    >>> summary["class_counts"], summary["imbalance_ratio"]
    ({'0': 1, '1': 2}, 2.0)
    >>> print(summary.to_text(max_features=1))
    dataset     data (classification)
    samples     3
    X           shape (3, 2), dtype float64
    NaN / Inf   0 / 0 in X
    classes     2, imbalance ratio 2.00 (largest / smallest)
      0         1   33.3%
      1         2   66.7%
    X values    range [0, 5], mean 2.5, std 1.708
    features    name                   min         max        mean         std   NaN
      x0                              0           4           2       1.633     0
      ... 1 more features
    """

    def to_text(self, max_features: int = 12) -> str:
        """The summary as printable lines, the first `max_features` features in a table."""
        lines = [f"dataset     {self['name']} ({self['task']})",
                 f"samples     {self['n_samples']}",
                 f"X           shape {tuple(self['shape'])}, dtype {self['dtype']}",
                 f"NaN / Inf   {self['nan_count']} / {self['inf_count']} in X"
                 + (f", {self['y_nan_count']} / {self['y_inf_count']} in y"
                    if "y_nan_count" in self else "")]
        if "class_counts" in self:
            lines.append(f"classes     {len(self['class_counts'])}, imbalance ratio "
                         f"{self['imbalance_ratio']:.2f} (largest / smallest)")
            width = max(len(str(k)) for k in self["class_counts"])
            for label, count in self["class_counts"].items():
                share = count / max(self["n_samples"], 1)
                lines.append(f"  {str(label):<{width}}  {count:>8}  {share:6.1%}")
        if "target_range" in self:
            low, high = self["target_range"]
            lines.append(f"target      range [{low:.4g}, {high:.4g}], mean "
                         f"{self['target_mean']:.4g}, std {self['target_std']:.4g}")
        overall = self["value_range"]
        lines.append(f"X values    range [{overall[0]:.4g}, {overall[1]:.4g}], mean "
                     f"{self['value_mean']:.4g}, std {self['value_std']:.4g}")
        features = self.get("features")
        if features:
            lines.append("features    name                   min         max        mean"
                         "         std   NaN")
            for f in features[:max_features]:
                lines.append(f"  {f['name'][:22]:<22} {f['min']:>10.4g}  {f['max']:>10.4g}  "
                             f"{f['mean']:>10.4g}  {f['std']:>10.4g}  {f['nan']:>4}")
            if len(features) > max_features:
                lines.append(f"  ... {len(features) - max_features} more features")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _column_stats(X: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per-column finite min/max/mean/std and NaN/Inf counts of a 2-d X, chunk by chunk."""
    d = X.shape[1]
    low, high = np.full(d, np.inf), np.full(d, -np.inf)
    total, squares, count = np.zeros(d), np.zeros(d), np.zeros(d)
    nan, inf = np.zeros(d, dtype=np.int64), np.zeros(d, dtype=np.int64)
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        block = np.asarray(X[start:start + _CHUNK_ROWS], dtype=np.float64)
        finite = np.isfinite(block)
        nan += np.isnan(block).sum(axis=0)
        inf += np.isinf(block).sum(axis=0)
        clean = np.where(finite, block, 0.0)
        low = np.minimum(low, np.where(finite, block, np.inf).min(axis=0))
        high = np.maximum(high, np.where(finite, block, -np.inf).max(axis=0))
        total += clean.sum(axis=0)
        squares += (clean ** 2).sum(axis=0)
        count += finite.sum(axis=0)
    safe = np.maximum(count, 1)
    mean = total / safe
    std = np.sqrt(np.maximum(squares / safe - mean ** 2, 0.0))
    return low, high, mean, std, nan, inf, total, squares, count


def describe(data: Any, y: Optional[ArrayLike] = None, name: Optional[str] = None
             ) -> DataDescription:
    """Summarise a dataset: an `ArrayData`, or arrays `X` (and `y`).

    Returns a `DataDescription` (a dict) with n_samples, shape, dtype, nan_count,
    inf_count, value range/mean/std over all of X, per-feature statistics for flat X
    ("features": list of dicts), and class_counts / imbalance_ratio (classification) or
    target range/mean/std (regression). `print(describe(data))` shows it as text.
    """
    if isinstance(data, ArrayData):
        X, y, task, class_names = data.X, data.y, data.task, data.class_names
        name = name or data.name
    else:
        X = data if isinstance(data, np.ndarray) else np.asarray(data)
        y = None if y is None else np.asarray(y)
        task = "classification" if y is not None and y.dtype.kind in "iub" else "regression"
        class_names = None
        name = name or "data"
    if X.ndim < 1 or len(X) == 0:
        raise ValueError(f"describe({name!r}): the dataset is empty (X shape {X.shape})")
    flat = X.reshape(len(X), -1) if X.ndim != 2 else X
    low, high, mean, std, nan, inf, total, squares, count = _column_stats(flat)
    n_finite = max(count.sum(), 1)
    overall_mean = total.sum() / n_finite
    out = DataDescription(
        name=name, task=task, n_samples=int(len(X)), shape=list(X.shape), dtype=str(X.dtype),
        nan_count=int(nan.sum()), inf_count=int(inf.sum()),
        value_range=[float(low.min()), float(high.max())], value_mean=float(overall_mean),
        value_std=float(np.sqrt(max(squares.sum() / n_finite - overall_mean ** 2, 0.0))))
    if X.ndim == 2:
        names = getattr(data, "feature_names", None) or [f"x{j}" for j in range(X.shape[1])]
        out["features"] = [dict(name=str(names[j]), min=float(low[j]), max=float(high[j]),
                                mean=float(mean[j]), std=float(std[j]), nan=int(nan[j]),
                                inf=int(inf[j])) for j in range(X.shape[1])]
        out["constant_features"] = int(np.sum(high - low == 0))
    if y is not None:
        y = np.asarray(y)
        if task == "classification":
            y = y.astype(np.int64)
            k = len(class_names) if class_names else int(y.max()) + 1
            outside = (y < 0) | (y >= k)
            out["labels_outside_classes"] = int(outside.sum())
            counts = np.bincount(y[~outside], minlength=k)
            labels = class_names if class_names else [str(k) for k in range(len(counts))]
            out["class_counts"] = {str(label): int(c) for label, c in zip(labels, counts)}
            present = counts[counts > 0]
            out["imbalance_ratio"] = float(present.max() / present.min())
        else:
            yf = y.astype(np.float64)
            finite = np.isfinite(yf)
            out["y_nan_count"], out["y_inf_count"] = int(np.isnan(yf).sum()), \
                int(np.isinf(yf).sum())
            values = yf[finite]
            out["target_range"] = [float(values.min()), float(values.max())] if values.size \
                else [float("nan")] * 2
            out["target_mean"] = float(values.mean()) if values.size else float("nan")
            out["target_std"] = float(values.std()) if values.size else float("nan")
    return out
