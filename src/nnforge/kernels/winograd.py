"""Winograd's F(2x2, 3x3) convolution for 3x3 stride-1 layers, run in blocks of images:
per block, the transforms of `nnforge.kernels.winograd_transforms` (where the algorithm
and its rounding are described) and the 16 products, while the block's arrays still sit
in the core's cache.

What it saves: over the whole batch, the 16 transformed planes are four times the input
and twice the output (the bench CNN's conv2: 6.4 MB and 12.8 MB), so each of the seven
passes of the unblocked form (input transform, products, output transform, re-layout,
and their adjoints) streamed megabytes through memory, and the products, only 32 or 64
deep, ran at half the machine's GEMM peak. A block of a few images keeps a pass's arrays
within the core's 1-2 MB cache, so the next pass finds them there. The blocks also give
the thread plan its split: each thread takes whole blocks and calls BLAS on one thread
(numba's ``np.dot``), so one pool owns the cores for transforms and products alike.

The forward keeps each block's transformed input V for the weight gradient. The
backward sums each thread's share of the weight and bias gradients separately and adds
the shares at the end, so its rounding differs from one pass by a few float32 ulps.
Without the thread plan the whole batch is one pass, its products NumPy's (see `conv2d`).
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Tuple

import numpy as np
from numba import prange

from .. import threads
from ..autograd.conv import Gradients
from ._compile import kernel
from .winograd_transforms import (_deinterleave, _input_grad_tiles, _input_tiles,
                                  _interleave, _output_grad_tiles, _output_tiles,
                                  _pool_tiles, _unpool_tiles, _weight_grad_tiles,
                                  _weight_tiles)

PAD = 16
"""Elements between two transformed planes: 16 streams a multiple of 4 KiB apart would
compete for one set of the L1 cache (4-5x slower transforms, measured on conv2)."""

CACHE_BYTES = 1 << 21
"""How much of a block's arrays (V and M) should fit in a core's cache."""


def block_count(N: int, tiles: int, C_in: int, C_out: int, itemsize: int, parts: int) -> int:
    """How many blocks the N images are cut into: few enough that each keeps V and M
    within `CACHE_BYTES` (1, 2 and 4 MiB measured alike on conv2), and a multiple of the
    `parts` threads (at most N), so each thread gets as many images as the next: block b
    holds images b * N // count up to (b + 1) * N // count. (Blocks of one size, 6 images
    on the bench's conv2, gave the threads 36 and 28 images, a wait of 1/8 of the pass.)"""
    fits = max(1, CACHE_BYTES // (16 * tiles * (C_in + C_out) * itemsize))
    return int(min(N, parts * -(-N // (parts * fits))))


@kernel(threads=True)
def _forward(x: np.ndarray, U: np.ndarray, bias: np.ndarray, has_bias: bool, y: np.ndarray,
             switches: np.ndarray, pool: bool, V: np.ndarray, ph: int, pw: int,
             tiles_h: int, tiles_w: int, blocks: int) -> None:
    """y = the convolution of x by the transformed kernels U (16, C_out, C_in), block by
    block (see `block_count`), or with `pool` its ReLU and 2x2 max pooling (and their
    switches); block b's transformed input is kept in V from
    b * 16 * (C_in * ceil(N / blocks) * tiles + PAD)."""
    N, C_in = x.shape[0], x.shape[1]
    C_out = y.shape[1]
    tiles = tiles_h * tiles_w
    room = C_in * ((N + blocks - 1) // blocks) * tiles + PAD
    for b in prange(blocks):
        n0, n1 = b * N // blocks, (b + 1) * N // blocks
        P = (n1 - n0) * tiles
        SV, SM = C_in * P + PAD, C_out * P + PAD
        start = b * 16 * room
        Vb = V[start:start + 16 * SV]
        _input_tiles(x[n0:n1], Vb, SV, ph, pw, tiles_h, tiles_w)
        M = np.empty(16 * SM, dtype=x.dtype)
        for i in range(16):
            np.dot(U[i], Vb[i * SV:i * SV + C_in * P].reshape(C_in, P),
                   M[i * SM:i * SM + C_out * P].reshape(C_out, P))
        T = np.empty(4 * C_out * P, dtype=x.dtype)
        _output_tiles(M, SM, T, C_out * P)
        if pool:
            _pool_tiles(T, bias, has_bias, y[n0:n1], switches[n0:n1], tiles_h, tiles_w)
        else:
            _interleave(T, bias, has_bias, y[n0:n1])


@kernel(threads=True)
def _backward(grad: np.ndarray, y: np.ndarray, switches: np.ndarray, pool: bool,
              U: np.ndarray, V: np.ndarray, dx: np.ndarray, dUT: np.ndarray, db: np.ndarray,
              needs_x: bool, ph: int, pw: int, tiles_h: int, tiles_w: int, blocks: int
              ) -> None:
    """The gradients of `_forward`, block by block: dx (when needs_x) and each thread's
    share of the transposed weight gradient dUT[part] (16, C_in, C_out) and of the bias
    gradient db[part], for part in range(len(dUT)), which start at zero. With `pool`,
    grad is the pooled output y's gradient."""
    N, C_out = grad.shape[0], grad.shape[1]
    C_in = U.shape[2]
    tiles = tiles_h * tiles_w
    room = C_in * ((N + blocks - 1) // blocks) * tiles + PAD
    parts = dUT.shape[0]
    for part in prange(parts):
        product = np.empty((C_in, C_out), dtype=grad.dtype)
        db_block = np.empty(C_out, dtype=grad.dtype)
        for b in range(blocks * part // parts, blocks * (part + 1) // parts):
            n0, n1 = b * N // blocks, (b + 1) * N // blocks
            P = (n1 - n0) * tiles
            SV, SM = C_in * P + PAD, C_out * P + PAD
            start = b * 16 * room
            Vb = V[start:start + 16 * SV]
            T = np.empty(4 * C_out * P, dtype=grad.dtype)
            if pool:
                _unpool_tiles(grad[n0:n1], y[n0:n1], switches[n0:n1], T, db_block,
                              tiles_h, tiles_w)
            else:
                _deinterleave(grad[n0:n1], T, db_block)
            db[part] += db_block
            dM = np.empty(16 * SM, dtype=grad.dtype)
            _output_grad_tiles(T, C_out * P, dM, SM)
            for i in range(16):
                np.dot(Vb[i * SV:i * SV + C_in * P].reshape(C_in, P),
                       dM[i * SM:i * SM + C_out * P].reshape(P, C_out), product)
                dUT[part, i] += product
            if needs_x:
                dV = np.empty(16 * SV, dtype=grad.dtype)
                for i in range(16):
                    np.dot(dM[i * SM:i * SM + C_out * P].reshape(P, C_out), U[i],
                           dV[i * SV:i * SV + C_in * P].reshape(P, C_in))
                _input_grad_tiles(dV, SV, dx[n0:n1], ph, pw, tiles_h, tiles_w)


def weight_tiles(weight: np.ndarray) -> np.ndarray:
    """U = G w G^T for every (C_out, C_in) kernel, as (16, C_out, C_in)."""
    C_out, C_in = weight.shape[:2]
    U = np.empty((16, C_out, C_in), dtype=weight.dtype)
    _weight_tiles(np.ascontiguousarray(weight).reshape(C_out * C_in, 9),
                  U.reshape(16, C_out * C_in))
    return U


def weight_grad_tiles(dUT: np.ndarray) -> np.ndarray:
    """dw = G^T dU G (the adjoint of `weight_tiles`) of dU = the sum of the shares
    dUT[s] (16, C_in, C_out), the transposed layout of the backward's products:
    (shares, 16, C_in, C_out) -> (C_out, C_in, 3, 3)."""
    shares, _, C_in, C_out = dUT.shape
    dw = np.empty((C_out, C_in, 3, 3), dtype=dUT.dtype)
    _weight_grad_tiles(dUT.reshape(shares, 16, C_in * C_out), dw.reshape(C_out, C_in, 9))
    return dw


def planes(rows: int, cols: int, dtype: np.dtype) -> Tuple[np.ndarray, int, np.ndarray]:
    """(flat, S, view): room for 16 (rows, cols) matrices S = rows * cols + PAD elements
    apart, and a (16, rows, cols) view of them."""
    S = rows * cols + PAD
    flat = np.empty(16 * S, dtype=dtype)
    size = flat.itemsize
    return flat, S, np.lib.stride_tricks.as_strided(flat, (16, rows, cols),
                                                    (S * size, cols * size, size))


class _Output(NamedTuple):
    """Where the convolution goes: y itself, or with `pool` y = max_pool2d(relu(.), 2)
    and the switches of the pooling."""
    y: np.ndarray
    switches: np.ndarray
    pool: bool


def conv2d(x: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray],
           padding: Tuple[int, int], pool: bool = False) -> Tuple[np.ndarray, Gradients]:
    """A 3x3, stride-1, undilated convolution of contiguous float arrays by F(2x2, 3x3):
    (out, backward) as nnforge.autograd.conv.conv2d_forward returns them; with `pool`,
    out is max_pool2d(relu(the convolution), 2) and backward takes its gradient
    (nnforge.autograd.conv_pool's contract). In blocks of images on the kernel threads
    while the thread plan is on; else the whole batch at once, its products NumPy's on
    BLAS's own threads (numba's products would call a second BLAS, SciPy's, whose
    spinning threads fight NumPy's: 3x slower steps)."""
    N, C_in, H, W = x.shape
    OH, OW = H + 2 * padding[0] - 2, W + 2 * padding[1] - 2
    tiles = ((OH + 1) // 2, (OW + 1) // 2)
    shape = (N, weight.shape[0]) + ((OH // 2, OW // 2) if pool else (OH, OW))
    out = _Output(np.empty(shape, dtype=x.dtype),
                 np.empty(shape if pool else (0, 0, 0, 0), dtype=np.int8), pool)
    U = weight_tiles(weight)
    bias_or_zero = np.zeros(1, x.dtype) if bias is None else bias
    if threads.kernel_threads() > 1:
        return out.y, _in_blocks(x, U, bias_or_zero, bias is not None, out, padding, tiles)
    return out.y, _whole_batch(x, U, bias_or_zero, bias is not None, out, padding, tiles)


def _in_blocks(x: np.ndarray, U: np.ndarray, bias: np.ndarray, has_bias: bool,
               out: _Output, padding: Tuple[int, int], tiles: Tuple[int, int]
               ) -> Gradients:
    """Fill `out` by `_forward`; returns the gradients' function."""
    N, C_in, H, W = x.shape
    C_out = U.shape[1]
    blocks = block_count(N, tiles[0] * tiles[1], C_in, C_out, x.itemsize,
                         threads.kernel_threads())
    V = np.empty(blocks * 16 * (C_in * -(-N // blocks) * tiles[0] * tiles[1] + PAD),
                 dtype=x.dtype)
    _forward(x, U, bias, has_bias, *out, V, *padding, *tiles, blocks)

    def backward(grad: np.ndarray, needs_x: bool, needs_w: bool, needs_b: bool
                 ) -> Tuple[Optional[np.ndarray], Optional[np.ndarray], Optional[np.ndarray]]:
        grad = np.ascontiguousarray(grad, dtype=x.dtype)
        shares = max(1, min(threads.kernel_threads(), blocks))
        dUT = np.zeros((shares, 16, C_in, C_out), dtype=x.dtype)
        db = np.zeros((shares, C_out), dtype=x.dtype)
        gx = np.empty(x.shape if needs_x else (0, C_in, H, W), dtype=x.dtype)
        _backward(grad, *out, U, V, gx, dUT, db, needs_x, *padding, *tiles, blocks)
        gw = weight_grad_tiles(dUT) if needs_w else None
        return gx if needs_x else None, gw, db.sum(axis=0) if needs_b else None

    return backward


def _whole_batch(x: np.ndarray, U: np.ndarray, bias: np.ndarray, has_bias: bool,
                 out: _Output, padding: Tuple[int, int], tiles: Tuple[int, int]
                 ) -> Gradients:
    """Fill `out` one pass at a time over the whole batch; returns the gradients'
    function."""
    N, C_in = x.shape[:2]
    C_out = U.shape[1]
    P = N * tiles[0] * tiles[1]
    V, SV, V3 = planes(C_in, P, x.dtype)
    _input_tiles(x, V, SV, *padding, *tiles)
    M, SM, M3 = planes(C_out, P, x.dtype)
    np.matmul(U, V3, out=M3)
    T = np.empty(4 * C_out * P, dtype=x.dtype)
    _output_tiles(M, SM, T, C_out * P)
    del M, M3
    if out.pool:
        _pool_tiles(T, bias, has_bias, out.y, out.switches, *tiles)
    else:
        _interleave(T, bias, has_bias, out.y)

    def backward(grad: np.ndarray, needs_x: bool, needs_w: bool, needs_b: bool
                 ) -> Tuple[Optional[np.ndarray], Optional[np.ndarray], Optional[np.ndarray]]:
        grad = np.ascontiguousarray(grad, dtype=x.dtype)
        T = np.empty(4 * C_out * P, dtype=x.dtype)
        db = np.empty(C_out, dtype=x.dtype)
        if out.pool:
            _unpool_tiles(grad, out.y, out.switches, T, db, *tiles)
        else:
            _deinterleave(grad, T, db)
        dM, SM, dM3 = planes(P, C_out, x.dtype)            # tile-major
        _output_grad_tiles(T, C_out * P, dM, SM)
        gw = gx = None
        if needs_w:
            dUT = np.empty((16, C_in, C_out), dtype=x.dtype)
            gw = weight_grad_tiles(np.matmul(V3, dM3, out=dUT)[None])
        if needs_x:
            dV, _, dV3 = planes(P, C_in, x.dtype)
            np.matmul(dM3, U, out=dV3)
            gx = np.empty(x.shape, dtype=x.dtype)
            _input_grad_tiles(dV, SV, gx, *padding, *tiles)
        return gx, gw, db if needs_b else None

    return backward
