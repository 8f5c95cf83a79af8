"""A direct stride-1 convolution for inputs with few channels (a CNN's first layer).

What it saves: with one input channel and a 3x3 kernel, im2col's GEMM is only 9 deep, so
the GEMM runs far below the machine's peak while im2col writes 9 copies of the input, the
GEMM's (C_out, N*H*W) result is re-laid out to NCHW, and the backward re-lays the output
gradient out again for its weight-gradient GEMM. Here each output plane is accumulated
in place, tap by tap, from the zero-padded input plane ("flat rows": the padded plane is
one long row, so a tap is one shift of it and every loop is a long branch-free run that
LLVM vectorizes; the few outputs that wrap around a row edge are computed and dropped).
The weight and bias gradients are dot products of each output gradient plane with the
same shifted input planes.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from numba import prange

from ..autograd.conv import Gradients, col2im, images_to_columns
from ..threads import kernel_threads
from ._compile import helper, kernel


@kernel(threads=True)
def _pad_planes(x: np.ndarray, padded: np.ndarray, ph: int, pw: int, Wp: int) -> None:
    """padded[n, c] = the flat zero-padded plane of x[n, c] (rows Wp long); images split
    over the threads."""
    N, C, H, W = x.shape
    for n in prange(N):
        for c in range(C):
            for h in range(H):
                dst = np.uint64((ph + h) * Wp + pw)
                for w in range(W):
                    padded[n, c, dst + np.uint64(w)] = x[n, c, h, w]


@kernel(threads=True)
def _forward(padded: np.ndarray, weight: np.ndarray, bias: np.ndarray, has_bias: bool,
             offsets: np.ndarray, out: np.ndarray, Wp: int) -> None:
    """out = bias + the 3x3 kernel's nine taps, summed in registers over each output row
    (one store per output instead of a load and a store per tap). Images split over the
    threads."""
    N, C_out, OH, OW = out.shape
    C_in = weight.shape[1]
    plane = padded.shape[2]
    flat = padded.reshape(-1)
    of = out.reshape(-1)
    o0, o1, o2, o3, o4, o5, o6, o7, o8 = (
        np.uint64(offsets[0]), np.uint64(offsets[1]), np.uint64(offsets[2]),
        np.uint64(offsets[3]), np.uint64(offsets[4]), np.uint64(offsets[5]),
        np.uint64(offsets[6]), np.uint64(offsets[7]), np.uint64(offsets[8]))
    for n in prange(N):
        for o in range(C_out):
            b = bias[o] if has_bias else 0
            for c in range(C_in):
                w0, w1, w2, w3, w4, w5, w6, w7, w8 = (
                    weight[o, c, 0], weight[o, c, 1], weight[o, c, 2], weight[o, c, 3],
                    weight[o, c, 4], weight[o, c, 5], weight[o, c, 6], weight[o, c, 7],
                    weight[o, c, 8])
                for h in range(OH):
                    src = np.uint64((n * C_in + c) * plane + h * Wp)
                    dst = np.uint64(((n * C_out + o) * OH + h) * OW)
                    for w in range(OW):
                        k = src + np.uint64(w)
                        total = (w0 * flat[k + o0] + w1 * flat[k + o1] + w2 * flat[k + o2]
                                 + w3 * flat[k + o3] + w4 * flat[k + o4] + w5 * flat[k + o5]
                                 + w6 * flat[k + o6] + w7 * flat[k + o7] + w8 * flat[k + o8])
                        u = dst + np.uint64(w)
                        of[u] = (of[u] if c else b) + total


@helper(reassociate=True)
def _weight_grad_images(flat: np.ndarray, gf: np.ndarray, offsets: np.ndarray,
                        sums: np.ndarray, bias_sums: np.ndarray, shape: np.ndarray,
                        lo: int, hi: int) -> None:
    """Add images lo..hi-1's share of the weight and bias gradients to `sums` (C_out,
    C_in, 9) and `bias_sums` (C_out); shape = (C_out, OH, OW, C_in, Wp, plane)."""
    C_out, OH, OW, C_in, Wp, plane = shape
    L = OH * Wp
    rows = np.zeros(L, dtype=gf.dtype)         # the gradient plane, zero where outputs wrap
    zero = rows[0]
    for n in range(lo, hi):
        for o in range(C_out):
            total = 0.0
            for h in range(OH):
                dst = np.uint64(h * Wp)
                src = np.uint64(((n * C_out + o) * OH + h) * OW)
                for w in range(OW):
                    value = gf[src + np.uint64(w)]
                    rows[dst + np.uint64(w)] = value
                    total += value
            bias_sums[o] += total
            for c in range(C_in):
                for t in range(9):
                    source = np.uint64((n * C_in + c) * plane + offsets[t])
                    dot = zero               # one plane's sum in the input's type
                    for k in range(L):
                        u = np.uint64(k)
                        dot += rows[u] * flat[source + u]
                    sums[o, c, t] += dot


@kernel(reassociate=True, threads=True)
def _weight_grad(padded: np.ndarray, grad: np.ndarray, offsets: np.ndarray, gw: np.ndarray,
                 gb: np.ndarray, Wp: int, parts: int) -> None:
    """gw[o, c, t] = sum over n and outputs of grad times the input tap t saw; gb[o] = the
    sum of grad (the planes' sums accumulated in float64). The images are cut into
    `parts` runs, one per thread, each with its own sums, added at the end (split over
    the output channels instead, the input planes would be read once per channel)."""
    N, C_out, OH, OW = grad.shape
    C_in = padded.shape[1]
    shape = np.array([C_out, OH, OW, C_in, Wp, padded.shape[2]])
    sums = np.zeros((parts, C_out, C_in, 9))
    bias_sums = np.zeros((parts, C_out))
    for part in prange(parts):
        _weight_grad_images(padded.reshape(-1), grad.reshape(-1), offsets, sums[part],
                            bias_sums[part], shape, N * part // parts, N * (part + 1) // parts)
    for o in range(C_out):
        gb[o] = bias_sums[:, o].sum()
        for c in range(C_in):
            for t in range(9):
                gw[o, c, t] = sums[:, o, c, t].sum()


def conv2d(x: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray],
           padding: Tuple[int, int], dilation: Tuple[int, int]) -> Tuple[np.ndarray, Gradients]:
    """A 3x3 stride-1 convolution of contiguous float arrays, computed directly: (out,
    gradients) as nnforge.autograd.conv.conv2d_forward returns them."""
    N, C_in, H, W = x.shape
    C_out, _, kH, kW = weight.shape
    (ph, pw), (dh, dw) = padding, dilation
    Hp, Wp = H + 2 * ph, W + 2 * pw
    OH, OW = Hp - dh * (kH - 1), Wp - dw * (kW - 1)
    offsets = np.array([i * dh * Wp + j * dw for i in range(kH) for j in range(kW)],
                       dtype=np.int64)
    # zero slack after the last row: the wrapped outputs of the last row read past it
    padded = np.zeros((N, C_in, Hp * Wp + dw * (kW - 1)), dtype=x.dtype)
    _pad_planes(x, padded, ph, pw, Wp)
    w3 = weight.reshape(C_out, C_in, kH * kW)
    out = np.empty((N, C_out, OH, OW), dtype=x.dtype)
    _forward(padded, w3, np.zeros(1, x.dtype) if bias is None else bias, bias is not None,
             offsets, out, Wp)

    def gradients(grad: np.ndarray, needs_x: bool, needs_w: bool, needs_b: bool
                  ) -> Tuple[Optional[np.ndarray], Optional[np.ndarray], Optional[np.ndarray]]:
        grad = np.ascontiguousarray(grad, dtype=x.dtype)
        gw = gb = gx = None
        if needs_w or needs_b:
            gw = np.empty(w3.shape, dtype=x.dtype)
            gb = np.empty(C_out, dtype=x.dtype)
            _weight_grad(padded, grad, offsets, gw, gb, Wp, kernel_threads())
            gw = gw.reshape(weight.shape)
        if needs_x:      # rare for a first layer: the columns' way, through the kernels
            gx = col2im(w3.reshape(C_out, -1).T @ images_to_columns(grad), x.shape,
                        (kH, kW), (1, 1), padding, dilation)
        return gx, gw if needs_w else None, gb if needs_b else None

    return out, gradients
