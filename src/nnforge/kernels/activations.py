"""ReLU and LeakyReLU as compiled loops (the references are in
nnforge.autograd.activations).

What they save: the reference ReLU backward makes three passes (compare, cast the mask to
float, multiply) and allocates a mask; LeakyReLU's forward and backward make three each
(compare, scale, select). A kernel reads its inputs once and writes each result once.
"""
import numpy as np

from ._compile import kernel, same_float_arrays


@kernel
def _relu(x, out):
    for k in range(x.size):
        value = x[k]
        out[k] = value if value > 0 or value != value else 0   # NaN passes, as np.maximum


@kernel
def _relu_backward(grad, out, dx):
    for k in range(grad.size):
        dx[k] = grad[k] if out[k] > 0 else 0


def relu(x):
    """Same contract as nnforge.autograd.activations.relu."""
    if not same_float_arrays(x):
        return NotImplemented
    out = np.empty_like(x)
    _relu(x.reshape(-1), out.reshape(-1))
    return out


def relu_backward(grad, out):
    """Same contract as nnforge.autograd.activations.relu_backward."""
    if not same_float_arrays(grad, out) or grad.shape != out.shape:
        return NotImplemented
    dx = np.empty_like(grad)
    _relu_backward(grad.reshape(-1), out.reshape(-1), dx.reshape(-1))
    return dx


@kernel
def _leaky_relu(x, slope, out, positive):
    for k in range(x.size):
        value = x[k]
        keep = value > 0
        positive[k] = keep
        out[k] = value if keep else value * slope


@kernel
def _leaky_relu_backward(grad, positive, slope, dx):
    for k in range(grad.size):
        dx[k] = grad[k] if positive[k] else grad[k] * slope


def leaky_relu(x, negative_slope):
    """Same contract as nnforge.autograd.activations.leaky_relu."""
    if not same_float_arrays(x):
        return NotImplemented
    out = np.empty_like(x)
    positive = np.empty(x.shape, dtype=bool)
    _leaky_relu(x.reshape(-1), x.dtype.type(negative_slope), out.reshape(-1),
                positive.reshape(-1))
    return out, positive


def leaky_relu_backward(grad, positive, negative_slope):
    """Same contract as nnforge.autograd.activations.leaky_relu_backward."""
    if (not same_float_arrays(grad) or positive.shape != grad.shape
            or not positive.flags.c_contiguous):
        return NotImplemented
    dx = np.empty_like(grad)
    _leaky_relu_backward(grad.reshape(-1), positive.reshape(-1),
                         grad.dtype.type(negative_slope), dx.reshape(-1))
    return dx
