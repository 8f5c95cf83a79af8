"""A convolution, ReLU and 2-D max pooling as one op: max_pool2d(relu(conv2d(x))).

`nn.Sequential` runs a Conv2d followed by a ReLU and a MaxPool2d (none with hooks) as this
op. Its reference is the three ops' own functions in a row, so the values and gradients
are theirs. What it saves is in the numba backend: a 3x3 convolution by Winograd's
F(2x2, 3x3) makes its outputs in 2x2 tiles, and a MaxPool2d(2) window is one such tile, so
the kernel pools each tile as it comes out (`nnforge.kernels.winograd`). The full-size
convolution output is never written nor read back, and in the backward its gradient is
never built at full size: each pooled gradient goes straight into its tile.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from ..backend import dispatch
from .activations import relu, relu_backward
from .conv import Gradients, Pair, checked_batch, conv2d_forward, output_shape
from .function import Function
from .pooling import check_pool_input, max_pool2d, max_pool2d_backward

PoolGeometry = Tuple[Pair, Pair, Pair, Pair]
"""A pooling's kernel_size, stride, padding and dilation."""


@dispatch("conv2d_relu_max_pool2d")
def conv2d_relu_max_pool2d(x: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray],
                           stride: Pair, padding: Pair, dilation: Pair, pool: PoolGeometry
                           ) -> Tuple[np.ndarray, Gradients]:
    """max_pool2d(relu(conv2d(x))) of a batch: (out, gradients), where gradients(grad,
    needs_x, needs_w, needs_b) -> (gx, gw, gb) takes out's gradient, as
    `nnforge.autograd.conv.conv2d_forward`'s takes the convolution's."""
    y, conv_gradients = conv2d_forward(x, weight, bias, stride, padding, dilation)
    pooled, switches = max_pool2d(y, *pool)
    out = relu(pooled)

    def gradients(grad: np.ndarray, needs_x: bool, needs_w: bool, needs_b: bool
                  ) -> Tuple[Optional[np.ndarray], Optional[np.ndarray], Optional[np.ndarray]]:
        grad_y = max_pool2d_backward(relu_backward(grad, out), switches, y.shape, *pool)
        return conv_gradients(grad_y, needs_x, needs_w, needs_b)

    return out, gradients


class Conv2dReLUMaxPool2d(Function):
    """max_pool2d(relu(conv2d(x, weight, bias))) as one op.

    Inputs as `nnforge.autograd.conv.Conv2d` (with its keywords stride, padding, dilation
    and `layer`), and `pool`, the pooling's (kernel_size, stride, padding, dilation), with
    `pool_layer` its name in error messages.

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge.autograd import Tensor
    >>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    >>> w = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    >>> y = Conv2dReLUMaxPool2d.apply(x, w, None, padding=(1, 1),
    ...                               pool=((2, 2), (2, 2), (0, 0), (1, 1)))
    >>> y.numpy()[0, 0]
    array([[45., 54.],
           [81., 90.]])
    >>> y.sum().backward()
    >>> w.grad.numpy()[0, 0]         # the four 3x3 windows that won, summed
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    """

    unbatched: bool
    gradients: Gradients

    @staticmethod
    def forward(ctx: Conv2dReLUMaxPool2d, x: np.ndarray, weight: np.ndarray,
                bias: Optional[np.ndarray] = None, *, stride: Pair = (1, 1),
                padding: Pair = (0, 0), dilation: Pair = (1, 1), pool: PoolGeometry,
                layer: str = "conv2d", pool_layer: str = "max_pool2d") -> np.ndarray:
        x, ctx.unbatched = checked_batch(x, weight, bias, stride, padding, dilation, layer)
        conv_shape = (len(x), weight.shape[0]) + output_shape(x.shape, weight.shape[2:],
                                                             stride, padding, dilation)
        check_pool_input(conv_shape, *pool, pool_layer)
        out, ctx.gradients = conv2d_relu_max_pool2d(x, weight, bias, stride, padding,
                                                    dilation, pool)
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx: Conv2dReLUMaxPool2d, grad: np.ndarray
                 ) -> Tuple[Optional[np.ndarray], Optional[np.ndarray], Optional[np.ndarray]]:
        needs = ctx.needs_input_grad
        gx, gw, gb = ctx.gradients(grad[None] if ctx.unbatched else grad, needs[0], needs[1],
                                   len(needs) > 2 and needs[2])
        return (gx[0] if gx is not None and ctx.unbatched else gx), gw, gb
