"""im2col and col2im as compiled loops (the references are in nnforge.autograd.conv).

What they save over the NumPy references: the reference pads the input into a new array
and then copies one strided view per kernel tap; the kernel writes each column entry once,
reading the input directly and writing zeros where a tap falls into the padding, so the
padded copy and kH*kW separate NumPy passes disappear. col2im likewise adds straight into
the unpadded gradient. For each output row the in-bounds range of columns is computed once,
so the inner loop is a branch-free strided copy that LLVM vectorizes.
"""
import numpy as np

from ..autograd.conv import conv_output_size
from ._compile import kernel, same_float_arrays


@kernel
def _im2col(x, cols, kH, kW, sh, sw, ph, pw, dh, dw):
    N, C, H, W = x.shape
    OH, OW = cols.shape[4], cols.shape[5]
    for c in range(C):
        for i in range(kH):
            for j in range(kW):
                offset = j * dw - pw
                lo = 0 if offset >= 0 else (-offset + sw - 1) // sw
                hi = 0 if W - offset <= 0 else (W - offset + sw - 1) // sw
                lo, hi = min(lo, OW), min(hi, OW)
                hi = max(hi, lo)
                for n in range(N):
                    for oh in range(OH):
                        row = cols[c, i, j, n, oh]
                        ih = oh * sh - ph + i * dh
                        if ih < 0 or ih >= H:
                            row[:] = 0
                            continue
                        src = x[n, c, ih]
                        for ow in range(lo):
                            row[ow] = 0
                        for ow in range(lo, hi):
                            row[ow] = src[ow * sw + offset]
                        for ow in range(hi, OW):
                            row[ow] = 0


@kernel
def _col2im(cols, dx, kH, kW, sh, sw, ph, pw, dh, dw):
    N, C, H, W = dx.shape
    OH, OW = cols.shape[4], cols.shape[5]
    for c in range(C):
        for i in range(kH):
            for j in range(kW):
                offset = j * dw - pw
                lo = 0 if offset >= 0 else (-offset + sw - 1) // sw
                hi = 0 if W - offset <= 0 else (W - offset + sw - 1) // sw
                lo, hi = min(lo, OW), min(hi, OW)
                for n in range(N):
                    for oh in range(OH):
                        ih = oh * sh - ph + i * dh
                        if ih < 0 or ih >= H:
                            continue
                        row = cols[c, i, j, n, oh]
                        dst = dx[n, c, ih]
                        for ow in range(lo, hi):
                            dst[ow * sw + offset] += row[ow]


def _sizes(x_shape, kernel_size, stride, padding, dilation):
    (_, _, H, W), (kH, kW) = x_shape, kernel_size
    return (conv_output_size(H, kH, stride[0], padding[0], dilation[0]),
            conv_output_size(W, kW, stride[1], padding[1], dilation[1]))


def im2col(x, kernel_size, stride, padding, dilation):
    """Same contract as nnforge.autograd.conv.im2col."""
    if not same_float_arrays(x):
        x = np.ascontiguousarray(x)
        if not same_float_arrays(x):
            return NotImplemented
    N, C = x.shape[:2]
    kH, kW = kernel_size
    OH, OW = _sizes(x.shape, kernel_size, stride, padding, dilation)
    cols = np.empty((C, kH, kW, N, OH, OW), dtype=x.dtype)
    _im2col(x, cols, kH, kW, *stride, *padding, *dilation)
    return cols.reshape(C * kH * kW, N * OH * OW)


def col2im(cols, x_shape, kernel_size, stride, padding, dilation):
    """Same contract as nnforge.autograd.conv.col2im."""
    if not same_float_arrays(cols):
        return NotImplemented
    N, C = x_shape[:2]
    kH, kW = kernel_size
    OH, OW = _sizes(x_shape, kernel_size, stride, padding, dilation)
    dx = np.zeros(x_shape, dtype=cols.dtype)
    _col2im(cols.reshape(C, kH, kW, N, OH, OW), dx, kH, kW, *stride, *padding, *dilation)
    return dx
