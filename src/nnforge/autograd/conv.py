"""2-D convolution (cross-correlation, NCHW) as im2col plus one matrix product.

Forward: `im2col` copies every receptive field of the zero-padded input into one column of
a matrix `cols` (C_in*kH*kW rows, one column per sample and output pixel), and one GEMM
with the (C_out, C_in*kH*kW) weight matrix gives every output at once. Backward: dW is the
product of the output gradient with `cols`, and dX is the product with the weight followed
by `col2im`, which adds each column back onto the pixels it came from (the adjoint of
im2col). im2col and col2im loop over the kH*kW kernel taps only, never over samples or
pixels; with the numba backend they are compiled loops (`nnforge.kernels.conv`), and a
3x3 stride-1 convolution of many channels takes Winograd's algorithm instead, which needs
2.25x fewer multiplications (`nnforge.kernels.winograd`), one of up to three channels a
direct loop (`nnforge.kernels.direct_conv`).
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence, Tuple

import numpy as np

from ..backend import dispatch
from .function import Function

Pair = Tuple[int, int]
#: gradients(grad, needs_x, needs_w, needs_b) -> (gx, gw, gb), None where not needed
Gradients = Callable[[np.ndarray, bool, bool, bool],
                     Tuple[Optional[np.ndarray], Optional[np.ndarray], Optional[np.ndarray]]]


def _pair(value: object, name: str, layer: str, minimum: int) -> Pair:
    """An int or a pair of ints -> a tuple of two ints >= `minimum`."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif (isinstance(value, (tuple, list)) and len(value) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{layer}: {name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{layer}: {name} must be >= {minimum}, got {value!r}")
    return pair


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """floor((size + 2*padding - dilation*(kernel-1) - 1) / stride) + 1 (PyTorch's rule)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def output_shape(x_shape: Sequence[int], kernel_size: Sequence[int], stride: Pair,
                  padding: Pair, dilation: Pair) -> Pair:
    (_, _, H, W), (kH, kW) = x_shape, kernel_size
    return (conv_output_size(H, kH, stride[0], padding[0], dilation[0]),
            conv_output_size(W, kW, stride[1], padding[1], dilation[1]))


def _tap(i: int, j: int, out_hw: Pair, stride: Pair, dilation: Pair) -> Tuple[slice, slice]:
    """Rows and columns of the padded input that kernel tap (i, j) sees, one per output."""
    (OH, OW), (sh, sw), (dh, dw) = out_hw, stride, dilation
    return (slice(i * dh, i * dh + sh * (OH - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (OW - 1) + 1, sw))


@dispatch("im2col")
def im2col(x: np.ndarray, kernel_size: Sequence[int], stride: Pair, padding: Pair,
           dilation: Pair) -> np.ndarray:
    """(N, C, H, W) -> cols (C*kH*kW, N*OH*OW): row (c, i, j) holds, for every sample and
    output pixel, the input value that kernel tap (i, j) of channel c multiplies."""
    N, C = x.shape[:2]
    (kH, kW), (ph, pw) = kernel_size, padding
    OH, OW = output_shape(x.shape, kernel_size, stride, padding, dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.empty((C, kH, kW, N, OH, OW), dtype=x.dtype)
    for i in range(kH):
        for j in range(kW):
            rows, columns = _tap(i, j, (OH, OW), stride, dilation)
            cols[:, i, j] = xp[:, :, rows, columns].transpose(1, 0, 2, 3)
    return cols.reshape(C * kH * kW, N * OH * OW)


@dispatch("col2im")
def col2im(cols: np.ndarray, x_shape: Sequence[int], kernel_size: Sequence[int], stride: Pair,
           padding: Pair, dilation: Pair) -> np.ndarray:
    """The adjoint of `im2col`: (C*kH*kW, N*OH*OW) -> (N, C, H, W), each entry of `cols`
    added onto the input pixel it was copied from."""
    N, C, H, W = x_shape
    (kH, kW), (ph, pw) = kernel_size, padding
    OH, OW = output_shape(x_shape, kernel_size, stride, padding, dilation)
    cols = cols.reshape(C, kH, kW, N, OH, OW)
    dxp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=cols.dtype)
    for i in range(kH):
        for j in range(kW):
            rows, columns = _tap(i, j, (OH, OW), stride, dilation)
            dxp[:, :, rows, columns] += cols[:, i, j].transpose(1, 0, 2, 3)
    return dxp[:, :, ph:ph + H, pw:pw + W]


@dispatch("columns_to_images")
def columns_to_images(columns: np.ndarray, bias: Optional[np.ndarray],
                      shape: Tuple[int, int, int, int]) -> np.ndarray:
    """The GEMM's (C_out, N*OH*OW) result plus the bias -> images (N, C_out, OH, OW)."""
    N, C_out, OH, OW = shape
    images = np.empty(shape, dtype=columns.dtype)
    np.copyto(images, columns.reshape(C_out, N, OH, OW).transpose(1, 0, 2, 3))
    if bias is not None:
        images += bias[:, None, None]
    return images


@dispatch("images_to_columns")
def images_to_columns(images: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (C, N*H*W), the layout the GEMMs work in."""
    return images.transpose(1, 0, 2, 3).reshape(images.shape[1], -1)


@dispatch("conv_weight_grad")
def weight_grad(g2: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """dW as a (C_out, C_in*kH*kW) matrix: the output gradient times the columns."""
    return g2 @ cols.T


@dispatch("conv2d_forward")
def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray], stride: Pair,
                   padding: Pair, dilation: Pair) -> Tuple[np.ndarray, Gradients]:
    """The convolution of a batch x (N, C_in, H, W): (out, gradients), where
    gradients(grad, needs_x, needs_w, needs_b) -> (gx, gw, gb) gives the gradients asked
    for (None for the others). A backend may compute the convolution another way; the
    gradients it returns go with its forward."""
    C_out, kernel_size = weight.shape[0], weight.shape[2:]
    OH, OW = output_shape(x.shape, kernel_size, stride, padding, dilation)
    cols = im2col(x, kernel_size, stride, padding, dilation)       # (K, N*OH*OW)
    w2 = weight.reshape(C_out, -1)                                 # (C_out, K)
    out = columns_to_images(w2 @ cols, bias, (len(x), C_out, OH, OW))

    def gradients(grad: np.ndarray, needs_x: bool, needs_w: bool, needs_b: bool
                  ) -> Tuple[Optional[np.ndarray], Optional[np.ndarray], Optional[np.ndarray]]:
        g2 = images_to_columns(grad)                               # (C_out, N*OH*OW)
        gw = weight_grad(g2, cols).reshape(weight.shape) if needs_w else None
        gb = grad.sum(axis=(0, 2, 3)) if needs_b else None
        gx = col2im(w2.T @ g2, x.shape, kernel_size, stride, padding,
                    dilation) if needs_x else None
        return gx, gw, gb

    return out, gradients


def check_conv_input(x_shape: Sequence[int], w_shape: Sequence[int], stride: Pair,
                     padding: Pair, dilation: Pair, layer: str) -> None:
    """Raise a clear error for an input a convolution with this weight cannot take."""
    ndim = len(x_shape)
    if ndim not in (3, 4):
        raise ValueError(f"{layer}: expected a 4-D input (N, C, H, W) or a 3-D unbatched input "
                         f"(C, H, W), got a {ndim}-D input of shape {tuple(x_shape)}")
    c_in, c_dim = w_shape[1], ndim - 3
    if x_shape[c_dim] != c_in:
        noun = "channel" if x_shape[c_dim] == 1 else "channels"
        raise ValueError(f"{layer}: input has {x_shape[c_dim]} {noun} at dim {c_dim}, expected "
                         f"{c_in} (shape {tuple(x_shape)})")
    for axis, name in ((0, "height"), (1, "width")):
        size = x_shape[ndim - 2 + axis] + 2 * padding[axis]
        reach = dilation[axis] * (w_shape[2 + axis] - 1) + 1
        if reach > size:
            raise ValueError(
                f"{layer}: kernel {name} {w_shape[2 + axis]} (spanning {reach} pixels with "
                f"dilation {dilation[axis]}) is larger than the padded input {name} {size} "
                f"(input {x_shape[ndim - 2 + axis]} + 2*padding {padding[axis]}); input shape "
                f"{tuple(x_shape)}")


def checked_batch(x: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray],
                  stride: Pair, padding: Pair, dilation: Pair, layer: str
                  ) -> Tuple[np.ndarray, bool]:
    """(x as a batch, whether it was unbatched), after a clear error for a weight, bias or
    input the convolution cannot take."""
    if weight.ndim != 4:
        raise ValueError(f"{layer}: weight must be 4-D (C_out, C_in, kH, kW), got shape "
                         f"{weight.shape}")
    check_conv_input(x.shape, weight.shape, stride, padding, dilation, layer)
    if bias is not None and bias.dtype != weight.dtype:
        raise TypeError(f"{layer}: bias dtype {bias.dtype} must be the weight dtype "
                        f"{weight.dtype}")
    if x.dtype != weight.dtype:
        raise TypeError(f"{layer}: input dtype {x.dtype} does not match the weight dtype "
                        f"{weight.dtype}; convert the input (x.astype(np.{weight.dtype}))"
                        f" or the model (model.to(np.{x.dtype}))")
    return (x[None], True) if x.ndim == 3 else (x, False)


class Conv2d(Function):
    """y[n, o] = b[o] + sum_{c,i,j} w[o, c, i, j] x_pad[n, c, s*h + d*i, s*w + d*j].

    Inputs: x (N, C_in, H, W) or unbatched (C_in, H, W); weight (C_out, C_in, kH, kW);
    bias (C_out,) or None. Keywords: stride, padding, dilation (pairs of ints) and
    `layer`, the name used in error messages.

    Examples
    --------
    A 3x3 kernel of ones sums each pixel's neighbourhood; each input's gradient counts the
    windows it falls in:

    >>> import numpy as np
    >>> from nnforge.autograd import Tensor
    >>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    >>> w = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    >>> y = Conv2d.apply(x, w, None, padding=(1, 1))
    >>> y.numpy()[0, 0]
    array([[10., 18., 24., 18.],
           [27., 45., 54., 39.],
           [51., 81., 90., 63.],
           [42., 66., 72., 50.]])
    >>> y.sum().backward()
    >>> x.grad.numpy()[0, 0]
    array([[4., 6., 6., 4.],
           [6., 9., 9., 6.],
           [6., 9., 9., 6.],
           [4., 6., 6., 4.]])
    """

    unbatched: bool
    gradients: Gradients

    @staticmethod
    def forward(ctx: Conv2d, x: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray] = None,
                *, stride: Pair = (1, 1), padding: Pair = (0, 0), dilation: Pair = (1, 1),
                layer: str = "conv2d") -> np.ndarray:
        x, ctx.unbatched = checked_batch(x, weight, bias, stride, padding, dilation, layer)
        out, ctx.gradients = conv2d_forward(x, weight, bias, stride, padding, dilation)
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx: Conv2d, grad: np.ndarray
                 ) -> Tuple[Optional[np.ndarray], Optional[np.ndarray], Optional[np.ndarray]]:
        needs = ctx.needs_input_grad
        if ctx.unbatched:
            grad = grad[None]
        gx, gw, gb = ctx.gradients(grad, needs[0], needs[1], len(needs) > 2 and needs[2])
        if gx is not None and ctx.unbatched:
            gx = gx[0]
        return gx, gw, gb
