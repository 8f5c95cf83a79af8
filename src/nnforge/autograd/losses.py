"""Fused loss kernels whose naive composition would overflow or waste memory.

CrossEntropy (log-softmax + NLL), NLLLoss (a gather and a scatter instead of indexing ops
that build a one-hot gradient), BinaryCrossEntropy on probabilities (PyTorch's clamped log)
and BinaryCrossEntropyWithLogits (sigmoid + BCE in one stable formula). Squared, absolute
and soft-margin losses are compositions in `nn.functional`.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..backend import dispatch
from .activations import _log_softmax
from .elementwise import stable_sigmoid as _sigmoid
from .function import Function


def _reduce(values: np.ndarray, reduction: str,
            denominator: Optional[float] = None) -> np.ndarray:
    if reduction == "none":
        return values
    if reduction == "sum":
        return np.asarray(values.sum())
    return np.asarray(values.sum() / (values.size if denominator is None else denominator))


def _reduce_grad(grad: np.ndarray, reduction: str, shape: tuple[int, ...],
                 count: int) -> np.ndarray:
    """Gradient of the reduction: broadcastable array of per-element upstream values."""
    if reduction == "none":
        return grad
    if reduction == "sum":
        return np.broadcast_to(grad, shape)
    return np.broadcast_to(grad / count, shape)


class CrossEntropy(Function):
    """Softmax cross-entropy from logits, fused with log-softmax.

    Log-sum-exp keeps logits of +-1000 finite, and the backward is softmax minus the
    target distribution without building a one-hot matrix for plain class indices.
    Logits (N, C) or (N, C, d1, ...). Targets are class indices (N,) / (N, d1, ...) or
    class probabilities of the logits' shape. Every case is loss_i = -sum_c a_ic log p_ic
    for a target matrix a (one-hot or probabilities, times class weights, mixed with the
    uniform distribution by `label_smoothing`), so the gradient is p_i sum_c a_ic - a_i.
    Class-index targets run as `softmax_cross_entropy` and its backward (compiled with the
    numba backend); probability targets build the matrix a.

    Examples
    --------
    >>> import numpy as np
    >>> import nnforge
    >>> logits = nnforge.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5]], requires_grad=True)
    >>> loss = CrossEntropy.apply(logits, np.array([0, 2]))
    >>> float(loss)
    0.6342...
    >>> loss.backward()
    >>> logits.grad.numpy().round(3)
    array([[-0.078,  0.057,  0.021],
           [ 0.167,  0.167, -0.333]], dtype=float32)
    """

    spatial: Optional[tuple[int, ...]]
    reduction: str
    label_smoothing: float
    weight: Optional[np.ndarray]
    logp: np.ndarray
    coeff: Optional[np.ndarray]
    denominator: float
    target: np.ndarray
    valid: np.ndarray
    picked_weight: np.ndarray

    @staticmethod
    def forward(ctx: CrossEntropy, logits: np.ndarray,
                target: np.ndarray, weight: Optional[np.ndarray] = None,
                ignore_index: int = -100, reduction: str = "mean",
                label_smoothing: float = 0.0) -> np.ndarray:
        classes = logits.shape[1]
        probabilities = target.dtype.kind == "f"
        ctx.spatial = logits.shape if logits.ndim > 2 else None
        if logits.ndim > 2:  # move the class dimension last and flatten the rest
            logits = np.moveaxis(logits, 1, -1).reshape(-1, classes)
            target = (np.moveaxis(target, 1, -1).reshape(-1, classes) if probabilities
                      else target.reshape(-1))
        ctx.reduction, ctx.label_smoothing, ctx.weight = reduction, label_smoothing, weight
        if probabilities:
            coeff = target if not label_smoothing else \
                (1 - label_smoothing) * target + label_smoothing / classes
            if weight is not None:
                coeff = coeff * weight
            logp = _log_softmax(logits, axis=1)
            per_sample = -(coeff * logp).sum(axis=1)
            ctx.logp, ctx.coeff, ctx.denominator = logp, coeff, logp.shape[0]
        else:
            valid = target != ignore_index
            target = np.where(valid, target, 0)
            picked_weight = valid.astype(logits.dtype)
            if weight is not None:
                picked_weight = picked_weight * weight[target]
            per_sample, logp = softmax_cross_entropy(logits, target, valid, picked_weight,
                                                     weight, label_smoothing)
            ctx.logp, ctx.coeff, ctx.denominator = logp, None, picked_weight.sum()
            ctx.target, ctx.valid, ctx.picked_weight = target, valid, picked_weight
        if reduction == "none":
            return per_sample.reshape((ctx.spatial[0],) + ctx.spatial[2:]) \
                if ctx.spatial else per_sample
        if reduction == "sum":
            return np.asarray(per_sample.sum())
        return np.asarray(per_sample.sum() / ctx.denominator)

    @staticmethod
    def backward(ctx: CrossEntropy, grad: np.ndarray) -> tuple[np.ndarray, None]:
        rows = ctx.logp.shape[0]
        if ctx.reduction == "none":
            scale = grad.reshape(-1)
        else:
            factor = grad if ctx.reduction == "sum" else grad / ctx.denominator
            scale = np.full(rows, factor, dtype=ctx.logp.dtype)
        if ctx.coeff is None:
            g = softmax_cross_entropy_backward(ctx.logp, ctx.target, ctx.valid,
                                               ctx.picked_weight, ctx.weight,
                                               ctx.label_smoothing, scale)
        else:
            g = np.exp(ctx.logp)
            g *= ctx.coeff.sum(axis=1, keepdims=True)
            g -= ctx.coeff
            g *= scale[:, None]
        if ctx.spatial is not None:
            n, classes = ctx.spatial[0], ctx.spatial[1]
            g = np.moveaxis(g.reshape((n,) + ctx.spatial[2:] + (classes,)), -1, 1)
        return g, None


@dispatch("softmax_cross_entropy")
def softmax_cross_entropy(logits: np.ndarray, target: np.ndarray, valid: np.ndarray,
                          picked_weight: np.ndarray, weight: Optional[np.ndarray],
                          label_smoothing: float) -> tuple[np.ndarray, np.ndarray]:
    """(per-sample losses, log-probabilities) of (N, C) logits and class indices.

    loss_i = -(1 - s) w_i log p_i,t_i - (s / C) valid_i sum_c w_c log p_ic for label
    smoothing s: the target distribution is the one-hot row mixed with the uniform one,
    both scaled by the class weights. `target` holds a valid class index in every row
    (ignored rows have `valid` False and `picked_weight` 0, the target's class weight w_i
    or 1 otherwise).
    """
    logp = _log_softmax(logits, axis=1)
    loss = -logp[np.arange(len(logp)), target] * picked_weight
    if label_smoothing:
        classes = logp.shape[1]
        uniform = -(logp.sum(axis=1) if weight is None else logp @ weight)
        loss = (1 - label_smoothing) * loss + (label_smoothing / classes) * uniform * valid
    return loss.astype(logits.dtype, copy=False), logp


@dispatch("softmax_cross_entropy_backward")
def softmax_cross_entropy_backward(logp: np.ndarray, target: np.ndarray, valid: np.ndarray,
                                   picked_weight: np.ndarray, weight: Optional[np.ndarray],
                                   label_smoothing: float, scale: np.ndarray) -> np.ndarray:
    """Gradient of `softmax_cross_entropy`'s losses, each row times `scale` (N,), with
    respect to the logits: p_i sum_c a_ic - a_i for the target distribution a."""
    rows, classes = logp.shape
    target_rows = np.zeros_like(logp)
    target_rows[np.arange(rows), target] = (1 - label_smoothing) * picked_weight
    if label_smoothing:
        uniform = np.ones(classes, logp.dtype) if weight is None else weight
        target_rows += (label_smoothing / classes) * valid[:, None] * uniform
    g = np.exp(logp) * target_rows.sum(axis=1, keepdims=True) - target_rows
    return (g * scale[:, None]).astype(logp.dtype, copy=False)


class BinaryCrossEntropyWithLogits(Function):
    """Sigmoid + binary cross-entropy in one stable formula:
    max(z, 0) - z y + log(1 + e^-|z|); the gradient is sigmoid(z) - y.

    Examples
    --------
    >>> import nnforge
    >>> import nnforge.nn.functional as F
    >>> z = nnforge.tensor([0.0, 2.0], requires_grad=True)
    >>> loss = F.binary_cross_entropy_with_logits(z, nnforge.tensor([1.0, 0.0]))
    >>> loss.backward()
    >>> round(loss.item(), 4), z.grad
    (1.41, tensor([-0.25     ,  0.4403985]))
    """

    reduction: str

    @staticmethod
    def forward(ctx: BinaryCrossEntropyWithLogits, logits: np.ndarray, target: np.ndarray,
                weight: Optional[np.ndarray] = None, pos_weight: Optional[np.ndarray] = None,
                reduction: str = "mean") -> np.ndarray:
        softplus_neg = np.log1p(np.exp(-np.abs(logits))) + np.maximum(-logits, 0)
        # -log(sigmoid(z)) = softplus(-z); -log(1 - sigmoid(z)) = z + softplus(-z)
        if pos_weight is None:
            loss = (1 - target) * logits + softplus_neg
        else:
            loss = (1 - target) * logits + (1 + (pos_weight - 1) * target) * softplus_neg
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(logits, target, weight, pos_weight)
        ctx.reduction = reduction
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx: BinaryCrossEntropyWithLogits, grad: np.ndarray
                 ) -> tuple[np.ndarray, Optional[np.ndarray]]:
        logits, target, weight, pos_weight = ctx.saved
        s = _sigmoid(logits)
        if pos_weight is None:
            g = s - target
        else:
            g = (1 + (pos_weight - 1) * target) * (s - 1) + (1 - target)
        if weight is not None:
            g = g * weight
        g = g * _reduce_grad(grad, ctx.reduction, logits.shape, logits.size)
        needs = ctx.needs_input_grad
        g_target = None
        if needs[1]:  # d/dy of the loss: -z (or with pos_weight: -z - (pw-1) softplus(-z))
            softplus_neg = np.log1p(np.exp(-np.abs(logits))) + np.maximum(-logits, 0)
            gt = -logits if pos_weight is None else -logits + (pos_weight - 1) * softplus_neg
            if weight is not None:
                gt = gt * weight
            g_target = gt * _reduce_grad(grad, ctx.reduction, logits.shape, logits.size)
        return g, g_target


def _classes_last(values: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, C, d1, ...) -> (N*d1*..., C) and the matching flat target, for spatial losses."""
    classes = values.shape[1]
    return np.moveaxis(values, 1, -1).reshape(-1, classes), target.reshape(-1)


class NLLLoss(Function):
    """Negative log-likelihood of class indices given log-probabilities.

    loss_i = -w[t_i] logp[i, t_i]; 'mean' divides by the sum of the weights of the
    non-ignored targets (PyTorch). Fused: forward is one gather and backward one scatter
    into a zero array, where fancy indexing + multiply + sum would keep a copy per op.
    Input (N, C) or (N, C, d1, ...), target (N,) or (N, d1, ...).

    Examples
    --------
    >>> import nnforge
    >>> import nnforge.nn.functional as F
    >>> logp = nnforge.tensor([[-0.5, -1.0], [-2.0, -0.1]], requires_grad=True)
    >>> loss = F.nll_loss(logp, nnforge.tensor([0, 1]))
    >>> loss.backward()
    >>> loss, logp.grad
    (tensor(0.3, grad_fn=<NLLLossBackward>), tensor([[-0.5,  0. ],
            [ 0. , -0.5]]))
    """

    shape: tuple[int, ...]
    safe: np.ndarray
    picked_weight: np.ndarray
    reduction: str
    denominator: float

    @staticmethod
    def forward(ctx: NLLLoss, logp: np.ndarray, target: np.ndarray,
                weight: Optional[np.ndarray] = None, ignore_index: int = -100,
                reduction: str = "mean") -> np.ndarray:
        ctx.shape = logp.shape
        flat, flat_target = (_classes_last(logp, target) if logp.ndim > 2
                             else (logp, target))
        valid = flat_target != ignore_index
        safe = np.where(valid, flat_target, 0)
        picked_weight = valid.astype(logp.dtype)
        if weight is not None:
            picked_weight = picked_weight * weight[safe]
        rows = np.arange(flat.shape[0])
        per_sample = -flat[rows, safe] * picked_weight
        ctx.safe, ctx.picked_weight, ctx.reduction = safe, picked_weight, reduction
        ctx.denominator = picked_weight.sum()
        if reduction == "none":
            return per_sample.reshape(target.shape)
        if reduction == "sum":
            return np.asarray(per_sample.sum())
        return np.asarray(per_sample.sum() / ctx.denominator)

    @staticmethod
    def backward(ctx: NLLLoss, grad: np.ndarray) -> tuple[np.ndarray, None]:
        shape = ctx.shape
        rows = ctx.safe.shape[0]
        classes = shape[1]
        if ctx.reduction == "none":
            scale = -ctx.picked_weight * grad.reshape(-1)
        elif ctx.reduction == "sum":
            scale = -ctx.picked_weight * grad
        else:
            scale = -ctx.picked_weight * (grad / ctx.denominator)
        g = np.zeros((rows, classes), dtype=scale.dtype)
        g[np.arange(rows), ctx.safe] = scale
        if len(shape) > 2:
            g = np.moveaxis(g.reshape((shape[0],) + shape[2:] + (classes,)), -1, 1)
        return g, None


class BinaryCrossEntropy(Function):
    """-(y log p + (1 - y) log(1 - p)) for probabilities p, as PyTorch's BCELoss.

    Fused to reproduce PyTorch exactly where a composition cannot: each log is clamped to
    >= -100, so p = 0 or 1 gives a finite loss, and the gradient (p - y) / max(p (1 - p),
    1e-12) stays finite. Prefer BinaryCrossEntropyWithLogits on logits.

    Examples
    --------
    >>> import nnforge
    >>> import nnforge.nn.functional as F
    >>> p = nnforge.tensor([0.8, 0.0], requires_grad=True)
    >>> loss = F.binary_cross_entropy(p, nnforge.tensor([1.0, 0.0]))
    >>> loss.backward()
    >>> round(loss.item(), 4), p.grad
    (0.1116, tensor([-0.625,  0.   ]))
    """

    logs: tuple[np.ndarray, np.ndarray]
    reduction: str

    @staticmethod
    def forward(ctx: BinaryCrossEntropy, p: np.ndarray, target: np.ndarray,
                weight: Optional[np.ndarray] = None, reduction: str = "mean") -> np.ndarray:
        floor = p.dtype.type(-100)
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), floor)
            log_q = np.maximum(np.log1p(-p), floor)
        loss = -(target * log_p + (1 - target) * log_q)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(p, target, weight)
        ctx.logs, ctx.reduction = (log_p, log_q), reduction
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx: BinaryCrossEntropy, grad: np.ndarray
                 ) -> tuple[Optional[np.ndarray], Optional[np.ndarray]]:
        p, target, weight = ctx.saved
        needs = ctx.needs_input_grad
        upstream = _reduce_grad(grad, ctx.reduction, p.shape, p.size)
        if weight is not None:
            upstream = upstream * weight
        gp = gt = None
        if needs[0]:
            gp = upstream * (p - target) / np.maximum(p * (1 - p), p.dtype.type(1e-12))
        if needs[1]:  # d/dy = log(1 - p) - log(p)
            log_p, log_q = ctx.logs
            gt = upstream * (log_q - log_p)
        return gp, gt
