"""Evaluation metrics on plain NumPy arrays, and the name registry the Trainer and configs use.

Every metric is `fn(y_true, y_pred) -> float` (the confusion matrix returns an array).
Classification metrics accept either predicted labels (1-D integers) or model outputs:
scores of shape (N, C) are turned into labels by arg-max, a single column of logits by
`> 0` (use `predicted_labels(output, logits=False)` for probabilities). Targets may be
class indices or one-hot / probability rows. The maths follows scikit-learn's
definitions (macro averages over the classes present in y_true or y_pred; a class with no
predicted samples has precision 0), so the tests compare against `sklearn.metrics`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["accuracy", "top_k_accuracy", "precision", "recall", "f1", "confusion_matrix",
           "mse", "mae", "r2", "predicted_labels", "LABEL_METRICS", "METRICS", "get_metric",
           "metric_names", "higher_is_better", "resolve_metrics", "compute_metrics"]


def predicted_labels(output: ArrayLike, logits: bool = True) -> np.ndarray:
    """Class labels from model output: arg-max over (N, C) scores; for one column (or 1-D
    float output) threshold at 0 for logits, at 0.5 for probabilities; integer arrays are
    taken as labels already."""
    output = np.asarray(output)
    if output.ndim == 2 and output.shape[1] > 1:
        return output.argmax(axis=1)
    if output.ndim == 2:
        output = output[:, 0]
    if output.dtype.kind in "biu":
        return output.astype(np.int64, copy=False)
    return (output > (0.0 if logits else 0.5)).astype(np.int64)


def _true_labels(y_true: ArrayLike) -> np.ndarray:
    y_true = np.asarray(y_true)
    if y_true.ndim == 2 and y_true.shape[1] > 1:          # one-hot / probability targets
        return y_true.argmax(axis=1)
    y_true = y_true.reshape(len(y_true)) if y_true.ndim == 2 else y_true
    return y_true.astype(np.int64, copy=False)


def _check_lengths(name: str, y_true: np.ndarray, y_pred: np.ndarray) -> None:
    if len(y_true) != len(y_pred):
        raise ValueError(f"{name}(): y_true has {len(y_true)} samples but y_pred has "
                         f"{len(y_pred)}")
    if len(y_true) == 0:
        raise ValueError(f"{name}(): no samples")


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Fraction of samples whose predicted class equals the target class."""
    t, p = _true_labels(y_true), predicted_labels(y_pred)
    _check_lengths("accuracy", t, p)
    return float(np.mean(t == p))


def top_k_accuracy(y_true: ArrayLike, y_score: ArrayLike, k: int = 5) -> float:
    """Fraction of samples whose target is among the k highest scores (ties broken by
    index, so it matches `sklearn.metrics.top_k_accuracy_score` on untied scores)."""
    t, score = _true_labels(y_true), np.asarray(y_score)
    if score.ndim != 2:
        raise ValueError(f"top_k_accuracy(): y_score must be (N, C) scores, got shape "
                         f"{score.shape}")
    _check_lengths("top_k_accuracy", t, score)
    k = min(int(k), score.shape[1])
    top = np.argpartition(-score, k - 1, axis=1)[:, :k]
    return float(np.mean((top == t[:, None]).any(axis=1)))


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike,
                     num_classes: int | None = None) -> np.ndarray:
    """Counts C[i, j] of samples with target i predicted as j (rows = truth)."""
    t, p = _true_labels(y_true), predicted_labels(y_pred)
    _check_lengths("confusion_matrix", t, p)
    if t.min() < 0 or p.min() < 0:
        raise ValueError("confusion_matrix(): labels must be non-negative class indices")
    n = int(max(t.max(), p.max())) + 1 if num_classes is None else int(num_classes)
    if n <= max(t.max(), p.max()):
        raise ValueError(f"confusion_matrix(num_classes={n}): found label "
                         f"{int(max(t.max(), p.max()))}")
    return np.bincount(t * n + p, minlength=n * n).reshape(n, n)


def _per_class(y_true: ArrayLike, y_pred: ArrayLike,
               name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t, p = _true_labels(y_true), predicted_labels(y_pred)
    _check_lengths(name, t, p)
    cm = confusion_matrix(t, p)
    present = np.union1d(t, p)                 # scikit-learn averages over these labels
    tp = np.diag(cm)[present].astype(np.float64)
    predicted = cm.sum(axis=0)[present].astype(np.float64)
    actual = cm.sum(axis=1)[present].astype(np.float64)
    return tp, predicted, actual


def _safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return out


def precision(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Macro-averaged precision tp / (tp + fp); 0 for a class never predicted."""
    tp, predicted, _ = _per_class(y_true, y_pred, "precision")
    return float(_safe_divide(tp, predicted).mean())


def recall(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Macro-averaged recall tp / (tp + fn)."""
    tp, _, actual = _per_class(y_true, y_pred, "recall")
    return float(_safe_divide(tp, actual).mean())


def f1(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Macro-averaged F1 = mean over classes of 2·P·R / (P + R) (0 where P + R = 0)."""
    tp, predicted, actual = _per_class(y_true, y_pred, "f1")
    p, r = _safe_divide(tp, predicted), _safe_divide(tp, actual)
    return float(_safe_divide(2 * p * r, p + r).mean())


def _regression_pair(name: str, y_true: ArrayLike,
                     y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if p.shape != t.shape and p.size == t.size:          # (N, 1) output vs (N,) target
        p = p.reshape(t.shape)
    if p.shape != t.shape:
        raise ValueError(f"{name}(): y_true has shape {t.shape} but y_pred has shape "
                         f"{p.shape}")
    _check_lengths(name, t, p)
    return t, p


def mse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean squared error."""
    t, p = _regression_pair("mse", y_true, y_pred)
    return float(np.mean((t - p) ** 2))


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error."""
    t, p = _regression_pair("mae", y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def r2(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Coefficient of determination 1 − SS_res / SS_tot, averaged uniformly over output
    columns (scikit-learn's default); 1.0 for a perfect fit of a constant target."""
    t, p = _regression_pair("r2", y_true, y_pred)
    t2, p2 = t.reshape(len(t), -1), p.reshape(len(p), -1)
    ss_res = ((t2 - p2) ** 2).sum(axis=0)
    ss_tot = ((t2 - t2.mean(axis=0)) ** 2).sum(axis=0)
    scores = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0),
                      np.where(ss_res > 0, 0.0, 1.0))
    return float(scores.mean())


def _top5(y_true: ArrayLike, y_score: ArrayLike) -> float:
    return top_k_accuracy(y_true, y_score, k=5)


#: metrics computed from predicted labels (the Trainer takes the arg-max once for all)
LABEL_METRICS = frozenset({"accuracy", "precision", "recall", "f1"})

#: name -> (function, higher_is_better)
METRICS = {
    "accuracy": (accuracy, True),
    "top_k_accuracy": (_top5, True),
    "top5_accuracy": (_top5, True),
    "precision": (precision, True),
    "recall": (recall, True),
    "f1": (f1, True),
    "mse": (mse, False),
    "mae": (mae, False),
    "r2": (r2, True),
}


def metric_names() -> list[str]:
    """Names accepted by `get_metric` and in configs' `train.metrics`."""
    return sorted(METRICS)


def get_metric(name: str) -> Callable[..., Any]:
    """The metric function registered under `name` (ValueError listing the names if unknown)."""
    try:
        return METRICS[name][0]
    except (KeyError, TypeError):
        raise ValueError(f"unknown metric {name!r} (available: {', '.join(metric_names())})")\
            from None


def higher_is_better(name: str) -> bool:
    """True for metrics to maximize (accuracy, F1, R²), False for errors and losses."""
    base = name[4:] if name.startswith("val_") else name
    base = base[5:] if base.startswith("test_") else base
    if base in METRICS:
        return METRICS[base][1]
    return False


def resolve_metrics(metrics: str | Iterable[str | Callable[..., Any]] | None
                    ) -> dict[str, Callable[..., Any]]:
    """{name: function} for metric names and callables (a callable keeps its own name).

    Examples
    --------
    >>> list(resolve_metrics(("accuracy", "f1")))
    ['accuracy', 'f1']
    """
    if isinstance(metrics, str):
        metrics = (metrics,)
    resolved: dict[str, Callable[..., Any]] = {}
    for m in metrics or ():
        if callable(m):
            resolved[getattr(m, "__name__", type(m).__name__)] = m
        else:
            resolved[m] = get_metric(m)
    return resolved


def compute_metrics(metric_fns: dict[str, Callable[..., Any]], outputs: list[np.ndarray],
                    targets: list[np.ndarray], logits: bool = True) -> dict[str, float]:
    """Each metric over the concatenated batches of outputs and targets; label metrics
    get the predicted labels (computed once; `logits` as in `predicted_labels`).

    Examples
    --------
    >>> import numpy as np
    >>> compute_metrics(resolve_metrics("accuracy"), [np.array([[2.0, 0.0], [0.0, 1.0]])],
    ...                 [np.array([0, 0])])
    {'accuracy': 0.5}
    """
    if not metric_fns:
        return {}
    output, target = np.concatenate(outputs), np.concatenate(targets)
    labels = None
    results = {}
    for name, fn in metric_fns.items():
        if name in LABEL_METRICS:
            if labels is None:
                labels = predicted_labels(output, logits=logits)
            results[name] = fn(target, labels)
        else:
            results[name] = float(fn(target, output))
    return results
