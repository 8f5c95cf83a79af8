"""Activation functions: each is one fused `Function` of `autograd.activations`."""
from __future__ import annotations

from typing import Union

from ...autograd import Tensor
from ...autograd import activations as _act
from .argument_types import TensorLike


def relu(input: TensorLike) -> Tensor:
    """max(0, x); gradient 0 at x == 0."""
    return _act.ReLU.apply(input)


def leaky_relu(input: TensorLike, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return _act.LeakyReLU.apply(input, negative_slope=negative_slope)


def prelu(input: TensorLike, weight: Tensor) -> Tensor:
    """Leaky ReLU whose slope `weight` (1 or C values, C = size of dim 1) is learned."""
    return _act.PReLU.apply(input, weight)


def elu(input: TensorLike, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^x - 1) otherwise."""
    return _act.ELU.apply(input, alpha=alpha)


def softplus(input: TensorLike, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, linear above `threshold` (PyTorch's defaults)."""
    return _act.Softplus.apply(input, beta=beta, threshold=threshold)


def hardtanh(input: TensorLike, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """clip(x, min_val, max_val)."""
    return _act.Hardtanh.apply(input, min_val=min_val, max_val=max_val)


def sigmoid(input: TensorLike) -> Tensor:
    """1 / (1 + e^-x)."""
    return _act.Sigmoid.apply(input)


def tanh(input: TensorLike) -> Tensor:
    """tanh x."""
    return _act.Tanh.apply(input)


def silu(input: TensorLike) -> Tensor:
    """x sigmoid(x): Swish with beta = 1."""
    return _act.Swish.apply(input, beta=1.0)


def swish(input: TensorLike, beta: Union[float, Tensor] = 1.0) -> Tensor:
    """x sigmoid(beta x); `beta` may be a number or a learnable Tensor/Parameter.

    The lecture writes 2x sigmoid(beta x); this is the standard form of Ramachandran
    et al. 2017 (bounded below by about -0.278 / beta).
    """
    if isinstance(beta, Tensor):
        return _act.Swish.apply(input, beta)
    return _act.Swish.apply(input, beta=beta)


def softmax(input: TensorLike, dim: int = -1) -> Tensor:
    """e^x_i / sum_j e^x_j along `dim`."""
    return _act.Softmax.apply(input, dim=dim)


def log_softmax(input: TensorLike, dim: int = -1) -> Tensor:
    """log softmax along `dim`, via log-sum-exp."""
    return _act.LogSoftmax.apply(input, dim=dim)


def sign(input: TensorLike, straight_through: bool = False) -> Tensor:
    """sign(x). No gradient unless `straight_through`: then the gradient passes where
    |x| <= 1 (the hardtanh straight-through estimator)."""
    return _act.Sign.apply(input, straight_through=straight_through)


def step(input: TensorLike, straight_through: bool = False) -> Tensor:
    """Heaviside step, 1 for x >= 0. No gradient unless `straight_through`: then the
    upstream gradient passes unchanged."""
    return _act.Step.apply(input, straight_through=straight_through)
