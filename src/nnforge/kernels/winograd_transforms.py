"""The transforms of Winograd's F(2x2, 3x3) convolution (`nnforge.kernels.winograd` runs
them around the 16 products).

What it saves: im2col multiplies every output by all 9 taps of every input channel (9
multiply-adds per output and channel). Winograd's minimal filtering cuts each 4x4 input
tile and the 3x3 kernel into 16 transformed values, so one 2x2 tile of outputs costs 16
multiplications per channel instead of 36: 2.25x less arithmetic in the GEMMs, which
are most of a 3x3 convolution's time. The 16 products over the channels are 16 batched
GEMMs, (C_out, C_in) @ (C_in, tiles), one per transformed position. Both gradients are the
same three steps run backwards (the adjoint of each transform):

    forward   U = G w G^T,  V = B^T d B,  M = U V (per position),  y = A^T M A
    backward  dM = A dy A^T,  dU = dM V^T,  dV = U^T dM,  dw = G^T dU G,  dx += B dV B^T

with d a 4x4 tile of the zero-padded input (tiles overlap by two pixels), y its 2x2 output
tile, and Lavin and Gray's matrices (Fast Algorithms for Convolutional Neural Networks,
2016):

    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]

Arrays: P = N * tiles_h * tiles_w tiles numbered (n, tile row, tile column); position
xi = 4 * a + b of a tile's 4x4 transform. The forward is channel-major: V is (16, C_in, P)
and the GEMMs' results M (16, C_out, P). The backward is tile-major: dM is (16, P, C_out)
and dV (16, P, C_in), so both of its products, dU^T = V dM and dV = dM U, take their
operands as stored (with dM channel-major, dM V^T ran at 60 GFLOP/s on one core against
108 for V dM, and the backward of the bench's conv2 took 0.4-0.6 ms longer).

Rounding: the transforms add and subtract a few values, so results differ from im2col's
by a few float32 ulps of the inputs' magnitude.
A NaN or an infinity in the input reaches all four outputs of its tile (with im2col, only
the outputs whose window holds it).
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from ._compile import helper, kernel
from .pool_window import max_relu_of_four


@helper
def _bt(d0: float, d1: float, d2: float, d3: float) -> Tuple[float, float, float, float]:
    """B^T times a column of four values."""
    return d0 - d2, d1 + d2, d2 - d1, d1 - d3


@helper
def _b(v0: float, v1: float, v2: float, v3: float) -> Tuple[float, float, float, float]:
    """B times a column of four values (the adjoint of `_bt`)."""
    return v0, v1 - v2 + v3, v2 + v1 - v0, -v3


@helper
def _at(m0: float, m1: float, m2: float, m3: float) -> Tuple[float, float]:
    """A^T times a column of four values: two outputs."""
    return m0 + m1 + m2, m1 - m2 - m3


@helper
def _a(y0: float, y1: float) -> Tuple[float, float, float, float]:
    """A times a column of two values (the adjoint of `_at`)."""
    return y0, y0 + y1, y0 - y1, -y1


@helper
def _g_col(w0: float, w1: float, w2: float) -> Tuple[float, float, float, float]:
    """G times a column of three kernel values."""
    return w0, (w0 + w1 + w2) * 0.5, (w0 - w1 + w2) * 0.5, w2


@helper
def _gt_col(u0: float, u1: float, u2: float, u3: float) -> Tuple[float, float, float]:
    """G^T times a column of four values (the adjoint of `_g_col`)."""
    return u0 + (u1 + u2) * 0.5, (u1 - u2) * 0.5, (u1 + u2) * 0.5 + u3


CHUNK = 16
"""Kernels the weight transforms work out at a time: they write (or read) the 16 planes
in runs of CHUNK values, not one value per plane at a time (planes a multiple of 4 KiB
apart, as on conv2, made the one-at-a-time form 3x slower)."""


@kernel
def _weight_tiles(w: np.ndarray, U: np.ndarray) -> None:
    """U[4 a + b, k] = (G w_k G^T)[a, b] for every kernel k, its nine values w[k]."""
    out = np.empty((16, CHUNK), dtype=U.dtype)
    for k0 in range(0, w.shape[0], CHUNK):
        n = min(CHUNK, w.shape[0] - k0)
        for j in range(n):
            k = k0 + j
            g00, g10, g20, g30 = _g_col(w[k, 0], w[k, 3], w[k, 6])    # G down the columns
            g01, g11, g21, g31 = _g_col(w[k, 1], w[k, 4], w[k, 7])
            g02, g12, g22, g32 = _g_col(w[k, 2], w[k, 5], w[k, 8])
            out[0, j], out[1, j], out[2, j], out[3, j] = _g_col(g00, g01, g02)
            out[4, j], out[5, j], out[6, j], out[7, j] = _g_col(g10, g11, g12)
            out[8, j], out[9, j], out[10, j], out[11, j] = _g_col(g20, g21, g22)
            out[12, j], out[13, j], out[14, j], out[15, j] = _g_col(g30, g31, g32)
        for i in range(16):
            for j in range(n):
                U[i, k0 + j] = out[i, j]


@kernel
def _weight_grad_tiles(dUT: np.ndarray, dw: np.ndarray) -> None:
    """dw[o, c] = G^T D G for every kernel, its nine values, with D[a, b] = the sum over
    s of dUT[s, 4 a + b, k], k = c * C_out + o: the adjoint of `_weight_tiles`, from the
    backward's per-thread shares of dU^T (tile-major, so kernels are numbered (c, o))."""
    C_out = dw.shape[0]
    D = np.empty((16, CHUNK), dtype=dw.dtype)
    for k0 in range(0, dUT.shape[2], CHUNK):
        n = min(CHUNK, dUT.shape[2] - k0)
        for i in range(16):
            for j in range(n):
                D[i, j] = dUT[0, i, k0 + j]
            for s in range(1, dUT.shape[0]):
                for j in range(n):
                    D[i, j] += dUT[s, i, k0 + j]
        for j in range(n):
            o, c = (k0 + j) % C_out, (k0 + j) // C_out
            e00, e10, e20 = _gt_col(D[0, j], D[4, j], D[8, j], D[12, j])   # G^T, columns
            e01, e11, e21 = _gt_col(D[1, j], D[5, j], D[9, j], D[13, j])
            e02, e12, e22 = _gt_col(D[2, j], D[6, j], D[10, j], D[14, j])
            e03, e13, e23 = _gt_col(D[3, j], D[7, j], D[11, j], D[15, j])
            dw[o, c, 0], dw[o, c, 1], dw[o, c, 2] = _gt_col(e00, e01, e02, e03)
            dw[o, c, 3], dw[o, c, 4], dw[o, c, 5] = _gt_col(e10, e11, e12, e13)
            dw[o, c, 6], dw[o, c, 7], dw[o, c, 8] = _gt_col(e20, e21, e22, e23)


@helper
def _input_tiles(x: np.ndarray, V: np.ndarray, plane_stride: int, ph: int, pw: int,
                 tiles_h: int, tiles_w: int) -> None:
    """V[xi * S + c * P + p] = (B^T d B)[xi] for every 4x4 tile d of the zero-padded input
    (V flat, its 16 planes S apart)."""
    N, C, H, W = x.shape
    P = N * tiles_h * tiles_w
    width = 2 * tiles_w + 2
    xf = x.reshape(-1)
    S = np.uint64(plane_stride)
    wide = np.uint64(width)
    for n in range(N):
        plane = np.zeros((2 * tiles_h + 2) * width, dtype=x.dtype)
        rows = np.empty(4 * width, dtype=x.dtype)
        for c in range(C):
            for h in range(H):                      # the padding stays zero throughout
                src = np.uint64(((n * C + c) * H + h) * W)
                dst = np.uint64((ph + h) * width + pw)
                for w in range(W):
                    plane[dst + np.uint64(w)] = xf[src + np.uint64(w)]
            for th in range(tiles_h):
                top = np.uint64(2 * th * width)
                for w in range(width):              # B^T down each column of the tile row
                    k = top + np.uint64(w)
                    u = np.uint64(w)
                    (rows[u], rows[wide + u], rows[2 * wide + u],
                     rows[3 * wide + u]) = _bt(plane[k], plane[k + wide],
                                               plane[k + 2 * wide], plane[k + 3 * wide])
                q = np.uint64(c * P + (n * tiles_h + th) * tiles_w)
                for a in range(4):                  # then B along each row
                    row = np.uint64(a * width)
                    out = q + np.uint64(4 * a) * S
                    for tw in range(tiles_w):
                        k = row + np.uint64(2 * tw)
                        p = out + np.uint64(tw)
                        (V[p], V[p + S], V[p + 2 * S], V[p + 3 * S]) = _bt(
                            rows[k], rows[k + np.uint64(1)], rows[k + np.uint64(2)],
                            rows[k + np.uint64(3)])


@helper
def _sum3(out: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, sign: float) -> None:
    """out = a + sign * (b + c), sign +1 or -1 (exact: no rounding from the sign)."""
    for k in range(out.size):
        out[k] = a[k] + sign * (b[k] + c[k])


@helper
def _output_tiles(M: np.ndarray, plane_stride: int, T: np.ndarray, n: int) -> None:
    """T[j * n + k] = (A^T M A)[j] for the n tiles k of all channels: the four outputs of
    each tile into four planes. A^T M A is worked out one plane at a time from two or
    three whole planes (first A^T down the tiles' columns into eight planes, then A along
    their rows): loops with few arrays, which LLVM vectorizes (3x faster than one pass
    computing the 16 values of each tile, which it cannot)."""
    s = np.empty(8 * n, dtype=M.dtype)
    m = [M[j * plane_stride:j * plane_stride + n] for j in range(16)]
    t = [T[j * n:(j + 1) * n] for j in range(4)]
    for b in range(4):      # s[a', b] = (A^T M)[a', b]: M[0b] + M[1b] + M[2b], ...
        _sum3(s[b * n:(b + 1) * n], m[4 + b], m[b], m[8 + b], 1.0)
        _sum3(s[(4 + b) * n:(5 + b) * n], m[4 + b], m[8 + b], m[12 + b], -1.0)
    for a in range(2):      # T[a', b'] = (s A)[a', b']: s[a'0] + s[a'1] + s[a'2], ...
        r = 4 * a * n
        _sum3(t[2 * a], s[r + n:r + 2 * n], s[r:r + n], s[r + 2 * n:r + 3 * n], 1.0)
        _sum3(t[2 * a + 1], s[r + n:r + 2 * n], s[r + 2 * n:r + 3 * n],
              s[r + 3 * n:r + 4 * n], -1.0)


@helper
def _interleave(T: np.ndarray, bias: np.ndarray, has_bias: bool, y: np.ndarray) -> None:
    """y[n, c, 2 th + a, 2 tw + b] = T[2 a + b][c, (n, th, tw)] + bias[c]: the tiles'
    outputs in NCHW order; the parts of edge tiles beyond y are dropped."""
    N, C, OH, OW = y.shape
    tiles_h, tiles_w = (OH + 1) // 2, (OW + 1) // 2
    P = N * tiles_h * tiles_w
    L = np.uint64(C * P)
    yf = y.reshape(-1)
    for n in range(N):
        for c in range(C):
            b = bias[c] if has_bias else 0
            for h in range(OH):
                src = np.uint64(c * P + (n * tiles_h + h // 2) * tiles_w)
                src += np.uint64(2 * (h % 2)) * L
                dst = np.uint64(((n * C + c) * OH + h) * OW)
                for w in range(OW):
                    yf[dst + np.uint64(w)] = T[src + np.uint64(w % 2) * L
                                                + np.uint64(w // 2)] + b


@helper
def _pool_tiles(T: np.ndarray, bias: np.ndarray, has_bias: bool, out: np.ndarray,
                switches: np.ndarray, tiles_h: int, tiles_w: int) -> None:
    """out[n, c, i, j] = relu(the maximum of tile (i, j)'s four outputs plus bias[c]) and
    switches[n, c, i, j] = which of the four (2 a + b) held it: ReLU and MaxPool2d(2) of
    the convolution without writing it, since a 2x2 pooling window is one output tile.
    Ties and NaNs as `nnforge.kernels.pooling` (the first maximum wins, a NaN wins over
    any number); tiles beyond an odd output's last pooled row or column are dropped."""
    N, C, PH, PW = out.shape
    P = N * tiles_h * tiles_w
    L = np.uint64(C * P)
    of, sf = out.reshape(-1), switches.reshape(-1)
    for n in range(N):
        for c in range(C):
            b = bias[c] if has_bias else 0
            for i in range(PH):
                row = np.uint64(c * P + (n * tiles_h + i) * tiles_w)
                target = np.uint64(((n * C + c) * PH + i) * PW)
                for j in range(PW):
                    k = row + np.uint64(j)
                    of[target + np.uint64(j)], sf[target + np.uint64(j)] = max_relu_of_four(
                        T[k] + b, T[k + L] + b, T[k + 2 * L] + b, T[k + 3 * L] + b)


@helper
def _unpool_tiles(grad: np.ndarray, out: np.ndarray, switches: np.ndarray, T: np.ndarray,
                  db: np.ndarray, tiles_h: int, tiles_w: int) -> None:
    """The adjoint of `_pool_tiles` into the backward's tile-major layout:
    T[2 a + b][(n, i, j), c] = grad[n, c, i, j] where 2 a + b is the switch and the pooled
    output is positive, else zero; db[c] = the sum of what T receives."""
    N, C, PH, PW = grad.shape
    L = np.uint64(C * N * tiles_h * tiles_w)
    channels = np.uint64(C)
    if PH < tiles_h or PW < tiles_w:
        T[:] = 0
    db[:] = 0
    for n in range(N):
        for c in range(C):
            part = grad[n, c, 0, 0] * 0
            for i in range(PH):
                row = np.uint64((n * tiles_h + i) * tiles_w) * channels + np.uint64(c)
                for j in range(PW):
                    k = row + np.uint64(j) * channels
                    g = grad[n, c, i, j] if out[n, c, i, j] > 0 else 0
                    part += g
                    s = switches[n, c, i, j]
                    for t in range(4):
                        T[k + np.uint64(t) * L] = g if t == s else 0
            db[c] += part


@helper(reassociate=True)
def _deinterleave(grad: np.ndarray, T: np.ndarray, db: np.ndarray) -> None:
    """T[2 a + b][(n, th, tw), c] = grad[n, c, 2 th + a, 2 tw + b] (zero beyond the edge:
    the adjoint of `_interleave`, into the backward's tile-major layout), and the bias
    gradient db[c] = the sum of grad over n, h and w."""
    N, C, OH, OW = grad.shape
    tiles_h, tiles_w = (OH + 1) // 2, (OW + 1) // 2
    L = np.uint64(C * N * tiles_h * tiles_w)
    channels = np.uint64(C)
    if OH % 2 or OW % 2:
        T[:] = 0
    db[:] = 0
    for n in range(N):
        for c in range(C):
            plane = grad[n, c]
            part = plane[0, 0] * 0              # the plane's sum in grad's dtype
            for h in range(OH):
                row = (np.uint64((n * tiles_h + h // 2) * tiles_w) * channels
                       + np.uint64(c) + np.uint64(2 * (h % 2)) * L)
                for w in range(OW):
                    value = plane[h, w]
                    part += value
                    T[row + np.uint64(w % 2) * L + np.uint64(w // 2) * channels] = value
            db[c] += part


@helper
def _sum2(out: np.ndarray, sign_out: float, a: np.ndarray, b: np.ndarray, sign: float) -> None:
    """out = sign_out * (a + sign * b), signs +1 or -1."""
    for k in range(out.size):
        out[k] = sign_out * (a[k] + sign * b[k])


@helper
def _scaled(out: np.ndarray, a: np.ndarray, sign: float) -> None:
    """out = sign * a, sign +1 or -1."""
    for k in range(out.size):
        out[k] = sign * a[k]


@helper
def _output_grad_tiles(T: np.ndarray, n: int, dM: np.ndarray, plane_stride: int) -> None:
    """dM = A dy A^T for every tile, from the planes of `_deinterleave` (the adjoint of
    `_output_tiles`), one plane at a time like it: first A down the tiles' columns (rows
    0 and 3 of A dy are the gradient's rows up to sign, rows 1 and 2 their sum and
    difference), then A along the rows (n tiles of all channels)."""
    t = [T[j * n:(j + 1) * n] for j in range(4)]
    r = np.empty(4 * n, dtype=T.dtype)
    for b in range(2):      # rows 1 and 2 of A dy: dy[0b] + dy[1b], dy[0b] - dy[1b]
        _sum2(r[b * n:(b + 1) * n], 1.0, t[b], t[2 + b], 1.0)
        _sum2(r[(2 + b) * n:(3 + b) * n], 1.0, t[b], t[2 + b], -1.0)
    for a in range(4):      # dM[a, :] = (row a of A dy) A^T
        if a == 0:
            first, second, sign = t[0], t[1], 1.0
        elif a == 3:
            first, second, sign = t[2], t[3], -1.0
        else:
            first, second, sign = r[(a - 1) * 2 * n:(a - 1) * 2 * n + n], \
                r[(a - 1) * 2 * n + n:(a - 1) * 2 * n + 2 * n], 1.0
        row = 4 * a * plane_stride
        S = plane_stride
        _scaled(dM[row:row + n], first, sign)
        _sum2(dM[row + S:row + S + n], sign, first, second, 1.0)
        _sum2(dM[row + 2 * S:row + 2 * S + n], sign, first, second, -1.0)
        _scaled(dM[row + 3 * S:row + 3 * S + n], second, -sign)


@helper
def _add_row(plane: np.ndarray, k: np.uint64, u0: float, u1: float, u2: float,
             u3: float) -> None:
    """Add B times (u0, u1, u2, u3) onto the four pixels of `plane` from index k."""
    e0, e1, e2, e3 = _b(u0, u1, u2, u3)
    plane[k] += e0
    plane[k + np.uint64(1)] += e1
    plane[k + np.uint64(2)] += e2
    plane[k + np.uint64(3)] += e3


@helper
def _input_grad_tiles(dV: np.ndarray, plane_stride: int, dx: np.ndarray, ph: int, pw: int,
                      tiles_h: int, tiles_w: int) -> None:
    """dx = the sum over tiles of B dV B^T, each added where its tile was read (tiles
    overlap); what falls into the padding is dropped. dV is tile-major: dV[xi * S +
    (n, th, tw) * C + c]."""
    N, C, H, W = dx.shape
    channels = np.uint64(C)
    width = 2 * tiles_w + 2
    wide = np.uint64(width)
    dxf = dx.reshape(-1)
    S = np.uint64(plane_stride)
    for n in range(N):
        plane = np.empty((2 * tiles_h + 2) * width, dtype=dx.dtype)
        for c in range(C):
            plane[:] = 0
            for th in range(tiles_h):
                q = np.uint64((n * tiles_h + th) * tiles_w) * channels + np.uint64(c)
                for tw in range(tiles_w):
                    p = q + np.uint64(tw) * channels
                    t00, t10, t20, t30 = _b(dV[p], dV[p + 4 * S], dV[p + 8 * S],
                                            dV[p + 12 * S])
                    p += S
                    t01, t11, t21, t31 = _b(dV[p], dV[p + 4 * S], dV[p + 8 * S],
                                            dV[p + 12 * S])
                    p += S
                    t02, t12, t22, t32 = _b(dV[p], dV[p + 4 * S], dV[p + 8 * S],
                                            dV[p + 12 * S])
                    p += S
                    t03, t13, t23, t33 = _b(dV[p], dV[p + 4 * S], dV[p + 8 * S],
                                            dV[p + 12 * S])
                    k = np.uint64(2 * th * width + 2 * tw)
                    _add_row(plane, k, t00, t01, t02, t03)
                    _add_row(plane, k + wide, t10, t11, t12, t13)
                    _add_row(plane, k + 2 * wide, t20, t21, t22, t23)
                    _add_row(plane, k + 3 * wide, t30, t31, t32, t33)
            for h in range(H):
                src = np.uint64((ph + h) * width + pw)
                dst = np.uint64(((n * C + c) * H + h) * W)
                for w in range(W):
                    dxf[dst + np.uint64(w)] = plane[src + np.uint64(w)]
