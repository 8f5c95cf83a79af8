"""Fused loss kernels whose naive composition would overflow or waste memory.

CrossEntropy (log-softmax + NLL), NLLLoss (a gather and a scatter instead of indexing ops
that build a one-hot gradient), BinaryCrossEntropy on probabilities (PyTorch's clamped log)
and BinaryCrossEntropyWithLogits (sigmoid + BCE in one stable formula). Squared, absolute
and soft-margin losses are compositions in `nn.functional`.
"""
import numpy as np

from .activations import _log_softmax, _sigmoid
from .function import Function


def _reduce(values, reduction, denominator=None):
    if reduction == "none":
        return values
    if reduction == "sum":
        return np.asarray(values.sum())
    return np.asarray(values.sum() / (values.size if denominator is None else denominator))


def _reduce_grad(grad, reduction, shape, count):
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
    """

    @staticmethod
    def forward(ctx, logits, target, weight=None, ignore_index=-100, reduction="mean",
                label_smoothing=0.0):
        classes = logits.shape[1]
        probabilities = target.dtype.kind == "f"
        ctx.spatial = logits.shape if logits.ndim > 2 else None
        if logits.ndim > 2:  # move the class dimension last and flatten the rest
            logits = np.moveaxis(logits, 1, -1).reshape(-1, classes)
            target = (np.moveaxis(target, 1, -1).reshape(-1, classes) if probabilities
                      else target.reshape(-1))
        logp = _log_softmax(logits, axis=1)
        rows = np.arange(logp.shape[0])
        if probabilities:
            coeff = target if not label_smoothing else \
                (1 - label_smoothing) * target + label_smoothing / classes
            if weight is not None:
                coeff = coeff * weight
            valid = None
            denominator = logp.shape[0]
        else:
            valid = target != ignore_index
            target = np.where(valid, target, 0)
            picked_weight = valid.astype(logp.dtype)
            if weight is not None:
                picked_weight = picked_weight * weight[target]
            denominator = picked_weight.sum()
            coeff = None
            if label_smoothing:
                uniform = np.broadcast_to(1.0 if weight is None else weight, logp.shape)
                coeff = (label_smoothing / classes) * uniform * valid[:, None]
                coeff = coeff.astype(logp.dtype)
                coeff[rows, target] += (1 - label_smoothing) * picked_weight
        if coeff is None:
            per_sample = -logp[rows, target] * picked_weight
        else:
            per_sample = -(coeff * logp).sum(axis=1)
        ctx.logp, ctx.target, ctx.coeff, ctx.reduction = logp, target, coeff, reduction
        ctx.denominator = denominator
        if coeff is None:
            ctx.picked_weight = picked_weight
        if reduction == "none":
            return per_sample.reshape((ctx.spatial[0],) + ctx.spatial[2:]) \
                if ctx.spatial else per_sample
        if reduction == "sum":
            return np.asarray(per_sample.sum())
        return np.asarray(per_sample.sum() / denominator)

    @staticmethod
    def backward(ctx, grad):
        g = np.exp(ctx.logp)
        rows = np.arange(g.shape[0])
        if ctx.coeff is None:
            g[rows, ctx.target] -= 1
            scale = ctx.picked_weight
        else:
            g *= ctx.coeff.sum(axis=1, keepdims=True)
            g -= ctx.coeff
            scale = None
        if ctx.reduction == "none":
            upstream = grad.reshape(-1)
            scale = upstream if scale is None else scale * upstream
        else:
            factor = grad if ctx.reduction == "sum" else grad / ctx.denominator
            scale = factor if scale is None else scale * factor
        g *= scale[:, None] if np.ndim(scale) else scale
        if ctx.spatial is not None:
            n, classes = ctx.spatial[0], ctx.spatial[1]
            g = np.moveaxis(g.reshape((n,) + ctx.spatial[2:] + (classes,)), -1, 1)
        return g, None


class BinaryCrossEntropyWithLogits(Function):
    """Sigmoid + binary cross-entropy in one stable formula:
    max(z, 0) - z y + log(1 + e^-|z|); the gradient is sigmoid(z) - y."""

    @staticmethod
    def forward(ctx, logits, target, weight=None, pos_weight=None, reduction="mean"):
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
    def backward(ctx, grad):
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


def _classes_last(values, target):
    """(N, C, d1, ...) -> (N*d1*..., C) and the matching flat target, for spatial losses."""
    classes = values.shape[1]
    return np.moveaxis(values, 1, -1).reshape(-1, classes), target.reshape(-1)


class NLLLoss(Function):
    """Negative log-likelihood of class indices given log-probabilities.

    loss_i = -w[t_i] logp[i, t_i]; 'mean' divides by the sum of the weights of the
    non-ignored targets (PyTorch). Fused: forward is one gather and backward one scatter
    into a zero array, where fancy indexing + multiply + sum would keep a copy per op.
    Input (N, C) or (N, C, d1, ...), target (N,) or (N, d1, ...).
    """

    @staticmethod
    def forward(ctx, logp, target, weight=None, ignore_index=-100, reduction="mean"):
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
    def backward(ctx, grad):
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
    """

    @staticmethod
    def forward(ctx, p, target, weight=None, reduction="mean"):
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
    def backward(ctx, grad):
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
