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
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..backend import dispatch
from .activations import relu, relu_backward
from .function import Function
from .conv import Pair, conv_output_size


class _PoolGeometry:
    """Output size and per-tap views of one pooling call on an (N, C, H, W) input."""

    def __init__(self, shape: Sequence[int], kernel: Pair, stride: Pair, padding: Pair,
                 dilation: Pair, layer: str) -> None:
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

    def taps(self) -> List[Tuple[int, int, int]]:
        """(tap number, i, j) for each kernel tap in row-major window order."""
        return [(i * self.kW + j, i, j) for i in range(self.kH) for j in range(self.kW)]

    def tap(self, xp: np.ndarray, i: int, j: int) -> np.ndarray:
        """The (N, C, OH, OW) view of the padded input that kernel tap (i, j) sees."""
        r0, c0 = i * self.dh, j * self.dw
        return xp[:, :, r0:r0 + self.sh * (self.OH - 1) + 1:self.sh,
                  c0:c0 + self.sw * (self.OW - 1) + 1:self.sw]

    def layout(self, x: np.ndarray, fill: float) -> np.ndarray:
        """The input padded with `fill`, arranged for `tap`."""
        if self.ph == 0 and self.pw == 0:
            return x
        xp = np.full((self.N, self.C, self.Hp, self.Wp), fill, dtype=x.dtype)
        xp[:, :, self.ph:self.ph + self.H, self.pw:self.pw + self.W] = x
        return xp

    def zeros_like_layout(self, dtype: np.dtype) -> np.ndarray:
        """A zero gradient buffer of the padded layout."""
        return np.zeros((self.N, self.C, self.Hp, self.Wp), dtype=dtype)

    def unlayout(self, dxp: np.ndarray) -> np.ndarray:
        """Inverse of `layout` for a gradient buffer: back to (N, C, H, W)."""
        return dxp[:, :, self.ph:self.ph + self.H, self.pw:self.pw + self.W]


def _batched(x: np.ndarray) -> Tuple[np.ndarray, bool]:
    """Accept PyTorch's unbatched (C, H, W) input as a batch of one."""
    return (x[None], True) if x.ndim == 3 else (x, False)


class MaxPool2d(Function):
    """y[n, c, h, w] = max over the window; backward routes grad to the arg-max only.

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge.autograd import Tensor
    >>> x = Tensor(np.array([[[[1., 5., 2., 0.], [3., 4., 8., 6.],
    ...                        [0., 1., 2., 3.], [7., 2., 4., 9.]]]]), requires_grad=True)
    >>> y = MaxPool2d.apply(x, kernel_size=(2, 2), stride=(2, 2))
    >>> y.numpy()[0, 0]
    array([[5., 8.],
           [7., 9.]])
    >>> y.sum().backward()
    >>> x.grad.numpy()[0, 0]
    array([[0., 1., 0., 0.],
           [0., 0., 1., 0.],
           [0., 0., 0., 0.],
           [1., 0., 0., 1.]])
    """

    unbatched: bool
    switches: np.ndarray
    x_shape: Tuple[int, ...]
    geometry: Tuple[Pair, Pair, Pair, Pair]

    @staticmethod
    def forward(ctx: MaxPool2d, x: np.ndarray, *, kernel_size: Pair, stride: Pair,
                padding: Pair = (0, 0), dilation: Pair = (1, 1),
                layer: str = "max_pool2d") -> np.ndarray:
        geometry = (kernel_size, stride, padding, dilation)
        out, ctx.switches, ctx.x_shape, ctx.unbatched = _max_pool(x, geometry, layer)
        ctx.geometry = geometry
        return out

    @staticmethod
    def backward(ctx: MaxPool2d, grad: np.ndarray) -> np.ndarray:
        return _max_pool_gradient(grad, ctx.switches, ctx.x_shape, ctx.geometry,
                                  ctx.unbatched)


def check_pool_input(shape: Sequence[int], kernel_size: Pair, stride: Pair, padding: Pair,
                     dilation: Pair, layer: str) -> None:
    """Raise a clear error for a batch of `shape` a pooling of this geometry cannot take."""
    _PoolGeometry(shape, kernel_size, stride, padding, dilation, layer)


def _max_pool(x: np.ndarray, geometry: Tuple[Pair, Pair, Pair, Pair], layer: str
              ) -> Tuple[np.ndarray, np.ndarray, Tuple[int, ...], bool]:
    """(out, switches, the batched input's shape, whether x was unbatched)."""
    x, unbatched = _batched(x)
    _PoolGeometry(x.shape, *geometry, layer)                              # checks
    out, switches = max_pool2d(x, *geometry)
    return (out[0] if unbatched else out), switches, x.shape, unbatched


def _max_pool_gradient(grad: np.ndarray, switches: np.ndarray, x_shape: Tuple[int, ...],
                       geometry: Tuple[Pair, Pair, Pair, Pair], unbatched: bool
                       ) -> np.ndarray:
    """The input's gradient of `_max_pool`."""
    dx = max_pool2d_backward(grad[None] if unbatched else grad, switches, x_shape, *geometry)
    return dx[0] if unbatched else dx


class ReLUMaxPool2d(Function):
    """max_pool2d(relu(x)) as one op, worked out as relu(max_pool2d(x)).

    The two are equal for every window (ReLU keeps order, and padding is never chosen),
    and so are their gradients: the input its switch names gets the gradient when the
    pooled value is positive, and nothing gets it otherwise. Pooling first runs ReLU and
    its gradient on the pooled array, a quarter of the input for 2x2 windows, and spares
    a pass over the full-size input each way. `nn.Sequential` uses it for a ReLU followed
    by a MaxPool2d (neither with hooks).

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge.autograd import Tensor
    >>> x = Tensor(np.array([[[[-1., -5.], [3., -4.]], [[-2., -1.], [-3., -4.]]]]),
    ...            requires_grad=True)
    >>> y = ReLUMaxPool2d.apply(x, kernel_size=(2, 2), stride=(2, 2))
    >>> y.numpy().ravel()
    array([3., 0.])
    >>> y.sum().backward()
    >>> x.grad.numpy().ravel()
    array([0., 0., 1., 0., 0., 0., 0., 0.])
    """

    unbatched: bool
    switches: np.ndarray
    x_shape: Tuple[int, ...]
    geometry: Tuple[Pair, Pair, Pair, Pair]
    out: np.ndarray

    @staticmethod
    def forward(ctx: ReLUMaxPool2d, x: np.ndarray, *, kernel_size: Pair, stride: Pair,
                padding: Pair = (0, 0), dilation: Pair = (1, 1),
                layer: str = "max_pool2d") -> np.ndarray:
        ctx.geometry = (kernel_size, stride, padding, dilation)
        pooled, ctx.switches, ctx.x_shape, ctx.unbatched = _max_pool(x, ctx.geometry, layer)
        ctx.out = relu(pooled)
        return ctx.out

    @staticmethod
    def backward(ctx: ReLUMaxPool2d, grad: np.ndarray) -> np.ndarray:
        return _max_pool_gradient(relu_backward(grad, ctx.out), ctx.switches, ctx.x_shape,
                                  ctx.geometry, ctx.unbatched)


def switch_dtype(taps: int) -> type:
    """The integer type that holds a tap number: int8 (a quarter of the memory traffic of
    int32) for windows of up to 127 taps."""
    return np.int8 if taps < 128 else np.int32


@dispatch("max_pool2d")
def max_pool2d(x: np.ndarray, kernel_size: Pair, stride: Pair, padding: Pair,
               dilation: Pair) -> Tuple[np.ndarray, np.ndarray]:
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
def max_pool2d_backward(grad: np.ndarray, switches: np.ndarray, x_shape: Sequence[int],
                        kernel_size: Pair, stride: Pair, padding: Pair,
                        dilation: Pair) -> np.ndarray:
    """Each output's gradient goes to the input its switch names; the rest get 0."""
    g = _PoolGeometry(x_shape, kernel_size, stride, padding, dilation, "max_pool2d")
    dxp = g.zeros_like_layout(grad.dtype)
    for t, i, j in g.taps():
        g.tap(dxp, i, j)[...] += np.where(switches == t, grad, 0)
    return g.unlayout(dxp)


class AvgPool2d(Function):
    """y = (1/|N|) * sum of the window; |N| counts padding zeros when count_include_pad.

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge.autograd import Tensor
    >>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    >>> y = AvgPool2d.apply(x, kernel_size=(2, 2), stride=(2, 2))
    >>> y.numpy()[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    >>> y.sum().backward()
    >>> x.grad.numpy()[0, 0, 0]
    array([0.25, 0.25, 0.25, 0.25])
    """

    unbatched: bool
    scale: np.ndarray
    x_shape: Tuple[int, ...]
    geometry: Tuple[Pair, Pair, Pair]

    @staticmethod
    def forward(ctx: AvgPool2d, x: np.ndarray, *, kernel_size: Pair, stride: Pair,
                padding: Pair = (0, 0), count_include_pad: bool = True,
                layer: str = "avg_pool2d") -> np.ndarray:
        x, ctx.unbatched = _batched(x)
        _PoolGeometry(x.shape, kernel_size, stride, padding, (1, 1), layer)    # checks
        out, ctx.scale = avg_pool2d(x, kernel_size, stride, padding, count_include_pad)
        ctx.x_shape, ctx.geometry = x.shape, (kernel_size, stride, padding)
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx: AvgPool2d, grad: np.ndarray) -> np.ndarray:
        if ctx.unbatched:
            grad = grad[None]
        dx = avg_pool2d_backward(grad, ctx.scale, ctx.x_shape, *ctx.geometry)
        return dx[0] if ctx.unbatched else dx


def average_scale(g: _PoolGeometry, count_include_pad: bool, dtype: np.dtype) -> np.ndarray:
    """1/|N| for every output: a scalar, or an (OH, OW) array when padding is not counted."""
    if count_include_pad or (g.ph == 0 and g.pw == 0):
        return np.asarray(1.0 / (g.kH * g.kW), dtype=dtype)
    return (1.0 / _window_counts(g)).astype(dtype)


@dispatch("avg_pool2d")
def avg_pool2d(x: np.ndarray, kernel_size: Pair, stride: Pair, padding: Pair,
               count_include_pad: bool) -> Tuple[np.ndarray, np.ndarray]:
    """(out, scale): each window's sum times its 1/|N| (`average_scale`)."""
    g = _PoolGeometry(x.shape, kernel_size, stride, padding, (1, 1), "avg_pool2d")
    xp = g.layout(x, 0)
    total = g.tap(xp, 0, 0).copy()
    for _, i, j in g.taps()[1:]:
        total += g.tap(xp, i, j)
    scale = average_scale(g, count_include_pad, x.dtype)
    return total * scale, scale


@dispatch("avg_pool2d_backward")
def avg_pool2d_backward(grad: np.ndarray, scale: np.ndarray, x_shape: Sequence[int],
                        kernel_size: Pair, stride: Pair, padding: Pair) -> np.ndarray:
    """Every input of a window gets the window's gradient times its 1/|N|."""
    g = _PoolGeometry(x_shape, kernel_size, stride, padding, (1, 1), "avg_pool2d")
    share = grad * scale
    dxp = g.zeros_like_layout(grad.dtype)
    for _, i, j in g.taps():
        g.tap(dxp, i, j)[...] += share
    return g.unlayout(dxp)


def _window_counts(g: _PoolGeometry) -> np.ndarray:
    """(OH, OW) number of real (non-padding) inputs in each window."""
    ones = np.zeros((1, 1, g.Hp, g.Wp))
    ones[:, :, g.ph:g.ph + g.H, g.pw:g.pw + g.W] = 1
    counts = np.zeros((g.OH, g.OW))
    for _, i, j in g.taps():
        counts += g.tap(ones, i, j)[0, 0]
    return counts


def adaptive_windows(in_size: int, out_size: int, dtype: np.dtype) -> np.ndarray:
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

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge.autograd import Tensor
    >>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    >>> y = AdaptiveAvgPool2d.apply(x, output_size=(1, 2))
    >>> y.numpy()[0, 0]
    array([[6.5, 8.5]])
    >>> y.sum().backward()
    >>> x.grad.numpy()[0, 0, 0]
    array([0.125, 0.125, 0.125, 0.125])
    """

    unbatched: bool
    shape: Tuple[int, ...]
    global_pool: bool
    ah: np.ndarray
    aw: np.ndarray

    @staticmethod
    def forward(ctx: AdaptiveAvgPool2d, x: np.ndarray, *,
                output_size: Tuple[Optional[int], Optional[int]],
                layer: str = "adaptive_avg_pool2d") -> np.ndarray:
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
    def backward(ctx: AdaptiveAvgPool2d, grad: np.ndarray) -> np.ndarray:
        if ctx.unbatched:
            grad = grad[None]
        N, C, H, W = ctx.shape
        if ctx.global_pool:
            dx = np.broadcast_to(grad * np.asarray(1.0 / (H * W), dtype=grad.dtype),
                                 ctx.shape).copy()
        else:
            dx = ctx.ah.T @ grad @ ctx.aw
        return dx[0] if ctx.unbatched else dx
