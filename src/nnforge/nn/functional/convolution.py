"""Two-dimensional convolution (cross-correlation, as in every deep-learning library)."""
from __future__ import annotations

from typing import Optional

from ...autograd import Tensor
from ...autograd.conv import Conv2d as _Conv2dFn
from ...autograd.conv import _pair
from .argument_types import IntOrPair, TensorLike


def conv2d(input: TensorLike, weight: Tensor, bias: Optional[Tensor] = None,
           stride: IntOrPair = 1, padding: IntOrPair = 0, dilation: IntOrPair = 1) -> Tensor:
    """2-D cross-correlation of `input` (N, C_in, H, W) or (C_in, H, W) with `weight`
    (C_out, C_in, kH, kW), plus `bias` (C_out,). Output size per spatial dim:
    floor((H + 2*padding - dilation*(kH - 1) - 1) / stride) + 1."""
    name = "conv2d"
    return _Conv2dFn.apply(input, weight, bias, stride=_pair(stride, "stride", name, 1),
                           padding=_pair(padding, "padding", name, 0),
                           dilation=_pair(dilation, "dilation", name, 1), layer=name)
