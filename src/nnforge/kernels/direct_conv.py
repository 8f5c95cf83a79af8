"""A direct stride-1 convolution for inputs with few channels (a CNN's first layer).

What it saves: with one input channel and a 3x3 kernel, im2col's GEMM is only 9 deep, so
the GEMM runs far below the machine's peak while im2col writes 9 copies of the input, the
GEMM's (C_out, N*H*W) result is re-laid out to NCHW, and the backward re-lays the output
gradient out again for its weight-gradient GEMM. Here each output plane is accumulated
in place, tap by tap, from the zero-padded input plane ("flat rows": the padded plane is
one long row, so a tap is one shift of it and every loop is a long branch-free run that
LLVM vectorizes; the few outputs that wrap around a row edge are computed and dropped).
The weight and bias gradients are one small GEMM per image: its output gradient planes
times its shifted input planes (plus a row of ones for the bias), 2-5x faster than dot
products plane by plane, which re-read the gradient for every tap.
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


@helper
def _image_columns(padded: np.ndarray, n: int, offsets: np.ndarray, Wp: int, OH: int,
                   OW: int, columns: np.ndarray) -> None:
    """columns[c * taps + t] = the input plane c of image n as tap t sees it (OH * OW
    values), and the last row ones: the image's columns for the weight and bias
    gradients."""
    C_in, taps = padded.shape[1], offsets.size
    for c in range(C_in):
        for t in range(taps):
            for h in range(OH):
                src = offsets[t] + h * Wp
                columns[c * taps + t, h * OW:(h + 1) * OW] = padded[n, c, src:src + OW]
    columns[columns.shape[0] - 1] = 1


@kernel
def _columns(padded: np.ndarray, offsets: np.ndarray, Wp: int, OH: int, OW: int,
             columns: np.ndarray) -> None:
    """`_image_columns` of every image into columns (N, C_in * taps + 1, OH * OW); used
    only with the thread plan off, so serial."""
    for n in range(columns.shape[0]):
        _image_columns(padded, n, offsets, Wp, OH, OW, columns[n])


@kernel(threads=True)
def _weight_grad(padded: np.ndarray, grad: np.ndarray, offsets: np.ndarray, Wp: int,
                 sums: np.ndarray) -> None:
    """sums[part] += grad[n] (C_out, OH * OW) @ `_image_columns`(n).T for the images n of
    run `part` (the images cut into len(sums) runs, one per thread): one small GEMM per
    image, numba's np.dot through SciPy's BLAS (so only with the thread plan on)."""
    N, C_out, OH, OW = grad.shape
    parts = sums.shape[0]
    for part in prange(parts):
        columns = np.empty((sums.shape[2], OH * OW), dtype=grad.dtype)
        product = np.empty((C_out, sums.shape[2]), dtype=grad.dtype)
        for n in range(N * part // parts, N * (part + 1) // parts):
            _image_columns(padded, n, offsets, Wp, OH, OW, columns)
            np.dot(grad[n].reshape(C_out, OH * OW), columns.T, product)
            sums[part] += product


def _weight_and_bias_grads(padded: np.ndarray, grad: np.ndarray, offsets: np.ndarray,
                           Wp: int) -> np.ndarray:
    """(C_out, C_in * taps + 1): the weight gradient's columns, then the bias gradient.
    Each image's gradient planes times its columns transposed (`_image_columns`: the last
    row of ones sums the planes into the bias gradient), summed over the images: on the
    kernel threads while the plan is on, else one batched NumPy product."""
    N, C_out, OH, OW = grad.shape
    K = padded.shape[1] * offsets.size + 1
    parts = kernel_threads()
    if parts > 1:
        sums = np.zeros((parts, C_out, K), dtype=grad.dtype)
        _weight_grad(padded, grad, offsets, Wp, sums)
        return sums.sum(axis=0)
    columns = np.empty((N, K, OH * OW), dtype=grad.dtype)
    _columns(padded, offsets, Wp, OH, OW, columns)
    return np.matmul(grad.reshape(N, C_out, OH * OW), columns.transpose(0, 2, 1)).sum(axis=0)


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
            total = _weight_and_bias_grads(padded, grad, offsets, Wp)
            gw, gb = total[:, :-1].reshape(weight.shape), total[:, -1].copy()
        if needs_x:      # rare for a first layer: the columns' way, through the kernels
            gx = col2im(w3.reshape(C_out, -1).T @ images_to_columns(grad), x.shape,
                        (kH, kW), (1, 1), padding, dilation)
        return gx, gw if needs_w else None, gb if needs_b else None

    return out, gradients
