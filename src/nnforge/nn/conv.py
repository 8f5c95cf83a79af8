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
from .functional import conv2d  # noqa: F401 - the functional form, also reachable here
from .functional.argument_types import GeneratorLike, IntOrPair
from .init import Initializer
from .linear import reset_affine
from .module import Module
from .parameter import Parameter


class Conv2d(Module):
    """2-D convolution over an NCHW input (PyTorch's `nn.Conv2d` without groups).

    Args:
        in_channels: channels C_in of the input.
        out_channels: number of filters C_out (channels of the output).
        kernel_size: int or (kH, kW).
        stride: int or pair, default 1.
        padding: int or pair of zeros added on each side, default 0.
        dilation: int or pair, spacing between kernel taps, default 1.
        bias: learn a per-channel bias (default True).
        generator: numpy Generator / seed for the initial weights (default: the library's).
        dtype: parameter dtype, float32 by default.
        init, bias_init: an `nn.init` name (e.g. "he_normal") or callable for the weight
            and the bias, as for `Linear`; by default PyTorch's initialisation.

    Parameters: `weight` (C_out, C_in, kH, kW) and `bias` (C_out,), initialised by default
    like PyTorch: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = C_in*kH*kW (this is
    kaiming_uniform_ with a=sqrt(5)); with `init` given, the bias starts at zero.

    Shape: (N, C_in, H, W) -> (N, C_out, H_out, W_out), with
    H_out = floor((H + 2*padding - dilation*(kH-1) - 1) / stride) + 1.
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
