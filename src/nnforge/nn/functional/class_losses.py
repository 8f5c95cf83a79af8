"""Losses over class scores: cross-entropy from logits, negative log-likelihood from
log-probabilities, and the target checks they share (one clear error per mistake)."""
from __future__ import annotations

from typing import Optional

import numpy as np

from ...autograd import Tensor
from ...autograd import activations as _act
from ...autograd import losses as _losses
from ...mistake_warnings import ProbabilitiesAsLogitsWarning, guard_warn
from ._inputs import _array, _as_tensor, _check_reduction, _float_like
from .argument_types import ArrayLike, TensorLike

_PROBABILITY_OPS = (_act.Softmax, _act.Sigmoid)


def _guard_logits(input: TensorLike, name: str) -> None:
    """NF-GUARD-001: warn when `input` was produced by Softmax/Sigmoid (the graph records
    the op exactly; without a graph, under no_grad, nothing can be seen)."""
    op = getattr(input, "_ctx", None)
    if isinstance(op, _PROBABILITY_OPS):
        op_name = type(op).__name__
        guard_warn(ProbabilitiesAsLogitsWarning,
                   f"{name} received the output of {op_name}, i.e. probabilities, but it "
                   f"expects logits and applies "
                   f"{'log-softmax' if 'cross' in name else 'a sigmoid'} itself; remove the "
                   f"final {op_name} layer (keep it only for predictions)", stacklevel=4)


def _class_targets(input: np.ndarray, target: np.ndarray, name: str,
                   ignore_index: int) -> np.ndarray:
    """Validate (logits or log-probabilities, class-index target); returns target array.

    Raises one clear error for a batch or spatial-size mismatch and for indices outside
    [0, C) that are not `ignore_index`, naming the bad value and its position.
    """
    if input.ndim < 1:
        raise ValueError(f"{name}: input must have a class dimension, got a 0-d input")
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    expected = (input.shape[0],) + input.shape[2:] if input.ndim > 1 else ()
    if target.shape != expected:
        if target.ndim and input.ndim > 1 and target.shape[0] != input.shape[0]:
            raise ValueError(f"{name}: batch size mismatch: input has {input.shape[0]} "
                             f"samples (shape {input.shape}) but target has "
                             f"{target.shape[0]} (shape {target.shape})")
        raise ValueError(f"{name}: class-index target must have shape {expected} for input "
                         f"of shape {input.shape}, got {target.shape}")
    if target.size and (target.min() < 0 or target.max() >= classes):
        bad = (target != ignore_index) & ((target < 0) | (target >= classes))
        if bad.any():
            position = tuple(int(i) for i in np.argwhere(bad)[0])
            value = target[position]
            raise IndexError(f"{name}: target {value} at position {position} is out of range; "
                             f"class indices must be in [0, {classes - 1}] for an input with "
                             f"{classes} classes (or equal ignore_index={ignore_index})")
    return target


def _prepare_class_loss(input: TensorLike, target: ArrayLike, weight: Optional[ArrayLike],
                        name: str, reduction: str
                        ) -> tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """(input array, target array, per-class weight array or None), checked."""
    _check_reduction(reduction, name)
    data = _array(input)
    target = _array(target)
    classes = data.shape[1] if data.ndim > 1 else data.shape[0] if data.ndim else 0
    weights = _float_like(weight, data, name, "weight")
    if weights is not None and weights.shape != (classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape "
                         f"({classes},), got {weights.shape}")
    return data, target, weights


def cross_entropy(input: TensorLike, target: ArrayLike, weight: Optional[ArrayLike] = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy from logits, fused with log-softmax.

    input: logits (N, C), (N, C, d1, ...) or (C,). target: class indices (N,) /
    (N, d1, ...) / () or class probabilities of the input's shape. `weight` rescales
    each class, targets equal to `ignore_index` are skipped, and `label_smoothing` mixes
    the target with the uniform distribution. Stable for logits of any finite size.
    """
    return _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing,
                          "cross_entropy")


def _cross_entropy_target(data: np.ndarray, target: np.ndarray, name: str,
                          ignore_index: int) -> np.ndarray:
    """A probability target cast to the input's dtype, or a checked class-index target."""
    if target.dtype.kind == "f":
        if target.shape != data.shape:
            raise ValueError(f"{name}: a probability (float) target must have the input's "
                             f"shape {data.shape}, got {target.shape}; for class indices "
                             f"pass an integer array of shape {data.shape[:1] + data.shape[2:]}")
        return target.astype(data.dtype, copy=False)
    if target.dtype.kind in "iu":
        return _class_targets(data, target, name, ignore_index)
    raise TypeError(f"{name}: target must hold integer class indices or float "
                    f"probabilities, got dtype {target.dtype}")


def _cross_entropy(input: TensorLike, target: ArrayLike, weight: Optional[ArrayLike],
                   ignore_index: int, reduction: str, label_smoothing: float,
                   name: str) -> Tensor:
    """`cross_entropy` whose errors name `name` (the loss module calling it)."""
    data, target_data, weights = _prepare_class_loss(input, target, weight, name, reduction)
    _guard_logits(input, name)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    target_data = _cross_entropy_target(data, target_data, name, ignore_index)
    unbatched = data.ndim == 1
    if unbatched:
        input = _as_tensor(input).reshape(1, -1)
        target_data = target_data.reshape(
            (1,) + target_data.shape[:1] if target_data.dtype.kind == "f" else (1,))
    loss = _losses.CrossEntropy.apply(input, target_data, weight=weights,
                                      ignore_index=ignore_index, reduction=reduction,
                                      label_smoothing=label_smoothing)
    return loss.reshape(()) if unbatched and reduction == "none" else loss


def nll_loss(input: TensorLike, target: ArrayLike, weight: Optional[ArrayLike] = None,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices given log-probabilities: with
    `log_softmax` it equals `cross_entropy`. input (N, C) or (N, C, d1, ...)."""
    return _nll_loss(input, target, weight, ignore_index, reduction, "nll_loss")


def _nll_loss(input: TensorLike, target: ArrayLike, weight: Optional[ArrayLike],
              ignore_index: int, reduction: str, name: str) -> Tensor:
    """`nll_loss` whose errors name `name` (the loss module calling it)."""
    data, target_data, weights = _prepare_class_loss(input, target, weight, name, reduction)
    if target_data.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices, got dtype "
                        f"{target_data.dtype}")
    target_data = _class_targets(data, target_data, name, ignore_index)
    if data.ndim == 1:
        loss = _losses.NLLLoss.apply(_as_tensor(input).reshape(1, -1), target_data.reshape(1),
                                     weight=weights, ignore_index=ignore_index,
                                     reduction=reduction)
        return loss.reshape(()) if reduction == "none" else loss
    return _losses.NLLLoss.apply(input, target_data, weight=weights, ignore_index=ignore_index,
                                 reduction=reduction)
