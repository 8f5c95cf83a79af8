"""The maximum of one 2x2 window, shared by MaxPool2d(2)'s kernel (`pooling`) and the
kernel that pools a convolution's output tiles as they come out (`winograd_transforms`),
so both follow one rule for ties and NaNs."""
from __future__ import annotations

from typing import Tuple

from ._compile import helper


@helper(inline=True)
def max_of_four(v0: float, v1: float, v2: float, v3: float) -> Tuple[float, int]:
    """(the largest of four values, which one held it): the first of equal values, and a
    NaN over any number (PyTorch's rules, as `nnforge.autograd.pooling.max_pool2d`).
    Written out as compare-selects, which LLVM vectorizes across windows (a loop over the
    four took 3x as long)."""
    best, arg = v0, 0
    if v1 > best or v1 != v1:
        best, arg = v1, 1
    if v2 > best or v2 != v2:
        best, arg = v2, 2
    if v3 > best or v3 != v3:
        best, arg = v3, 3
    return best, arg


@helper(inline=True)
def max_relu_of_four(v0: float, v1: float, v2: float, v3: float) -> Tuple[float, int]:
    """(relu of `max_of_four`, which value held the maximum): ReLU then MaxPool2d(2) of
    the window, as relu keeps the order."""
    best, arg = max_of_four(v0, v1, v2, v3)
    return (best if best > 0 or best != best else best * 0), arg
