"""The ReLU and 2x2 max pooling of one window, for a kernel that pools a convolution's
outputs as they come out (`winograd_transforms._pool_tiles`)."""
from __future__ import annotations

from typing import Tuple

from ._compile import helper


@helper(inline=True)
def max_relu_of_four(v0: float, v1: float, v2: float, v3: float) -> Tuple[float, int]:
    """(relu of the largest of four values, which one held it): the first of equal
    values, and a NaN over any number (PyTorch's rules, as `nnforge.kernels.pooling`).
    Written out as compare-selects, which LLVM makes branch-free (a loop over the four
    took 3x as long)."""
    best, arg = v0, 0
    if v1 > best or v1 != v1:
        best, arg = v1, 1
    if v2 > best or v2 != v2:
        best, arg = v2, 2
    if v3 > best or v3 != v3:
        best, arg = v3, 3
    return (best if best > 0 or best != best else best * 0), arg
