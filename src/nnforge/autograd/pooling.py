"""2-D pooling ops: max pooling with "switches", average and adaptive average.

Every kernel is a loop over the kH*kW kernel taps, each tap being one strided view of the
(padded) input with the output's shape, so the work is a handful of whole-array NumPy
operations per tap and never a loop over samples or pixels.

Max pooling keeps, for every output, which tap held the maximum (the "switches" of max pooling)
and its backward sends the upstream gradient to that input only. Like PyTorch, the first
maximum in row-major window order wins a tie and padding is -inf, so it is never selected.
A NaN in a window propagates to the output as in PyTorch (its gradient may be routed to
another input of that window). Average pooling spreads the gradient equally, 1/|N| to each
of the |N| inputs of a window.
"""
import numpy as np

from .function import Function
from .conv import conv_output_size


class _PoolGeometry:
    """Output size and per-tap views of one pooling call on an (N, C, H, W) input."""

    def __init__(self, shape, kernel, stride, padding, dilation, layer):
        if len(shape) != 4:
            raise ValueError(f"{layer}: expected a 4-D input (N, C, H, W) or a 3-D unbatched "
                             f"input (C, H, W), got shape {tuple(shape)}")
        self.N, self.C, self.H, self.W = shape
        (self.kH, self.kW), (self.sh, self.sw) = kernel, stride
        (self.ph, self.pw), (self.dh, self.dw) = padding, dilation
        if self.ph > self.kH // 2 or self.pw > self.kW // 2:
            raise ValueError(f"{layer}: padding {padding} must be at most half of the kernel "
                             f"size {kernel}")
        self.OH = conv_output_size(self.H, self.kH, self.sh, self.ph, self.dh)
        self.OW = conv_output_size(self.W, self.kW, self.sw, self.pw, self.dw)
        if self.OH < 1 or self.OW < 1:
            raise ValueError(f"{layer}: input of shape {tuple(shape)} is too small for kernel "
                             f"{kernel} with padding {padding} and dilation {dilation} "
                             f"(output would be {self.OH}x{self.OW})")
        self.Hp, self.Wp = self.H + 2 * self.ph, self.W + 2 * self.pw
        # non-overlapping windows that tile the input: taps are views of one reshape
        self.tiled = (stride == kernel and padding == (0, 0) and dilation == (1, 1))

    def taps(self):
        """(tap number, i, j) for each kernel tap in row-major window order."""
        return [(i * self.kW + j, i, j) for i in range(self.kH) for j in range(self.kW)]

    def tap(self, xp, i, j):
        """The (N, C, OH, OW) view of the padded input that kernel tap (i, j) sees."""
        if self.tiled:
            return xp[:, :, :, i, :, j]
        r0, c0 = i * self.dh, j * self.dw
        return xp[:, :, r0:r0 + self.sh * (self.OH - 1) + 1:self.sh,
                  c0:c0 + self.sw * (self.OW - 1) + 1:self.sw]

    def layout(self, x, fill):
        """The input arranged for `tap`: tiled (N, C, OH, kH, OW, kW), else padded NCHW."""
        if self.tiled:
            x = x[:, :, :self.OH * self.kH, :self.OW * self.kW]
            return x.reshape(self.N, self.C, self.OH, self.kH, self.OW, self.kW)
        if self.ph == 0 and self.pw == 0:
            return x
        xp = np.full((self.N, self.C, self.Hp, self.Wp), fill, dtype=x.dtype)
        xp[:, :, self.ph:self.ph + self.H, self.pw:self.pw + self.W] = x
        return xp

    def zeros_like_layout(self, dtype):
        if self.tiled:
            return np.zeros((self.N, self.C, self.OH, self.kH, self.OW, self.kW), dtype=dtype)
        return np.zeros((self.N, self.C, self.Hp, self.Wp), dtype=dtype)

    def unlayout(self, dxp):
        """Inverse of `layout` for a gradient buffer: back to (N, C, H, W)."""
        if self.tiled:
            dx = dxp.reshape(self.N, self.C, self.OH * self.kH, self.OW * self.kW)
            if dx.shape[2:] != (self.H, self.W):     # rows/columns no window covered
                full = np.zeros((self.N, self.C, self.H, self.W), dtype=dx.dtype)
                full[:, :, :dx.shape[2], :dx.shape[3]] = dx
                dx = full
            return dx
        return dxp[:, :, self.ph:self.ph + self.H, self.pw:self.pw + self.W]


def _batched(x):
    """Accept PyTorch's unbatched (C, H, W) input as a batch of one."""
    return (x[None], True) if x.ndim == 3 else (x, False)


class MaxPool2d(Function):
    """y[n, c, h, w] = max over the window; backward routes grad to the arg-max only."""

    @staticmethod
    def forward(ctx, x, *, kernel_size, stride, padding=(0, 0), dilation=(1, 1),
                layer="max_pool2d"):
        x, ctx.unbatched = _batched(x)
        g = _PoolGeometry(x.shape, kernel_size, stride, padding, dilation, layer)
        ctx.g = g
        if g.tiled:
            out, ctx.switches = _tiled_max(x, g)
        else:
            out, ctx.switches = _window_max(x, g)
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx, grad):
        g = ctx.g
        if ctx.unbatched:
            grad = grad[None]
        if g.tiled:
            dx = _tiled_max_backward(grad, ctx.switches, g)
        else:
            dxp = g.zeros_like_layout(grad.dtype)
            for t, i, j in g.taps():
                # NOTE: multiply by the mask; ufuncs with where= are ~10x slower on random masks
                g.tap(dxp, i, j)[...] += grad * (ctx.switches == t)
            dx = g.unlayout(dxp)
        return dx[0] if ctx.unbatched else dx


def _running_max(views):
    """Elementwise max over `views` and the index of the first view holding it.

    NOTE: strict > keeps the first maximum on ties (PyTorch's rule); np.maximum lets a NaN
    through to the output."""
    if len(views) == 2:                     # the common 2-wide case: no copies, no masked writes
        return np.maximum(views[0], views[1]), (views[1] > views[0]).view(np.int8)
    best = views[0].copy()
    index = np.zeros(best.shape, dtype=np.int8 if len(views) < 128 else np.int32)
    for t, v in enumerate(views[1:], start=1):
        better = v > best
        index *= ~better                    # masked arithmetic: where= is slow on random masks
        index += better * np.int8(t) if index.dtype == np.int8 else better * t
        np.maximum(best, v, out=best)
    return best, index


def _window_max(x, g):
    """General windows (overlap, padding, dilation): one running max over the kernel taps,
    each tap a strided (N, C, OH, OW) view of the -inf padded input."""
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = g.layout(x, fill)
    return _running_max([g.tap(xp, i, j) for _, i, j in g.taps()])


def _tiled_max(x, g):
    """Non-overlapping windows (kernel == stride): max along each row's kW-wide groups,
    then along kH rows. Each stage reads long 1-D strided runs, which NumPy does several
    times faster than the short (OW-long) rows of a 2-D window view."""
    N, C = g.N, g.C
    x = x[:, :, :g.OH * g.kH, :g.OW * g.kW]
    rows = np.ascontiguousarray(x).reshape(-1, g.kW)               # (N*C*OH*kH*OW, kW)
    row_max, col = _running_max([rows[:, j] for j in range(g.kW)])
    stacked = row_max.reshape(-1, g.kH, g.OW)                       # (N*C*OH, kH, OW)
    out, row = _running_max([stacked[:, i] for i in range(g.kH)])
    return out.reshape(N, C, g.OH, g.OW), (row, col)


def _route(values, switch, outputs):
    """outputs[t] = values where switch == t, else 0.

    Masks are converted to the values' dtype before multiplying (a float * bool product
    runs NumPy's slow casting loop); with two taps the second output is values - first."""
    dtype = values.dtype
    if len(outputs) == 2:
        np.multiply(values, switch.astype(dtype), out=outputs[1])
        np.subtract(values, outputs[1], out=outputs[0])
        return
    for t, out in enumerate(outputs):
        np.multiply(values, (switch == t).astype(dtype), out=out)


def _tiled_max_backward(grad, switches, g):
    row, col = switches
    flat = grad.reshape(-1, g.OW)
    rows = np.empty((flat.shape[0], g.kH, g.OW), dtype=grad.dtype)
    _route(flat, row, [rows[:, i] for i in range(g.kH)])
    rows = rows.reshape(-1)
    dx = np.empty((rows.size, g.kW), dtype=grad.dtype)
    _route(rows, col, [dx[:, j] for j in range(g.kW)])
    dx = dx.reshape(g.N, g.C, g.OH * g.kH, g.OW * g.kW)
    if dx.shape[2:] != (g.H, g.W):                      # rows/columns no window covered
        full = np.zeros((g.N, g.C, g.H, g.W), dtype=dx.dtype)
        full[:, :, :dx.shape[2], :dx.shape[3]] = dx
        dx = full
    return dx


class AvgPool2d(Function):
    """y = (1/|N|) * sum of the window; |N| counts padding zeros when count_include_pad."""

    @staticmethod
    def forward(ctx, x, *, kernel_size, stride, padding=(0, 0), count_include_pad=True,
                layer="avg_pool2d"):
        x, ctx.unbatched = _batched(x)
        g = _PoolGeometry(x.shape, kernel_size, stride, padding, (1, 1), layer)
        xp = g.layout(x, 0)
        total = g.tap(xp, 0, 0).copy()
        for _, i, j in g.taps()[1:]:
            total += g.tap(xp, i, j)
        if count_include_pad or (g.ph == 0 and g.pw == 0):
            scale = np.asarray(1.0 / (g.kH * g.kW), dtype=x.dtype)
        else:
            scale = (1.0 / _window_counts(g)).astype(x.dtype)
        out = total * scale
        ctx.g, ctx.scale = g, scale
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx, grad):
        g = ctx.g
        if ctx.unbatched:
            grad = grad[None]
        share = grad * ctx.scale
        dxp = g.zeros_like_layout(grad.dtype)
        for _, i, j in g.taps():
            g.tap(dxp, i, j)[...] += share
        dx = g.unlayout(dxp)
        return dx[0] if ctx.unbatched else dx


def _window_counts(g):
    """(OH, OW) number of real (non-padding) inputs in each window."""
    ones = np.zeros((1, 1, g.Hp, g.Wp))
    ones[:, :, g.ph:g.ph + g.H, g.pw:g.pw + g.W] = 1
    counts = sum(g.tap(ones, i, j) for _, i, j in g.taps())
    return counts[0, 0]


def adaptive_windows(in_size, out_size, dtype):
    """(out_size, in_size) averaging matrix: row i averages inputs
    floor(i*in/out) .. ceil((i+1)*in/out) - 1 (PyTorch's start/end rule)."""
    i = np.arange(out_size)
    start = (i * in_size) // out_size
    end = ((i + 1) * in_size + out_size - 1) // out_size
    cols = np.arange(in_size)
    mask = (cols >= start[:, None]) & (cols < end[:, None])
    return (mask / (end - start)[:, None]).astype(dtype)


class AdaptiveAvgPool2d(Function):
    """Average pooling to a fixed (OH, OW) output whatever the input size.

    The windows of PyTorch's rule are separable, so the op is A_h @ x @ A_w^T with two small
    averaging matrices; output (1, 1) is global average pooling, a plain mean.
    """

    @staticmethod
    def forward(ctx, x, *, output_size, layer="adaptive_avg_pool2d"):
        x, ctx.unbatched = _batched(x)
        if x.ndim != 4:
            raise ValueError(f"{layer}: expected a 4-D input (N, C, H, W) or a 3-D unbatched "
                             f"input (C, H, W), got shape {x.shape}")
        H, W = x.shape[2:]
        OH = H if output_size[0] is None else output_size[0]
        OW = W if output_size[1] is None else output_size[1]
        ctx.shape = x.shape
        if (OH, OW) == (1, 1):
            ctx.global_pool = True
            out = x.mean(axis=(2, 3), keepdims=True, dtype=x.dtype)
        else:
            ctx.global_pool = False
            ctx.ah = adaptive_windows(H, OH, x.dtype)
            ctx.aw = adaptive_windows(W, OW, x.dtype)
            out = ctx.ah @ x @ ctx.aw.T
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx, grad):
        if ctx.unbatched:
            grad = grad[None]
        N, C, H, W = ctx.shape
        if ctx.global_pool:
            dx = np.broadcast_to(grad * np.asarray(1.0 / (H * W), dtype=grad.dtype),
                                 ctx.shape).copy()
        else:
            dx = ctx.ah.T @ grad @ ctx.aw
        return dx[0] if ctx.unbatched else dx
