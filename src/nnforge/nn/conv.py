"""The 2-D convolutional layer and its functional form.

A convolution slides C_out learned filters of shape (C_in, kH, kW) over the input and
shares them across all positions (weight sharing), so a layer needs C_out*C_in*kH*kW
weights whatever the image size. Like every framework, the op is cross-correlation (the
kernel is not flipped). The kernel itself is `autograd.conv.Conv2d`: im2col on a strided
view and one GEMM.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import numpy.typing as npt

from ..autograd import Tensor
from ..autograd.conv import Conv2d as _Conv2dFn
from ..autograd.conv import _pair
from ..autograd.conv_pool import Conv2dReLUMaxPool2d as _Conv2dReLUMaxPool2dFn
from .functional import conv2d  # noqa: F401 - the functional form, also reachable here
from .functional.argument_types import GeneratorLike, IntOrPair
from .init import Initializer
from .linear import reset_affine
from .module import Module
from .parameter import Parameter
from .pooling import MaxPool2d


class Conv2d(Module):
    """2-D convolution over an NCHW input (PyTorch's `nn.Conv2d` without groups).

    The weight is initialised like PyTorch's, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    fan_in = C_in*kH*kW (kaiming_uniform_ with a=sqrt(5)); with `init` given, the bias
    starts at zero.
    Shape: (N, C_in, H, W) -> (N, C_out, H_out, W_out), with
    H_out = floor((H + 2*padding - dilation*(kH-1) - 1) / stride) + 1.

    Parameters
    ----------
    in_channels : int
        Channels C_in of the input.
    out_channels : int
        Number of filters C_out (channels of the output).
    kernel_size : int or (int, int)
        (kH, kW).
    stride, padding, dilation : int or (int, int)
        Step between windows (1), zeros added on each side (0), spacing between kernel
        taps (1).
    bias : bool
        Learn a per-channel bias (True).
    generator : numpy Generator, int seed or None
        Source of the initial weights; None uses the library's seeded default.
    dtype : dtype
        Of the parameters, float32 by default.
    init, bias_init : str or callable, optional
        An `nn.init` name (e.g. "he_normal") or function for the weight and the bias.

    Attributes
    ----------
    weight : Parameter
        Shape (C_out, C_in, kH, kW).
    bias : Parameter or None
        Shape (C_out,).

    Examples
    --------
    >>> import nnforge
    >>> conv = nnforge.nn.Conv2d(3, 8, kernel_size=3, padding=1)
    >>> tuple(conv.weight.shape), tuple(conv(nnforge.zeros(2, 3, 28, 28)).shape)
    ((8, 3, 3, 3), (2, 8, 28, 28))
    """

    bias: Optional[Parameter]

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntOrPair,
                 stride: IntOrPair = 1, padding: IntOrPair = 0, dilation: IntOrPair = 1,
                 bias: bool = True, *, generator: GeneratorLike = None,
                 dtype: npt.DTypeLike = np.float32, init: Optional[Initializer] = None,
                 bias_init: Optional[Initializer] = None) -> None:
        super().__init__()
        layer = f"Conv2d(in_channels={in_channels})"
        for arg, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{layer}: {arg} must be a positive integer, got {value!r}")
        if isinstance(padding, str):
            raise ValueError(f"{layer}: padding must be an int or a pair of ints; string "
                             f"padding modes such as {padding!r} are not supported")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _pair(kernel_size, "kernel_size", layer, 1)
        self.stride = _pair(stride, "stride", layer, 1)
        self.padding = _pair(padding, "padding", layer, 0)
        self.dilation = _pair(dilation, "dilation", layer, 1)
        self.init, self.bias_init = init, bias_init
        float_dtype = np.dtype(dtype)
        shape = (self.out_channels, self.in_channels) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=float_dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=float_dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator=generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        """Draw the initial weight and bias (PyTorch's U(+-1/sqrt(fan_in)) by default)."""
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        reset_affine(self.weight, self.bias, fan_in, self.init, self.bias_init, generator)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x))
        return _Conv2dFn.apply(x, self.weight, self.bias, stride=self.stride,
                               padding=self.padding, dilation=self.dilation,
                               layer=f"Conv2d(in_channels={self.in_channels})")

    def forward_relu_max_pool(self, x: Tensor, pool: MaxPool2d) -> Tensor:
        """pool(relu(self(x))) as one op (`nnforge.autograd.conv_pool`: the same values and
        gradients, without the full-size convolution output where the numba backend
        pools its tiles directly); `nn.Sequential` calls it for this layer followed by a
        ReLU and `pool`."""
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x))
        return _Conv2dReLUMaxPool2dFn.apply(
            x, self.weight, self.bias, stride=self.stride, padding=self.padding,
            dilation=self.dilation, layer=f"Conv2d(in_channels={self.in_channels})",
            pool=(pool.kernel_size, pool.stride, pool.padding, pool.dilation),
            pool_layer=pool._name)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.bias is None:
            s += ", bias=False"
        return s
