"""Stateless forms of every layer, activation and loss (PyTorch's `torch.nn.functional`).

Modules hold parameters and call one function here; this module depends on the autograd
ops only, never on a layer module. Each function is either one fused
`Function` from `nnforge.autograd` (where fusing buys stability, memory or speed; the
Function's docstring says which) or a short composition of existing ops. Inputs may be
Tensors or NumPy arrays; targets of losses may also be lists.
"""
import numpy as np

from ..autograd import Tensor
from ..autograd import activations as _act
from ..autograd import dropout as _dropout
from ..autograd import losses as _losses
from ..autograd import pooling as _pool
from ..autograd.conv import Conv2d as _Conv2dFn
from ..autograd.conv import _pair
from ..autograd.elementwise import Where as _Where
from ..autograd.embedding import Embedding as _Embedding
from ..autograd.linalg import Linear as _Linear
from ..autograd.normalization import BatchNorm as _BatchNormFn
from ..random import resolve_generator
from ..mistake_warnings import LabelMismatchWarning, ProbabilitiesAsLogitsWarning, guard_warn

_REDUCTIONS = ("mean", "sum", "none")


# --- helpers ------------------------------------------------------------------------------
def _array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _check_reduction(reduction, name):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of 'mean', 'sum', 'none', got "
                         f"{reduction!r}")


def _float_like(value, reference, name, argument):
    """An optional weight-like argument as an array of the input's float dtype."""
    if value is None:
        return None
    array = _array(value)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name}: {argument} must be numeric, got dtype {array.dtype}")
    return array.astype(reference.dtype, copy=False)


def _check_same_shape(input, target, name):
    if input.shape != target.shape:
        raise ValueError(f"{name}: target shape {tuple(target.shape)} must equal the input "
                         f"shape {tuple(input.shape)} (broadcasting them would silently "
                         f"compare every prediction with every target)")


def _reduce(values, reduction):
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x), False, None)


_PROBABILITY_OPS = ("Softmax", "Sigmoid")


def _guard_logits(input, name):
    """NF-GUARD-001: warn when `input` was produced by Softmax/Sigmoid (the graph records
    the op exactly; without a graph, under no_grad, nothing can be seen)."""
    op = type(getattr(input, "_ctx", None)).__name__
    if op in _PROBABILITY_OPS:
        guard_warn(ProbabilitiesAsLogitsWarning,
                   f"{name} received the output of {op}, i.e. probabilities, but it expects "
                   f"logits and applies {'log-softmax' if 'cross' in name else 'a sigmoid'} "
                   f"itself; remove the final {op} layer (keep it only for predictions)",
                   stacklevel=4)


# --- linear maps and shapes ---------------------------------------------------------------
def linear(input, weight, bias=None):
    """y = x W^T + b for x (*, in_features), W (out_features, in_features), b (out,)."""
    return _Linear.apply(input, weight, bias)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions start_dim..end_dim into one."""
    return _as_tensor(input).flatten(start_dim, end_dim)


# --- activations --------------------------------------------------------------------------
def relu(input):
    """max(0, x); gradient 0 at x == 0."""
    return _act.ReLU.apply(input)


def leaky_relu(input, negative_slope=0.01):
    """x for x > 0, negative_slope * x otherwise."""
    return _act.LeakyReLU.apply(input, negative_slope=negative_slope)


def prelu(input, weight):
    """Leaky ReLU whose slope `weight` (1 or C values, C = size of dim 1) is learned."""
    return _act.PReLU.apply(input, weight)


def elu(input, alpha=1.0):
    """x for x > 0, alpha (e^x - 1) otherwise."""
    return _act.ELU.apply(input, alpha=alpha)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, linear above `threshold` (PyTorch's defaults)."""
    return _act.Softplus.apply(input, beta=beta, threshold=threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0):
    """clip(x, min_val, max_val)."""
    return _act.Hardtanh.apply(input, min_val=min_val, max_val=max_val)


def sigmoid(input):
    """1 / (1 + e^-x)."""
    return _act.Sigmoid.apply(input)


def tanh(input):
    """tanh x."""
    return _act.Tanh.apply(input)


def silu(input):
    """x sigmoid(x): Swish with beta = 1."""
    return _act.Swish.apply(input, beta=1.0)


def swish(input, beta=1.0):
    """x sigmoid(beta x); `beta` may be a number or a learnable Tensor/Parameter.

    The lecture writes 2x sigmoid(beta x); this is the standard form of Ramachandran
    et al. 2017 (bounded below by about -0.278 / beta).
    """
    if isinstance(beta, Tensor):
        return _act.Swish.apply(input, beta)
    return _act.Swish.apply(input, beta=beta)


def softmax(input, dim=-1):
    """e^x_i / sum_j e^x_j along `dim`."""
    return _act.Softmax.apply(input, dim=dim)


def log_softmax(input, dim=-1):
    """log softmax along `dim`, via log-sum-exp."""
    return _act.LogSoftmax.apply(input, dim=dim)


def sign(input, straight_through=False):
    """sign(x). No gradient unless `straight_through`: then the gradient passes where
    |x| <= 1 (the hardtanh straight-through estimator)."""
    return _act.Sign.apply(input, straight_through=straight_through)


def step(input, straight_through=False):
    """Heaviside step, 1 for x >= 0. No gradient unless `straight_through`: then the
    upstream gradient passes unchanged."""
    return _act.Step.apply(input, straight_through=straight_through)


# --- dropout ------------------------------------------------------------------------------
def dropout(input, p=0.5, training=True, generator=None):
    """Inverted dropout: in training zero each element with probability `p` and
    scale the kept ones by 1 / (1 - p); otherwise return the input unchanged.

    Draws come from `generator` (a numpy Generator, or None for the library default), so
    a seeded run is repeatable; an int seed makes a fresh Generator, i.e. the same mask
    on every call.
    """
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p (the probability of dropping an element) must be in "
                         f"[0, 1), got {p!r}")
    if not training or p == 0:
        return input
    return _dropout.dropout(_as_tensor(input), p, resolve_generator(generator))


def keep_mask(shape, p, rng):
    """Boolean array of `shape`, each entry False with probability p (rounded to a multiple
    of 2**-16, so the kept fraction is exact to 1.5e-5).

    Each entry is 16 raw bits of the generator, four entries per 64-bit draw, rather than a
    float per entry: drawing the random numbers was most of dropout's cost."""
    size = int(np.prod(shape))
    bits = rng.bit_generator.random_raw(-(-size // 4)).view(np.uint16)[:size]
    return (bits >= np.uint16(min(round(p * 65536), 65535))).reshape(shape)


# --- losses -------------------------------------------------------------------------------
def _class_targets(input, target, name, ignore_index):
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


def _prepare_class_loss(input, target, weight, name, ignore_index, reduction):
    _check_reduction(reduction, name)
    data = _array(input)
    target = _array(target)
    classes = data.shape[1] if data.ndim > 1 else data.shape[0] if data.ndim else 0
    if weight is not None:
        weight = _float_like(weight, data, name, "weight")
        if weight.shape != (classes,):
            raise ValueError(f"{name}: weight must have one entry per class, shape "
                             f"({classes},), got {weight.shape}")
    return data, target, weight


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Softmax cross-entropy from logits, fused with log-softmax.

    input: logits (N, C), (N, C, d1, ...) or (C,). target: class indices (N,) /
    (N, d1, ...) / () or class probabilities of the input's shape. `weight` rescales
    each class, targets equal to `ignore_index` are skipped, and `label_smoothing` mixes
    the target with the uniform distribution. Stable for logits of any finite size.
    """
    return _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing,
                          "cross_entropy")


def _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing, name):
    data, target, weight = _prepare_class_loss(input, target, weight, name, ignore_index,
                                               reduction)
    _guard_logits(input, name)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if target.dtype.kind == "f":
        if target.shape != data.shape:
            raise ValueError(f"{name}: a probability (float) target must have the input's "
                             f"shape {data.shape}, got {target.shape}; for class indices "
                             f"pass an integer array of shape {data.shape[:1] + data.shape[2:]}")
        target = target.astype(data.dtype, copy=False)
    elif target.dtype.kind in "iu":
        target = _class_targets(data, target, name, ignore_index)
    else:
        raise TypeError(f"{name}: target must hold integer class indices or float "
                        f"probabilities, got dtype {target.dtype}")
    unbatched = data.ndim == 1
    if unbatched:
        input = _as_tensor(input).reshape(1, -1)
        target = target.reshape((1,) + target.shape[:1] if target.dtype.kind == "f" else (1,))
    loss = _losses.CrossEntropy.apply(input, target, weight=weight, ignore_index=ignore_index,
                                      reduction=reduction, label_smoothing=label_smoothing)
    return loss.reshape(()) if unbatched and reduction == "none" else loss


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class indices given log-probabilities: with
    `log_softmax` it equals `cross_entropy`. input (N, C) or (N, C, d1, ...)."""
    return _nll_loss(input, target, weight, ignore_index, reduction, "nll_loss")


def _nll_loss(input, target, weight, ignore_index, reduction, name):
    data, target, weight = _prepare_class_loss(input, target, weight, name, ignore_index,
                                               reduction)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices, got dtype "
                        f"{target.dtype}")
    target = _class_targets(data, target, name, ignore_index)
    if data.ndim == 1:
        loss = _losses.NLLLoss.apply(_as_tensor(input).reshape(1, -1), target.reshape(1),
                                     weight=weight, ignore_index=ignore_index,
                                     reduction=reduction)
        return loss.reshape(()) if reduction == "none" else loss
    return _losses.NLLLoss.apply(input, target, weight=weight, ignore_index=ignore_index,
                                 reduction=reduction)


def _regression_pair(input, target, name, reduction):
    _check_reduction(reduction, name)
    input = _as_tensor(input)
    if not isinstance(target, Tensor):
        target = np.asarray(target, dtype=input.dtype)
    _check_same_shape(input, target, name)
    return input, target


def mse_loss(input, target, reduction="mean"):
    """Mean squared error, PyTorch's form: mean of (x - y)^2, no 1/2."""
    input, target = _regression_pair(input, target, "mse_loss", reduction)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error |x - y|; gradient sign(x - y), 0 where they are equal."""
    input, target = _regression_pair(input, target, "l1_loss", reduction)
    return _reduce((input - target).abs(), reduction)


def _binary_pair(input, target, weight, name, reduction):
    _check_reduction(reduction, name)
    data = _array(input)
    target_data = _array(target)
    if target_data.dtype.kind not in "fiub":
        raise TypeError(f"{name}: target must be numeric, got dtype {target_data.dtype}")
    _check_same_shape(data, target_data, name)
    if not isinstance(target, Tensor) or target_data.dtype != data.dtype:
        target = target_data.astype(data.dtype, copy=False)
    weight = _float_like(weight, data, name, "weight")
    if weight is not None:
        weight = np.broadcast_to(weight, data.shape) if weight.shape != data.shape else weight
    return data, target, weight


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """Binary cross-entropy on probabilities; logs clamped to >= -100 like PyTorch.
    Prefer `binary_cross_entropy_with_logits` on raw scores."""
    name = "binary_cross_entropy"
    data, target, weight = _binary_pair(input, target, weight, name, reduction)
    if data.size and (data.min() < 0 or data.max() > 1):
        raise ValueError(f"{name}: input must hold probabilities in [0, 1], got values in "
                         f"[{data.min()}, {data.max()}]; pass logits to "
                         f"binary_cross_entropy_with_logits / BCEWithLogitsLoss instead")
    return _losses.BinaryCrossEntropy.apply(input, target, weight=weight, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable formula:
    max(z, 0) - z y + log(1 + e^-|z|); `pos_weight` scales the positive term per class."""
    name = "binary_cross_entropy_with_logits"
    data, target, weight = _binary_pair(input, target, weight, name, reduction)
    _guard_logits(input, name)
    target_data = _array(target)
    if target_data.size and (target_data.min() < 0 or target_data.max() > 1):
        guard_warn(LabelMismatchWarning,
                   f"{name}: targets must be 0/1 labels or probabilities in [0, 1], got "
                   f"values in [{target_data.min():g}, {target_data.max():g}]; for more than "
                   "two classes use CrossEntropyLoss with one output per class", stacklevel=3)
    pos_weight = _float_like(pos_weight, data, name, "pos_weight")
    return _losses.BinaryCrossEntropyWithLogits.apply(
        input, target, weight=weight, pos_weight=pos_weight, reduction=reduction)


def soft_margin_loss(input, target, reduction="mean"):
    """Logistic loss for labels y in {-1, +1}: log(1 + e^(-y x)), computed as a
    stable softplus so large margins neither overflow nor lose precision."""
    input, target = _regression_pair(input, target, "soft_margin_loss", reduction)
    return _reduce(softplus(-(input * target), threshold=np.inf), reduction)


def _regression_difference(input, target, name, reduction):
    input, target = _regression_pair(input, target, name, reduction)
    return input - target


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target):
    quadratic near zero, linear for outliers (Girshick's Fast R-CNN loss). beta = 0 is
    the L1 loss."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta!r}")
    diff = _regression_difference(input, target, "smooth_l1_loss", reduction)
    size = diff.abs()
    if beta == 0:
        return _reduce(size, reduction)
    quadratic = diff * diff * (0.5 / beta)
    return _reduce(_where(_array(size) < beta, quadratic, size - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere (Huber, 1964): the
    smooth L1 loss times delta."""
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta!r}")
    diff = _regression_difference(input, target, "huber_loss", reduction)
    size = diff.abs()
    return _reduce(_where(_array(size) < delta, diff * diff * 0.5, (size - 0.5 * delta) * delta),
                   reduction)


def _where(condition, x, y):
    return _Where.apply(condition, x, y)


# --- embeddings ---------------------------------------------------------------------------
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0):
    """Rows of `weight` (num_embeddings, embedding_dim) picked by the integer `input`
    (any shape): output shape input.shape + (embedding_dim,).

    `padding_idx`: that row gets no gradient. `max_norm`: rows about to be read whose
    `norm_type`-norm exceeds it are first rescaled in place to that norm (as PyTorch does).
    """
    indices = _array(input)
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for "
                             f"{rows} embeddings")
        padding_idx = padding_idx % rows
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    return _Embedding.apply(indices, weight, padding_idx=padding_idx)


def _renorm_rows(weight, indices, max_norm, norm_type):
    table = _array(weight)
    used = np.unique(indices)
    used = used[(used >= 0) & (used < table.shape[0])]
    norms = np.linalg.norm(table[used], ord=norm_type, axis=1)
    too_long = norms > max_norm
    scale = (max_norm / (norms[too_long] + 1e-7)).astype(table.dtype)
    table[used[too_long]] *= scale[:, None]


def one_hot(tensor, num_classes=-1):
    """int64 one-hot rows: shape tensor.shape + (num_classes,); -1 uses max + 1."""
    labels = _array(tensor)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expects integer class indices, got dtype {labels.dtype}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"one_hot: class values must be in [0, {num_classes}), got range "
                         f"[{labels.min()}, {labels.max()}]")
    return Tensor._make(np.eye(num_classes, dtype=np.int64)[labels], False, None)


# --- convolution --------------------------------------------------------------------------
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1):
    """2-D cross-correlation of `input` (N, C_in, H, W) or (C_in, H, W) with `weight`
    (C_out, C_in, kH, kW), plus `bias` (C_out,). Output size per spatial dim:
    floor((H + 2*padding - dilation*(kH - 1) - 1) / stride) + 1."""
    name = "conv2d"
    return _Conv2dFn.apply(input, weight, bias, stride=_pair(stride, "stride", name, 1),
                           padding=_pair(padding, "padding", name, 0),
                           dilation=_pair(dilation, "dilation", name, 1), layer=name)


# --- pooling ------------------------------------------------------------------------------
def _geometry(layer, kernel_size, stride, padding, dilation=1):
    kernel = _pair(kernel_size, "kernel_size", layer, 1)
    stride = kernel if stride is None or stride == () else _pair(stride, "stride", layer, 1)
    return kernel, stride, _pair(padding, "padding", layer, 0), _pair(dilation, "dilation",
                                                                       layer, 1)


def _output_size(output_size, layer):
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        output_size = (output_size, output_size)
    if not (isinstance(output_size, (tuple, list)) and len(output_size) == 2
            and all(v is None or (isinstance(v, (int, np.integer)) and v >= 1)
                    for v in output_size)):
        raise ValueError(f"{layer}: output_size must be a positive int or a pair of positive "
                         f"ints (or None to keep that size), got {output_size!r}")
    return tuple(None if v is None else int(v) for v in output_size)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1):
    """Max over each kH x kW window (stride defaults to kernel_size, padding is -inf)."""
    kernel, stride, padding, dilation = _geometry("max_pool2d", kernel_size, stride, padding,
                                                  dilation)
    return _pool.MaxPool2d.apply(input, kernel_size=kernel, stride=stride, padding=padding,
                                 dilation=dilation, layer="max_pool2d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Mean over each kH x kW window (stride defaults to kernel_size, zero padding)."""
    kernel, stride, padding, _ = _geometry("avg_pool2d", kernel_size, stride, padding)
    return _pool.AvgPool2d.apply(input, kernel_size=kernel, stride=stride, padding=padding,
                                 count_include_pad=bool(count_include_pad), layer="avg_pool2d")


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (PyTorch's window rule)."""
    size = _output_size(output_size, "adaptive_avg_pool2d")
    return _pool.AdaptiveAvgPool2d.apply(input, output_size=size, layer="adaptive_avg_pool2d")


# --- normalization ------------------------------------------------------------------------
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Functional batch norm with PyTorch's signature.

    In training mode (or when running statistics are None) the batch statistics normalize
    and the given running arrays are updated in place with `momentum`; otherwise the
    running statistics normalize.
    """
    running_mean = _array_or_none(running_mean)
    running_var = _array_or_none(running_var)
    return _BatchNormFn.apply(input, weight, bias, running_mean=running_mean,
                              running_var=running_var, training=bool(training),
                              momentum=momentum, eps=eps, layer="batch_norm")


def _array_or_none(value):
    if value is None:
        return None
    return value._data if isinstance(value, Tensor) else value
