"""Pooling: the maximum or mean over each window, or over a grid of a fixed output size."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

from ...autograd import Tensor
from ...autograd import pooling as _pool
from ...autograd.conv import _pair
from .argument_types import IntOrPair, TensorLike

Pair = tuple[int, int]


def _geometry(layer: str, kernel_size: IntOrPair, stride: Union[None, IntOrPair, tuple[()]],
              padding: IntOrPair, dilation: IntOrPair = 1) -> tuple[Pair, Pair, Pair, Pair]:
    """(kernel, stride, padding, dilation) as pairs; the stride defaults to the kernel."""
    kernel = _pair(kernel_size, "kernel_size", layer, 1)
    step = kernel if stride is None or stride == () else _pair(stride, "stride", layer, 1)
    return kernel, step, _pair(padding, "padding", layer, 0), _pair(dilation, "dilation",
                                                                     layer, 1)


def _output_size(output_size: Union[int, Sequence[Optional[int]]],
                 layer: str) -> tuple[Optional[int], ...]:
    """An adaptive pooling's output size as a pair (None keeps the input's size)."""
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        output_size = (output_size, output_size)
    if not (isinstance(output_size, (tuple, list)) and len(output_size) == 2
            and all(v is None or (isinstance(v, (int, np.integer)) and v >= 1)
                    for v in output_size)):
        raise ValueError(f"{layer}: output_size must be a positive int or a pair of positive "
                         f"ints (or None to keep that size), got {output_size!r}")
    return tuple(None if v is None else int(v) for v in output_size)


def max_pool2d(input: TensorLike, kernel_size: IntOrPair, stride: Optional[IntOrPair] = None,
               padding: IntOrPair = 0, dilation: IntOrPair = 1) -> Tensor:
    """Max over each kH x kW window (stride defaults to kernel_size, padding is -inf)."""
    kernel, step, pad, spacing = _geometry("max_pool2d", kernel_size, stride, padding,
                                           dilation)
    return _pool.MaxPool2d.apply(input, kernel_size=kernel, stride=step, padding=pad,
                                 dilation=spacing, layer="max_pool2d")


def avg_pool2d(input: TensorLike, kernel_size: IntOrPair, stride: Optional[IntOrPair] = None,
               padding: IntOrPair = 0, count_include_pad: bool = True) -> Tensor:
    """Mean over each kH x kW window (stride defaults to kernel_size, zero padding)."""
    kernel, step, pad, _ = _geometry("avg_pool2d", kernel_size, stride, padding)
    return _pool.AvgPool2d.apply(input, kernel_size=kernel, stride=step, padding=pad,
                                 count_include_pad=bool(count_include_pad), layer="avg_pool2d")


def adaptive_avg_pool2d(input: TensorLike,
                        output_size: Union[int, Sequence[Optional[int]]]) -> Tensor:
    """Average pooling to a fixed output size (PyTorch's window rule)."""
    size = _output_size(output_size, "adaptive_avg_pool2d")
    return _pool.AdaptiveAvgPool2d.apply(input, output_size=size, layer="adaptive_avg_pool2d")
