"""2-D convolution (cross-correlation, NCHW) as im2col on a strided view plus one GEMM.

Forward: the zero-padded input is viewed (no copy) as every kernel offset's shifted copy of
the image with `as_strided`, that view is copied once into a contiguous column matrix
`cols` of shape (C_in*kH*kW, N*L), and one `matmul` with the (C_out, C_in*kH*kW) weight
gives the output. Backward: dW is one GEMM of the gradient with the saved `cols`, and dX is
one GEMM with the weight followed by col2im, which adds the columns back with a loop over
the kH*kW kernel offsets only (never over samples or pixels).

Stride-1 convolutions use a "flat rows" layout: the padded image is flattened per channel,
so each kernel offset is one contiguous slice of length OH*pitch, where the pitch is the
distance between image rows (W + pw: the zeros between two rows serve as the right padding
of one and the left padding of the next). The pitch - OW extra columns per output row are
computed and dropped (about 4% extra GEMM work for a 3x3 kernel with padding 1 on 28x28),
but the im2col copy and the col2im adds then run over long contiguous rows instead of rows
of OW elements, which is what makes them cheap (measured with bench/cnn.py).
Other strides use the ordinary (OH, OW) layout.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .function import Function

# Multiply-adds per sample below which the forward uses a batched matmul (see Conv2d).
_SMALL_GEMM = 2 ** 20


def _pair(value, name, layer, minimum):
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


def conv_output_size(size, kernel, stride, padding, dilation):
    """floor((size + 2*padding - dilation*(kernel-1) - 1) / stride) + 1 (PyTorch's rule)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


class _Geometry:
    """Sizes of one convolution call and the strided views that implement it."""

    def __init__(self, x_shape, w_shape, stride, padding, dilation):
        self.N, self.C, self.H, self.W = x_shape
        self.C_out, _, self.kH, self.kW = w_shape
        (self.sh, self.sw), (self.ph, self.pw), (self.dh, self.dw) = stride, padding, dilation
        self.Hp, self.Wp = self.H + 2 * self.ph, self.W + 2 * self.pw
        self.OH = conv_output_size(self.H, self.kH, self.sh, self.ph, self.dh)
        self.OW = conv_output_size(self.W, self.kW, self.sw, self.pw, self.dw)
        # Flat rows: consecutive image rows sit `pitch` apart in one flat buffer. The right
        # padding of a row and the left padding of the next can be the same zeros, so the
        # pitch is W + pw rather than W + 2*pw (the taps overhang a row by at most pw on
        # either side). They pay (pitch / OW - 1) extra GEMM work; use them when it is small.
        pitch = max(self.W + self.pw, self.OW)
        self.flat = stride == (1, 1) and pitch <= 2 * self.OW
        self.pitch = pitch if self.flat else self.Wp      # row length of the padded buffer
        self.row = self.pitch if self.flat else self.OW   # output row length in `cols`
        self.L = self.OH * self.row                       # columns per sample
        self.K = self.C * self.kH * self.kW

    def padded_buffer_shape(self):
        """Shape holding the padded input, the image at [ph:ph+H, pw:pw+W]; flat rows need
        one spare row because the last kernel taps read up to (kW-1)*dw elements past it."""
        rows = self.Hp + (1 if self.flat and self.kW > 1 else 0)
        return (self.N, self.C, rows, self.pitch)

    def padded_buffer(self, dtype):
        return np.zeros(self.padded_buffer_shape(), dtype=dtype)

    def window_view(self, xp):
        """View of the padded input with shape (C, kH, kW, N, OH, row) (flat: (C, kH, kW,
        N, L)): element [c, i, j, n, ...] is the input pixel that kernel tap (i, j) sees."""
        sN, sC, sH, sW = xp.strides
        if self.flat:
            shape = (self.C, self.kH, self.kW, self.N, self.L)
            strides = (sC, self.dh * sH, self.dw * sW, sN, sW)
        else:
            shape = (self.C, self.kH, self.kW, self.N, self.OH, self.OW)
            strides = (sC, self.dh * sH, self.dw * sW, sN, self.sh * sH, self.sw * sW)
        return as_strided(xp, shape, strides, writeable=False)

    def tap_slices(self, i, j):
        """Index of the padded-input region that kernel tap (i, j) covers, for col2im."""
        r0, c0 = i * self.dh, j * self.dw
        return (slice(None), slice(None),
                slice(r0, r0 + self.sh * (self.OH - 1) + 1, self.sh),
                slice(c0, c0 + self.sw * (self.OW - 1) + 1, self.sw))


def check_conv_input(x_shape, w_shape, stride, padding, dilation, layer):
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


class Conv2d(Function):
    """y[n, o] = b[o] + sum_{c,i,j} w[o, c, i, j] x_pad[n, c, s*h + d*i, s*w + d*j].

    Inputs: x (N, C_in, H, W) or unbatched (C_in, H, W); weight (C_out, C_in, kH, kW);
    bias (C_out,) or None. Keywords: stride, padding, dilation (pairs of ints) and
    `layer`, the name used in error messages.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, *, stride=(1, 1), padding=(0, 0), dilation=(1, 1),
                layer="conv2d"):
        if weight.ndim != 4:
            raise ValueError(f"{layer}: weight must be 4-D (C_out, C_in, kH, kW), got shape "
                             f"{weight.shape}")
        check_conv_input(x.shape, weight.shape, stride, padding, dilation, layer)
        ctx.unbatched = x.ndim == 3
        if ctx.unbatched:
            x = x[None]
        if bias is not None and bias.dtype != weight.dtype:
            raise TypeError(f"{layer}: bias dtype {bias.dtype} must be the weight dtype "
                            f"{weight.dtype}")
        if x.dtype != weight.dtype:
            raise TypeError(f"{layer}: input dtype {x.dtype} does not match the weight dtype "
                            f"{weight.dtype}; convert the input (x.astype(np.{weight.dtype}))"
                            f" or the model (model.to(np.{x.dtype}))")
        g = _Geometry(x.shape, weight.shape, stride, padding, dilation)
        if g.flat or g.ph or g.pw:
            xp = g.padded_buffer(x.dtype)
            xp[:, :, g.ph:g.ph + g.H, g.pw:g.pw + g.W] = x
        else:
            xp = x
        cols = g.window_view(xp).reshape(g.K, g.N * g.L)       # the one im2col copy
        w2 = weight.reshape(g.C_out, g.K)
        ctx.g, ctx.cols, ctx.w2 = g, cols, w2
        if g.C_out * g.K * g.L <= _SMALL_GEMM:
            # per-sample products this small run single-threaded in OpenBLAS: a batched
            # matmul (one BLAS call per sample) writes NCHW directly, with no transposing pass
            out = np.matmul(w2, cols.reshape(g.K, g.N, g.L).transpose(1, 0, 2))
            if bias is not None:
                out += bias[:, None]
            out = out.reshape(g.N, g.C_out, g.OH, g.row)[..., :g.OW]
        else:
            # one GEMM call (a batched matmul would be N calls, each a BLAS thread hand-off),
            # then one transposing copy to NCHW that also drops the wrap-around columns
            out_cols = w2 @ cols                               # (C_out, N*L)
            if bias is not None:
                out_cols += bias[:, None]
            view = out_cols.reshape(g.C_out, g.N, g.OH, g.row)[..., :g.OW]
            out = np.empty((g.N, g.C_out, g.OH, g.OW), dtype=x.dtype)
            np.copyto(out, view.transpose(1, 0, 2, 3))
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx, grad):
        g, cols, w2 = ctx.g, ctx.cols, ctx.w2
        needs = ctx.needs_input_grad
        if ctx.unbatched:
            grad = grad[None]
        # gradient as (C_out, N*L), zero in the wrap-around columns so they contribute nothing
        g2 = np.zeros((g.C_out, g.N, g.OH, g.row), dtype=grad.dtype)
        g2[..., :g.OW] = grad.transpose(1, 0, 2, 3)
        g2 = g2.reshape(g.C_out, g.N * g.L)
        gx = gw = gb = None
        if needs[1]:
            # (cols @ g2^T)^T and g2 @ cols^T are the same product; OpenBLAS runs the first
            # ~1.3x faster when K >= C_out (conv2 of bench/cnn.py), the second when K is small
            if g.K >= g.C_out:
                gw = (cols @ g2.T).T.reshape(g.C_out, g.C, g.kH, g.kW)
            else:
                gw = (g2 @ cols.T).reshape(g.C_out, g.C, g.kH, g.kW)
        if len(needs) > 2 and needs[2]:
            gb = grad.sum(axis=(0, 2, 3))
        if needs[0]:
            dcols = (w2.T @ g2).reshape(g.C, g.kH, g.kW, g.N, g.L)
            gx = _col2im(dcols, g, grad.dtype)
            if ctx.unbatched:
                gx = gx[0]
        return gx, gw, gb


def _col2im(dcols, g, dtype):
    """Sum the column gradients back onto the input: one strided add per kernel tap.

    The sums run in a channel-major (C, N, ...) buffer, so every add reads and writes
    whole contiguous rows; the result is returned as an (N, C, H, W) view of it."""
    dxp = np.zeros((g.C, g.N) + g.padded_buffer_shape()[2:], dtype=dtype)
    if g.flat:
        flat = dxp.reshape(g.C, g.N, -1)
        for i in range(g.kH):
            for j in range(g.kW):
                start = i * g.dh * g.pitch + j * g.dw
                flat[:, :, start:start + g.L] += dcols[:, i, j]
    else:
        for i in range(g.kH):
            for j in range(g.kW):
                dxp[g.tap_slices(i, j)] += dcols[:, i, j].reshape(g.C, g.N, g.OH, g.OW)
    return dxp[:, :, g.ph:g.ph + g.H, g.pw:g.pw + g.W].transpose(1, 0, 2, 3)
