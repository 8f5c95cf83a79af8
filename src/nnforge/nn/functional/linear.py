"""The affine map of a fully connected layer, and flattening."""
from __future__ import annotations

from typing import Optional

from ...autograd import Tensor
from ...autograd.linalg import Linear as _Linear
from ._inputs import _as_tensor
from .argument_types import TensorLike


def linear(input: TensorLike, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """y = x W^T + b for x (*, in_features), W (out_features, in_features), b (out,)."""
    return _Linear.apply(input, weight, bias)


def flatten(input: TensorLike, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one."""
    return _as_tensor(input).flatten(start_dim, end_dim)
