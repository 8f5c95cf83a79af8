"""Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and their functional forms.

Pooling combines each neighbourhood of a feature map into one value, shrinking the map and
making the features less sensitive to small shifts; adaptive pooling turns any input size
into a fixed output size (output 1 = global average pooling, the usual head of a modern
CNN). No parameters. Kernels: `autograd.pooling`.
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

from ..autograd import Tensor
from ..autograd import pooling as _pool
from .functional import adaptive_avg_pool2d, avg_pool2d, max_pool2d  # noqa: F401
from .functional.argument_types import ArrayLike, IntOrPair
from .functional.pooling import _geometry, _output_size
from .module import Module


def _as_tensor(x: ArrayLike) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


class MaxPool2d(Module):
    """Max pooling; the backward routes each gradient to its window's arg-max.

    Ties go to the first maximum in row-major window order, as in PyTorch.
    Shape: (N, C, H, W) -> (N, C, H_out, W_out),
    H_out = floor((H + 2*padding - dilation*(kH-1) - 1) / stride) + 1.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Window size (kH, kW).
    stride : int or (int, int), optional
        Default (None): kernel_size, i.e. non-overlapping windows.
    padding : int or (int, int)
        Implicit -inf padding on each side, at most half the kernel size.
    dilation : int or (int, int)
        Spacing between window elements, 1 by default.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> nnforge.nn.MaxPool2d(2)(x).tolist()
    [[[[4.0]]]]
    >>> tuple(nnforge.nn.MaxPool2d(2)(nnforge.zeros(1, 3, 28, 28)).shape)
    (1, 3, 14, 14)
    """

    def __init__(self, kernel_size: IntOrPair, stride: Optional[IntOrPair] = None,
                 padding: IntOrPair = 0, dilation: IntOrPair = 1) -> None:
        super().__init__()
        name = f"MaxPool2d(kernel_size={kernel_size})"
        self.kernel_size, self.stride, self.padding, self.dilation = _geometry(
            name, kernel_size, stride, padding, dilation)
        self._name = name

    def forward(self, x: Tensor) -> Tensor:
        return _pool.MaxPool2d.apply(_as_tensor(x), kernel_size=self.kernel_size,
                                     stride=self.stride, padding=self.padding,
                                     dilation=self.dilation, layer=self._name)

    def forward_after_relu(self, x: Tensor) -> Tensor:
        """self(relu(x)) as one op (`nnforge.autograd.pooling.ReLUMaxPool2d`: the same
        values and gradients, one pass fewer each way); `nn.Sequential` calls it for a
        ReLU followed by this layer."""
        return _pool.ReLUMaxPool2d.apply(_as_tensor(x), kernel_size=self.kernel_size,
                                         stride=self.stride, padding=self.padding,
                                         dilation=self.dilation, layer=self._name)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}")


class AvgPool2d(Module):
    """Average pooling: y = (1/|N|) sum of the window; the gradient is spread 1/|N|.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Window size (kH, kW).
    stride : int or (int, int), optional
        Default (None): kernel_size.
    padding : int or (int, int)
        Implicit zero padding on each side, at most half the kernel size.
    count_include_pad : bool
        Divide by the full window size including padding zeros (True, PyTorch's default)
        or only by the number of real inputs.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.AvgPool2d(2)(nnforge.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])).tolist()
    [[[[2.5]]]]
    """

    def __init__(self, kernel_size: IntOrPair, stride: Optional[IntOrPair] = None,
                 padding: IntOrPair = 0, count_include_pad: bool = True) -> None:
        super().__init__()
        name = f"AvgPool2d(kernel_size={kernel_size})"
        self.kernel_size, self.stride, self.padding, _ = _geometry(name, kernel_size, stride,
                                                                   padding)
        self.count_include_pad = bool(count_include_pad)
        self._name = name

    def forward(self, x: Tensor) -> Tensor:
        return _pool.AvgPool2d.apply(_as_tensor(x), kernel_size=self.kernel_size,
                                     stride=self.stride, padding=self.padding,
                                     count_include_pad=self.count_include_pad,
                                     layer=self._name)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, count_include_pad={self.count_include_pad}")


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (OH, OW), whatever the input size.

    Output row i averages input rows floor(i*H/OH) .. ceil((i+1)*H/OH) - 1 (and likewise
    for columns), PyTorch's rule; windows may overlap when H is not a multiple of OH.

    Parameters
    ----------
    output_size : int or (int or None, int or None)
        (OH, OW); 1 is global average pooling; None in a pair keeps that input size.

    Examples
    --------
    >>> import nnforge
    >>> tuple(nnforge.nn.AdaptiveAvgPool2d(1)(nnforge.zeros(2, 16, 7, 5)).shape)
    (2, 16, 1, 1)
    """

    def __init__(self, output_size: Union[int, Sequence[Optional[int]]]) -> None:
        super().__init__()
        self._name = f"AdaptiveAvgPool2d(output_size={output_size})"
        self.output_size = _output_size(output_size, self._name)

    def forward(self, x: Tensor) -> Tensor:
        return _pool.AdaptiveAvgPool2d.apply(_as_tensor(x), output_size=self.output_size,
                                             layer=self._name)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
