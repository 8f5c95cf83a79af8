"""ReLU as compiled loops (the references are in nnforge.autograd.activations).

What they save: the reference backward makes three passes (compare, cast the mask to
float, multiply) and allocates a mask; the kernel reads the output and the gradient once
and writes the result once.
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
