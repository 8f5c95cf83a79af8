"""The convolution's kernels (the references are in nnforge.autograd.conv): im2col and
col2im, the re-layouts between the GEMMs' (C, N*H*W) columns and NCHW images, and the
weight gradient's GEMM orientation.

What they save over the NumPy references: the reference pads the input into a new array
and then copies one strided view per kernel tap; the kernel writes each column entry once,
reading the input directly and writing zeros where a tap falls into the padding, so the
padded copy and kH*kW separate NumPy passes disappear. col2im likewise adds straight into
the unpadded gradient. For each output row the in-bounds range of columns is computed once,
so the inner loop is a branch-free strided copy that LLVM vectorizes.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np

from ..autograd.conv import Gradients, Pair, output_shape
from . import direct_conv, winograd
from ._compile import helper, kernel, same_float_arrays

#: A 3x3 stride-1 convolution runs by Winograd's F(2x2, 3x3) from this many input
#: channels (its 16 GEMMs are C_in deep: thinner ones do not pay for the transforms), ...
WINOGRAD_MIN_CHANNELS = 16
#: ... and directly up to this many (im2col's GEMM is then only 9*C_in deep). Both
#: measured on 64-image batches, forward and backward, against im2col (bench/RESULTS.md).
DIRECT_MAX_CHANNELS = 3


@helper
def _row_range(i: int, out_size: int, in_size: int, stride: int, pad: int,
               dilation: int) -> Tuple[int, int]:
    """The outputs [lo, hi) whose tap i falls inside the input (not into the padding)."""
    offset = i * dilation - pad           # input index = out * stride + offset
    lo = 0 if offset >= 0 else (-offset + stride - 1) // stride
    hi = 0 if in_size - offset <= 0 else (in_size - offset + stride - 1) // stride
    lo = min(lo, out_size)
    return lo, max(lo, min(hi, out_size))


@kernel
def _im2col(x: np.ndarray, cols: np.ndarray, kH: int, kW: int, sh: int, sw: int, ph: int,
            pw: int, dh: int, dw: int) -> None:
    N, C, H, W = x.shape
    OH, OW = cols.shape[4], cols.shape[5]
    # stride 1 with rows as long as the output's ("same" padding): the source of one tap is
    # the image shifted by a constant, so all its rows are copied as one long run, and the
    # few entries that wrapped around a row edge are zeroed afterwards
    long_runs = sh == 1 and sw == 1 and W == OW
    xf = x.reshape(-1)
    cf = cols.reshape(-1)
    L = OH * OW
    for c in range(C):
        for i in range(kH):
            top, bottom = _row_range(i, OH, H, sh, ph, dh)
            for j in range(kW):
                lo, hi = _row_range(j, OW, W, sw, pw, dw)
                offset = j * dw - pw              # input column = ow * sw + offset
                for n in range(N):
                    base = (((c * kH + i) * kW + j) * N + n) * L
                    image = (n * C + c) * H * W
                    for k in range(base, base + top * OW):
                        cf[k] = 0
                    for k in range(base + bottom * OW, base + L):
                        cf[k] = 0
                    if top == bottom:
                        continue
                    if long_runs:
                        first = base + top * OW + lo
                        last = base + (bottom - 1) * OW + hi
                        shift = image + (i * dh - ph) * W + offset - base
                        source = np.uint64(first + shift)
                        for k in range(last - first):
                            u = np.uint64(k)
                            cf[np.uint64(first) + u] = xf[source + u]
                        for oh in range(top, bottom):
                            row = base + oh * OW
                            for k in range(row, row + lo):
                                cf[k] = 0
                            for k in range(row + hi, row + OW):
                                cf[k] = 0
                        continue
                    for oh in range(top, bottom):
                        row = base + oh * OW
                        for k in range(row, row + lo):
                            cf[k] = 0
                        for k in range(row + hi, row + OW):
                            cf[k] = 0
                        # unsigned indices: numba then omits its negative-index check,
                        # which kept these loops from vectorizing (2x slower, measured)
                        dst = np.uint64(row)
                        src = np.uint64(image + (oh * sh - ph + i * dh) * W + offset)
                        step = np.uint64(sw)
                        for ow in range(lo, hi):
                            u = np.uint64(ow)
                            cf[dst + u] = xf[src + u * step]


@kernel
def _col2im(cols: np.ndarray, dx: np.ndarray, kH: int, kW: int, sh: int, sw: int, ph: int,
            pw: int, dh: int, dw: int) -> None:
    N, C, H, W = dx.shape
    OH, OW = cols.shape[4], cols.shape[5]
    cf = cols.reshape(-1)
    dxf = dx.reshape(-1)
    L = OH * OW
    step = np.uint64(sw)
    for c in range(C):
        for i in range(kH):
            top, bottom = _row_range(i, OH, H, sh, ph, dh)
            for j in range(kW):
                lo, hi = _row_range(j, OW, W, sw, pw, dw)
                offset = j * dw - pw
                for n in range(N):
                    base = (((c * kH + i) * kW + j) * N + n) * L
                    image = (n * C + c) * H * W
                    for oh in range(top, bottom):
                        src = np.uint64(base + oh * OW)      # unsigned: see _im2col
                        dst = np.uint64(image + (oh * sh - ph + i * dh) * W + offset)
                        for ow in range(lo, hi):
                            u = np.uint64(ow)
                            dxf[dst + u * step] += cf[src + u]


@kernel
def _columns_to_images(columns: np.ndarray, bias: np.ndarray, has_bias: bool,
                       images: np.ndarray) -> None:
    N, C, OH, OW = images.shape
    L = OH * OW
    cf = columns.reshape(-1)
    of = images.reshape(-1)
    for c in range(C):
        b = bias[c] if has_bias else 0
        for n in range(N):
            src = np.uint64((c * N + n) * L)                 # unsigned: see _im2col
            dst = np.uint64((n * C + c) * L)
            for k in range(L):
                u = np.uint64(k)
                of[dst + u] = cf[src + u] + b


@kernel
def _images_to_columns(images: np.ndarray, columns: np.ndarray) -> None:
    N, C, H, W = images.shape
    L = H * W
    xf = images.reshape(-1)
    cf = columns.reshape(-1)
    for c in range(C):
        for n in range(N):
            src = np.uint64((n * C + c) * L)
            dst = np.uint64((c * N + n) * L)
            for k in range(L):
                u = np.uint64(k)
                cf[dst + u] = xf[src + u]


def columns_to_images(columns: np.ndarray, bias: Optional[np.ndarray],
                      shape: Tuple[int, int, int, int]) -> np.ndarray:
    """Same contract as nnforge.autograd.conv.columns_to_images; the bias is added during
    the re-layout instead of in a pass of its own."""
    has_bias = bias is not None
    bias = np.ascontiguousarray(bias) if has_bias else np.zeros(1, dtype=columns.dtype)
    if not same_float_arrays(columns, bias):
        return NotImplemented
    images = np.empty(shape, dtype=columns.dtype)
    _columns_to_images(columns, bias, has_bias, images)
    return images


def images_to_columns(images: np.ndarray) -> np.ndarray:
    """Same contract as nnforge.autograd.conv.images_to_columns."""
    if not same_float_arrays(images):
        return NotImplemented
    N, C, H, W = images.shape
    columns = np.empty((C, N * H * W), dtype=images.dtype)
    _images_to_columns(images, columns)
    return columns


def weight_grad(g2: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Same contract as nnforge.autograd.conv.weight_grad, as the same product transposed
    when its shared dimension is long: OpenBLAS runs (cols @ g2.T).T 1.2x faster than
    g2 @ cols.T for the bench CNN's conv2 (6.4 ms vs 7.6 ms on one thread), and no
    slower for conv1."""
    if cols.shape[0] < g2.shape[0]:
        return NotImplemented
    return (cols @ g2.T).T


def im2col(x: np.ndarray, kernel_size: Sequence[int], stride: Pair, padding: Pair,
           dilation: Pair) -> np.ndarray:
    """Same contract as nnforge.autograd.conv.im2col."""
    if not same_float_arrays(x):
        x = np.ascontiguousarray(x)
        if not same_float_arrays(x):
            return NotImplemented
    N, C = x.shape[:2]
    kH, kW = kernel_size
    OH, OW = output_shape(x.shape, kernel_size, stride, padding, dilation)
    cols = np.empty((C, kH, kW, N, OH, OW), dtype=x.dtype)
    _im2col(x, cols, kH, kW, *stride, *padding, *dilation)
    return cols.reshape(C * kH * kW, N * OH * OW)


def col2im(cols: np.ndarray, x_shape: Sequence[int], kernel_size: Sequence[int], stride: Pair,
           padding: Pair, dilation: Pair) -> np.ndarray:
    """Same contract as nnforge.autograd.conv.col2im."""
    if not same_float_arrays(cols):
        return NotImplemented
    N, C = x_shape[:2]
    kH, kW = kernel_size
    OH, OW = output_shape(x_shape, kernel_size, stride, padding, dilation)
    dx = np.zeros(x_shape, dtype=cols.dtype)
    _col2im(cols.reshape(C, kH, kW, N, OH, OW), dx, kH, kW, *stride, *padding, *dilation)
    return dx


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray], stride: Pair,
                   padding: Pair, dilation: Pair) -> Tuple[np.ndarray, Gradients]:
    """Same contract as nnforge.autograd.conv.conv2d_forward, for 3x3 stride-1
    convolutions by Winograd's F(2x2, 3x3) (`nnforge.kernels.winograd`) or directly
    (`nnforge.kernels.direct_conv`) where one of them wins; other convolutions run the
    reference, whose im2col and col2im are the kernels above."""
    algorithm = _algorithm(weight, stride, dilation)
    arrays = _float_contiguous(x, weight, bias) if algorithm else None
    if arrays is None:
        return NotImplemented
    (ph, pw), (dh, dw) = padding, dilation
    if algorithm == "winograd":
        return winograd.conv2d(*arrays, (ph, pw))
    return direct_conv.conv2d(*arrays, (ph, pw), (dh, dw))


def conv2d_relu_max_pool2d(x: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray],
                           stride: Pair, padding: Pair, dilation: Pair,
                           pool: Tuple[Pair, Pair, Pair, Pair]
                           ) -> Tuple[np.ndarray, Gradients]:
    """Same contract as nnforge.autograd.conv_pool.conv2d_relu_max_pool2d, for a 3x3
    stride-1 convolution Winograd takes followed by MaxPool2d(2): each output tile pooled
    as it comes out (`nnforge.kernels.winograd`); the reference (the three ops' kernels
    in a row) runs the rest. (Pooling the direct convolution's rows as they come out
    measured no faster than its kernels in a row: its time is in the convolution.)"""
    pool2 = tuple(map(tuple, pool)) == ((2, 2), (2, 2), (0, 0), (1, 1))
    arrays = (_float_contiguous(x, weight, bias)
              if pool2 and _algorithm(weight, stride, dilation) == "winograd" else None)
    if arrays is None:
        return NotImplemented
    return winograd.conv2d(*arrays, (padding[0], padding[1]), pool=True)


def _algorithm(weight: np.ndarray, stride: Pair, dilation: Pair) -> Optional[str]:
    """"winograd" or "direct" for the convolutions a kernel takes, else None."""
    if weight.shape[2:] != (3, 3) or tuple(stride) != (1, 1):
        return None
    if weight.shape[1] >= WINOGRAD_MIN_CHANNELS and tuple(dilation) == (1, 1):
        return "winograd"
    return "direct" if weight.shape[1] <= DIRECT_MAX_CHANNELS else None


def _float_contiguous(x: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray]
                      ) -> Optional[Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]]:
    """The operands as C-contiguous arrays, or None unless they share a float dtype the
    kernels are compiled for."""
    x, weight = np.ascontiguousarray(x), np.ascontiguousarray(weight)
    bias = None if bias is None else np.ascontiguousarray(bias)
    if not same_float_arrays(*((x, weight) if bias is None else (x, weight, bias))):
        return None
    return x, weight, bias
