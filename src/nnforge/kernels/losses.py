"""Softmax cross-entropy of class indices as compiled row loops (the references are
`softmax_cross_entropy` and `softmax_cross_entropy_backward` in nnforge.autograd.losses).

What they save: the reference forward makes about six passes over the (N, C) logits
(max, subtract, exp, sum, log, subtract, then a gather) and the backward builds the
(N, C) target matrix before four more passes; the kernels take one row at a time and
keep its maximum, its log-sum-exp and its target weights in registers, reading the
logits twice and writing the log-probabilities once (forward), reading them once and
writing the gradient once (backward). Sums are accumulated in float64.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ._compile import kernel, same_float_arrays


@kernel
def _forward(logits: np.ndarray, target: np.ndarray, valid: np.ndarray,
             picked_weight: np.ndarray, weight: np.ndarray, smoothing: float,
             loss: np.ndarray, logp: np.ndarray) -> None:
    rows, classes = logits.shape
    for i in range(rows):
        top = logits[i, 0]
        for c in range(1, classes):
            if logits[i, c] > top or logits[i, c] != logits[i, c]:
                top = logits[i, c]
        total = 0.0
        for c in range(classes):
            total += math.exp(logits[i, c] - top)
        log_total = math.log(total)
        uniform = 0.0
        for c in range(classes):
            value = (logits[i, c] - top) - log_total
            logp[i, c] = value
            uniform += weight[c] * value
        picked = -logp[i, target[i]] * picked_weight[i]
        if smoothing != 0.0:
            share = smoothing / classes if valid[i] else 0.0
            picked = (1.0 - smoothing) * picked - share * uniform
        loss[i] = picked


@kernel
def _backward(logp: np.ndarray, target: np.ndarray, valid: np.ndarray,
              picked_weight: np.ndarray, weight: np.ndarray, weight_sum: float,
              smoothing: float, scale: np.ndarray, grad: np.ndarray) -> None:
    rows, classes = logp.shape
    for i in range(rows):
        share = smoothing / classes if valid[i] else 0.0
        on_target = (1.0 - smoothing) * picked_weight[i]
        row_total = on_target + share * weight_sum      # sum over c of the target row
        s = scale[i]
        for c in range(classes):
            grad[i, c] = (math.exp(logp[i, c]) * row_total - share * weight[c]) * s
        grad[i, target[i]] -= on_target * s


def _weights(weight: Optional[np.ndarray], classes: int, dtype: np.dtype) -> np.ndarray:
    return np.ones(classes, dtype) if weight is None else np.ascontiguousarray(weight, dtype)


def softmax_cross_entropy(logits: np.ndarray, target: np.ndarray, valid: np.ndarray,
                          picked_weight: np.ndarray, weight: Optional[np.ndarray],
                          label_smoothing: float) -> tuple[np.ndarray, np.ndarray]:
    """Same contract as nnforge.autograd.losses.softmax_cross_entropy."""
    logits = np.ascontiguousarray(logits)
    if logits.ndim != 2 or not logits.shape[1] or not same_float_arrays(logits):
        return NotImplemented
    rows, classes = logits.shape
    loss = np.empty(rows, logits.dtype)
    logp = np.empty_like(logits)
    _forward(logits, np.ascontiguousarray(target, np.int64), np.ascontiguousarray(valid),
             np.ascontiguousarray(picked_weight, logits.dtype),
             _weights(weight, classes, logits.dtype), float(label_smoothing), loss, logp)
    return loss, logp


def softmax_cross_entropy_backward(logp: np.ndarray, target: np.ndarray, valid: np.ndarray,
                                   picked_weight: np.ndarray, weight: Optional[np.ndarray],
                                   label_smoothing: float, scale: np.ndarray) -> np.ndarray:
    """Same contract as nnforge.autograd.losses.softmax_cross_entropy_backward."""
    if logp.ndim != 2 or not same_float_arrays(logp):
        return NotImplemented
    rows, classes = logp.shape
    weights = _weights(weight, classes, logp.dtype)
    grad = np.empty_like(logp)
    _backward(logp, np.ascontiguousarray(target, np.int64), np.ascontiguousarray(valid),
              np.ascontiguousarray(picked_weight, logp.dtype), weights,
              float(weights.sum(dtype=np.float64)), float(label_smoothing),
              np.ascontiguousarray(scale, logp.dtype), grad)
    return grad
