"""Max and average pooling as compiled loops (the references are in
nnforge.autograd.pooling).

What they save: the reference pads the input with -inf into a new array and makes, per
kernel tap, a comparison, a select and a masked write over the whole output (about five
passes per tap); the kernel visits each window once, keeps the running maximum in a
register and writes the output and its switch once. The backward adds each gradient to
the one input its switch names, instead of one masked pass over the output per tap.
"""
from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np
from numba import prange

from ..autograd.conv import Pair, conv_output_size
from ..autograd.pooling import _PoolGeometry, average_scale, switch_dtype
from ._compile import helper, kernel, runs, same_float_arrays
from .conv import _row_range
from .pool_window import max_of_four


@kernel
def _max_pool(x: np.ndarray, out: np.ndarray, switches: np.ndarray, kH: int, kW: int, sh: int,
              sw: int, ph: int, pw: int, dh: int, dw: int) -> None:
    N, C, H, W = x.shape
    OH, OW = out.shape[2], out.shape[3]
    neg_inf = -np.inf
    for n in range(N):
        for c in range(C):
            image = x[n, c]
            for oh in range(OH):
                for ow in range(OW):
                    best = image[0, 0]
                    arg = 0
                    for i in range(kH):
                        ih = oh * sh - ph + i * dh
                        for j in range(kW):
                            iw = ow * sw - pw + j * dw
                            if 0 <= ih < H and 0 <= iw < W:
                                value = image[ih, iw]
                            else:
                                value = neg_inf              # padding is never chosen
                            t = i * kW + j
                            # tap 0 starts the maximum; later taps win only when larger
                            # (ties keep the first) or NaN (PyTorch's rule)
                            if t == 0 or value > best or value != value:
                                best = value
                                arg = t
                    out[n, c, oh, ow] = best
                    switches[n, c, oh, ow] = arg


@kernel
def _max_pool_tiled(x: np.ndarray, out: np.ndarray, switches: np.ndarray, kH: int,
                    kW: int) -> None:
    """Windows that tile the image (stride = kernel, no padding, no dilation): no bounds
    checks, and flat unsigned indices so the loops carry no negative-index checks."""
    N, C, H, W = x.shape
    OH, OW = out.shape[2], out.shape[3]
    xf = x.reshape(-1)
    of = out.reshape(-1)
    sf = switches.reshape(-1)
    rows = np.uint64(W)
    for plane in range(N * C):
        image = np.uint64(plane * H * W)
        for oh in range(OH):
            target = np.uint64((plane * OH + oh) * OW)
            for ow in range(OW):
                corner = image + np.uint64(oh * kH) * rows + np.uint64(ow * kW)
                best = xf[corner]
                arg = 0
                for i in range(kH):
                    for j in range(kW):
                        value = xf[corner + np.uint64(i) * rows + np.uint64(j)]
                        if value > best or value != value:       # see _max_pool
                            best = value
                            arg = i * kW + j
                of[target + np.uint64(ow)] = best
                sf[target + np.uint64(ow)] = arg


@helper
def _max_pool_2x2_planes(xf: np.ndarray, of: np.ndarray, sf: np.ndarray, H: int, W: int,
                         lo: int, hi: int) -> None:
    """MaxPool2d(2) of the flat planes lo..hi-1: four loads and `max_of_four`'s three
    compare-selects per output, which LLVM vectorizes across outputs (0.54 ms instead of
    3.1 ms for the general tiled loop on 64x32x28x28)."""
    OH, OW = H // 2, W // 2
    one = np.uint64(1)
    for plane in range(lo, hi):
        for oh in range(OH):
            top = np.uint64((plane * H + 2 * oh) * W)
            bottom = top + np.uint64(W)
            target = np.uint64((plane * OH + oh) * OW)
            for ow in range(OW):
                u = np.uint64(2 * ow)
                of[target + np.uint64(ow)], sf[target + np.uint64(ow)] = max_of_four(
                    xf[top + u], xf[top + u + one], xf[bottom + u], xf[bottom + u + one])


@kernel(threads=True)
def _max_pool_2x2(x: np.ndarray, out: np.ndarray, switches: np.ndarray, parts: int) -> None:
    """MaxPool2d(2), the common case; the planes cut into `parts` runs, one per thread
    (a prange over the planes themselves would not vectorize: 2.7 ms instead of 0.55)."""
    N, C, H, W = x.shape
    planes = N * C
    xf, of, sf = x.reshape(-1), out.reshape(-1), switches.reshape(-1)
    for part in prange(parts):
        _max_pool_2x2_planes(xf, of, sf, H, W, planes * part // parts,
                             planes * (part + 1) // parts)


@kernel(threads=True)
def _max_pool_tiled_backward(grad: np.ndarray, switches: np.ndarray, dx: np.ndarray, kH: int,
                             kW: int) -> None:
    """dx = zero, and each output's gradient where its maximum was (windows do not
    overlap); planes split over the threads, each zeroing its own (which spares a serial
    pass over dx)."""
    N, C, H, W = dx.shape
    OH, OW = grad.shape[2], grad.shape[3]
    gf = grad.reshape(-1)
    sf = switches.reshape(-1)
    dxf = dx.reshape(-1)
    rows = np.uint64(W)
    for plane in prange(N * C):
        image = np.uint64(plane * H * W)
        dxf[plane * H * W:(plane + 1) * H * W] = 0
        for oh in range(OH):
            source = np.uint64((plane * OH + oh) * OW)
            for ow in range(OW):
                t = sf[source + np.uint64(ow)]
                corner = image + np.uint64(oh * kH) * rows + np.uint64(ow * kW)
                dxf[corner + np.uint64(t // kW) * rows + np.uint64(t % kW)] = \
                    gf[source + np.uint64(ow)]


@kernel
def _max_pool_backward(grad: np.ndarray, switches: np.ndarray, dx: np.ndarray, kW: int, sh: int,
                       sw: int, ph: int, pw: int, dh: int, dw: int) -> None:
    N, C, H, W = dx.shape
    OH, OW = grad.shape[2], grad.shape[3]
    for n in range(N):
        for c in range(C):
            for oh in range(OH):
                for ow in range(OW):
                    t = switches[n, c, oh, ow]
                    ih = oh * sh - ph + (t // kW) * dh
                    iw = ow * sw - pw + (t % kW) * dw
                    if 0 <= ih < H and 0 <= iw < W:
                        dx[n, c, ih, iw] += grad[n, c, oh, ow]


def max_pool2d(x: np.ndarray, kernel_size: Pair, stride: Pair, padding: Pair,
               dilation: Pair) -> Tuple[np.ndarray, np.ndarray]:
    """Same contract as nnforge.autograd.pooling.max_pool2d."""
    if not same_float_arrays(x):
        x = np.ascontiguousarray(x)
        if not same_float_arrays(x):
            return NotImplemented
    N, C, H, W = x.shape
    (kH, kW), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    OH = conv_output_size(H, kH, sh, ph, dh)
    OW = conv_output_size(W, kW, sw, pw, dw)
    out = np.empty((N, C, OH, OW), dtype=x.dtype)
    switches: np.ndarray = np.empty((N, C, OH, OW), dtype=switch_dtype(kH * kW))
    if _tiles(kernel_size, stride, padding, dilation) and (kH, kW) == (2, 2):
        _max_pool_2x2(x, out, switches, runs(x.size))
    elif _tiles(kernel_size, stride, padding, dilation):
        _max_pool_tiled(x, out, switches, kH, kW)
    else:
        _max_pool(x, out, switches, kH, kW, sh, sw, ph, pw, dh, dw)
    return out, switches


def max_pool2d_backward(grad: np.ndarray, switches: np.ndarray, x_shape: Sequence[int],
                        kernel_size: Pair, stride: Pair, padding: Pair,
                        dilation: Pair) -> np.ndarray:
    """Same contract as nnforge.autograd.pooling.max_pool2d_backward."""
    grad = np.ascontiguousarray(grad)
    if not same_float_arrays(grad) or not switches.flags.c_contiguous:
        return NotImplemented
    if _tiles(kernel_size, stride, padding, dilation):
        dx = np.empty(x_shape, dtype=grad.dtype)
        _max_pool_tiled_backward(grad, switches, dx, *kernel_size)
    else:
        dx = np.zeros(x_shape, dtype=grad.dtype)
        _max_pool_backward(grad, switches, dx, kernel_size[1], *stride, *padding, *dilation)
    return dx


@kernel
def _avg_pool(x: np.ndarray, scale: np.ndarray, out: np.ndarray, kH: int, kW: int, sh: int,
              sw: int, ph: int, pw: int) -> None:
    """Window sums tap by tap, as the reference adds them (so the sums are the same), but
    each tap over only the outputs it reaches inside the image, with unsigned indices so
    the rows vectorize (see kernels/conv.py)."""
    N, C, H, W = x.shape
    OH, OW = out.shape[2], out.shape[3]
    xf = x.reshape(-1)
    of = out.reshape(-1)
    sf = scale.reshape(-1)
    step = np.uint64(sw)
    for plane in range(N * C):
        image = plane * H * W
        target = plane * OH * OW
        for k in range(target, target + OH * OW):
            of[k] = 0
        for i in range(kH):
            top, bottom = _row_range(i, OH, H, sh, ph, 1)
            for j in range(kW):
                lo, hi = _row_range(j, OW, W, sw, pw, 1)
                for oh in range(top, bottom):
                    src = np.uint64(image + (oh * sh - ph + i) * W + j - pw)
                    dst = np.uint64(target + oh * OW)
                    for ow in range(lo, hi):
                        u = np.uint64(ow)
                        of[dst + u] += xf[src + u * step]
        for k in range(OH * OW):
            of[target + k] *= sf[k]


@kernel
def _avg_pool_backward(grad: np.ndarray, scale: np.ndarray, dx: np.ndarray, kH: int, kW: int,
                       sh: int, sw: int, ph: int, pw: int) -> None:
    N, C, H, W = dx.shape
    OH, OW = grad.shape[2], grad.shape[3]
    gf = grad.reshape(-1)
    sf = scale.reshape(-1)
    dxf = dx.reshape(-1)
    share = np.empty(OH * OW, dtype=grad.dtype)
    step = np.uint64(sw)
    for plane in range(N * C):
        image = plane * H * W
        source = plane * OH * OW
        for k in range(OH * OW):
            share[k] = gf[source + k] * sf[k]
        for i in range(kH):
            top, bottom = _row_range(i, OH, H, sh, ph, 1)
            for j in range(kW):
                lo, hi = _row_range(j, OW, W, sw, pw, 1)
                for oh in range(top, bottom):
                    dst = np.uint64(image + (oh * sh - ph + i) * W + j - pw)
                    row = np.uint64(oh * OW)
                    for ow in range(lo, hi):
                        u = np.uint64(ow)
                        dxf[dst + u * step] += share[row + u]


def avg_pool2d(x: np.ndarray, kernel_size: Pair, stride: Pair, padding: Pair,
               count_include_pad: bool) -> Tuple[np.ndarray, np.ndarray]:
    """Same contract as nnforge.autograd.pooling.avg_pool2d: one pass over the input,
    where the reference pads it and makes one pass per kernel tap."""
    if not same_float_arrays(x):
        x = np.ascontiguousarray(x)
        if not same_float_arrays(x):
            return NotImplemented
    g = _PoolGeometry(x.shape, kernel_size, stride, padding, (1, 1), "avg_pool2d")
    scale = average_scale(g, count_include_pad, x.dtype)
    out = np.empty((g.N, g.C, g.OH, g.OW), dtype=x.dtype)
    _avg_pool(x, np.ascontiguousarray(np.broadcast_to(scale, (g.OH, g.OW))), out,
              g.kH, g.kW, g.sh, g.sw, g.ph, g.pw)
    return out, scale


def avg_pool2d_backward(grad: np.ndarray, scale: np.ndarray, x_shape: Sequence[int],
                        kernel_size: Pair, stride: Pair, padding: Pair) -> np.ndarray:
    """Same contract as nnforge.autograd.pooling.avg_pool2d_backward."""
    grad = np.ascontiguousarray(grad)
    if not same_float_arrays(grad) or np.asarray(scale).dtype != grad.dtype:
        return NotImplemented
    g = _PoolGeometry(x_shape, kernel_size, stride, padding, (1, 1), "avg_pool2d")
    dx = np.zeros(x_shape, dtype=grad.dtype)
    _avg_pool_backward(grad, np.ascontiguousarray(np.broadcast_to(scale, (g.OH, g.OW))), dx,
                       g.kH, g.kW, g.sh, g.sw, g.ph, g.pw)
    return dx


def _tiles(kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair) -> bool:
    """Windows side by side without gaps or overlap (the usual MaxPool2d(2))."""
    return (tuple(kernel_size) == tuple(stride) and tuple(padding) == (0, 0)
            and tuple(dilation) == (1, 1))
