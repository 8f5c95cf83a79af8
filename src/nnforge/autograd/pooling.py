"""2-D pooling ops: max pooling with "switches", average and adaptive average.

Every op is a loop over the kH*kW kernel taps, each tap being one strided view of the
(padded) input with the output's shape, so the work is a handful of whole-array NumPy
operations per tap and never a loop over samples or pixels. With the numba backend, max
and average pooling run as compiled loops (`nnforge.kernels.pooling`).

Max pooling keeps, for every output, which tap held the maximum (the "switches" of max pooling)
and its backward sends the upstream gradient to that input only. Like PyTorch, the first
maximum in row-major window order wins a tie and padding is -inf, so it is never selected.
A NaN in a window propagates to the output as in PyTorch (its gradient may be routed to
another input of that window). Average pooling spreads the gradient equally, 1/|N| to each
of the |N| inputs of a window.
"""
import numpy as np

from ..backend import dispatch
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

    def taps(self):
        """(tap number, i, j) for each kernel tap in row-major window order."""
        return [(i * self.kW + j, i, j) for i in range(self.kH) for j in range(self.kW)]

    def tap(self, xp, i, j):
        """The (N, C, OH, OW) view of the padded input that kernel tap (i, j) sees."""
        r0, c0 = i * self.dh, j * self.dw
        return xp[:, :, r0:r0 + self.sh * (self.OH - 1) + 1:self.sh,
                  c0:c0 + self.sw * (self.OW - 1) + 1:self.sw]

    def layout(self, x, fill):
        """The input padded with `fill`, arranged for `tap`."""
        if self.ph == 0 and self.pw == 0:
            return x
        xp = np.full((self.N, self.C, self.Hp, self.Wp), fill, dtype=x.dtype)
        xp[:, :, self.ph:self.ph + self.H, self.pw:self.pw + self.W] = x
        return xp

    def zeros_like_layout(self, dtype):
        return np.zeros((self.N, self.C, self.Hp, self.Wp), dtype=dtype)

    def unlayout(self, dxp):
        """Inverse of `layout` for a gradient buffer: back to (N, C, H, W)."""
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
        _PoolGeometry(x.shape, kernel_size, stride, padding, dilation, layer)   # checks
        out, ctx.switches = max_pool2d(x, kernel_size, stride, padding, dilation)
        ctx.x_shape, ctx.geometry = x.shape, (kernel_size, stride, padding, dilation)
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx, grad):
        if ctx.unbatched:
            grad = grad[None]
        dx = max_pool2d_backward(grad, ctx.switches, ctx.x_shape, *ctx.geometry)
        return dx[0] if ctx.unbatched else dx


def switch_dtype(taps):
    """The integer type that holds a tap number: int8 (a quarter of the memory traffic of
    int32) for windows of up to 127 taps."""
    return np.int8 if taps < 128 else np.int32


@dispatch("max_pool2d")
def max_pool2d(x, kernel_size, stride, padding, dilation):
    """(out, switches): the maximum of each window, and which tap (row-major number in the
    window) held it. Padding is -inf, so it is never chosen; on ties the first tap wins,
    and a NaN wins over any number (PyTorch's rules)."""
    g = _PoolGeometry(x.shape, kernel_size, stride, padding, dilation, "max_pool2d")
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = g.layout(x, fill)
    out = g.tap(xp, 0, 0).copy()
    switches = np.zeros(out.shape, dtype=switch_dtype(g.kH * g.kW))
    for t, i, j in g.taps()[1:]:
        value = g.tap(xp, i, j)
        better = (value > out) | (value != value)      # value != value: a NaN
        out = np.where(better, value, out)
        switches[better] = t
    return out, switches


@dispatch("max_pool2d_backward")
def max_pool2d_backward(grad, switches, x_shape, kernel_size, stride, padding, dilation):
    """Each output's gradient goes to the input its switch names; the rest get 0."""
    g = _PoolGeometry(x_shape, kernel_size, stride, padding, dilation, "max_pool2d")
    dxp = g.zeros_like_layout(grad.dtype)
    for t, i, j in g.taps():
        g.tap(dxp, i, j)[...] += np.where(switches == t, grad, 0)
    return g.unlayout(dxp)


class AvgPool2d(Function):
    """y = (1/|N|) * sum of the window; |N| counts padding zeros when count_include_pad."""

    @staticmethod
    def forward(ctx, x, *, kernel_size, stride, padding=(0, 0), count_include_pad=True,
                layer="avg_pool2d"):
        x, ctx.unbatched = _batched(x)
        _PoolGeometry(x.shape, kernel_size, stride, padding, (1, 1), layer)    # checks
        out, ctx.scale = avg_pool2d(x, kernel_size, stride, padding, count_include_pad)
        ctx.x_shape, ctx.geometry = x.shape, (kernel_size, stride, padding)
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx, grad):
        if ctx.unbatched:
            grad = grad[None]
        dx = avg_pool2d_backward(grad, ctx.scale, ctx.x_shape, *ctx.geometry)
        return dx[0] if ctx.unbatched else dx


def average_scale(g, count_include_pad, dtype):
    """1/|N| for every output: a scalar, or an (OH, OW) array when padding is not counted."""
    if count_include_pad or (g.ph == 0 and g.pw == 0):
        return np.asarray(1.0 / (g.kH * g.kW), dtype=dtype)
    return (1.0 / _window_counts(g)).astype(dtype)


@dispatch("avg_pool2d")
def avg_pool2d(x, kernel_size, stride, padding, count_include_pad):
    """(out, scale): each window's sum times its 1/|N| (`average_scale`)."""
    g = _PoolGeometry(x.shape, kernel_size, stride, padding, (1, 1), "avg_pool2d")
    xp = g.layout(x, 0)
    total = g.tap(xp, 0, 0).copy()
    for _, i, j in g.taps()[1:]:
        total += g.tap(xp, i, j)
    scale = average_scale(g, count_include_pad, x.dtype)
    return total * scale, scale


@dispatch("avg_pool2d_backward")
def avg_pool2d_backward(grad, scale, x_shape, kernel_size, stride, padding):
    """Every input of a window gets the window's gradient times its 1/|N|."""
    g = _PoolGeometry(x_shape, kernel_size, stride, padding, (1, 1), "avg_pool2d")
    share = grad * scale
    dxp = g.zeros_like_layout(grad.dtype)
    for _, i, j in g.taps():
        g.tap(dxp, i, j)[...] += share
    return g.unlayout(dxp)


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
