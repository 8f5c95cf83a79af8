"""Affine and shape layers: Linear, Maxout, Identity, Flatten.

Linear is the fully connected layer of an MLP; Maxout is k affine maps
followed by their maximum, a learned piecewise-linear activation.
"""
from __future__ import annotations

import math
from typing import NoReturn, Optional

import numpy as np
import numpy.typing as npt

from ..autograd import Tensor
from . import functional as F
from . import init as _init
from .functional.argument_types import GeneratorLike
from .init import Initializer
from .module import Module
from .parameter import Parameter


def _check_features(layer: str, name: str, value: int) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


def _add_affine_parameters(layer: Module, rows: int, in_features: int, bias: bool,
                          dtype: npt.DTypeLike) -> None:
    """Give `layer` an uninitialized (rows, in_features) `weight` and, when `bias`, a
    (rows,) `bias` (otherwise `bias` is registered as None, as PyTorch does)."""
    layer.weight = Parameter(np.empty((rows, in_features), dtype=dtype))
    if bias:
        layer.bias = Parameter(np.empty(rows, dtype=dtype))
    else:
        layer.register_parameter("bias", None)


def reset_affine(weight: Parameter, bias: Optional[Parameter], fan_in: int,
                 init: Optional[Initializer], bias_init: Optional[Initializer],
                 generator: GeneratorLike) -> None:
    """Initialize an affine layer's weight and bias (shared by Linear-like layers).

    With `init=None` PyTorch's default: weight kaiming_uniform_(a=sqrt(5)), i.e.
    U(+-1/sqrt(fan_in)), and bias U(+-1/sqrt(fan_in)). Otherwise `init` names (or is) an
    initializer from `nn.init` and the bias defaults to zeros; `bias_init` overrides the
    bias (e.g. "small_positive" for ReLU layers).
    """
    if init is None:
        _init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    else:
        _init.get_initializer(init)(weight, generator=generator)
    if bias is None:
        return
    if bias_init is None and init is None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        _init.uniform_(bias, -bound, bound, generator=generator)
    elif bias_init is None:
        _init.zeros_(bias)
    else:
        _init.get_initializer(bias_init)(bias, generator=generator)


class Identity(Module):
    """Returns its input unchanged: a placeholder layer, and the linear activation.

    Accepts and ignores any constructor arguments, like PyTorch's.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.Identity(54, unused=1)(nnforge.tensor([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one (by default all but the batch dimension).

    Shape: (N, *dims) -> (N, prod(dims)) with the defaults.

    Parameters
    ----------
    start_dim, end_dim : int
        The first and last dimension merged, 1 and -1 by default.

    Examples
    --------
    >>> import nnforge
    >>> tuple(nnforge.nn.Flatten()(nnforge.zeros(2, 3, 4)).shape)
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Linear(Module):
    """The fully connected layer: y = x W^T + b.

    Shape: (*, in_features) -> (*, out_features).

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output sample.
    bias : bool
        Learn an additive bias (True by default).
    generator : numpy Generator, int seed or None
        Source of the initial weights; None uses the library's seeded default.
    dtype : dtype
        Of the parameters, float32 by default.
    init, bias_init : str or callable, optional
        An `nn.init` name such as "he_normal" or a function `fn(tensor, generator=None)`;
        by default PyTorch's initialisation (see `reset_affine`).

    Attributes
    ----------
    weight : Parameter
        Shape (out_features, in_features).
    bias : Parameter or None
        Shape (out_features,).

    Examples
    --------
    >>> import nnforge
    >>> layer = nnforge.nn.Linear(3, 2)
    >>> tuple(layer(nnforge.zeros(4, 3)).shape), tuple(layer.weight.shape)
    ((4, 2), (2, 3))
    """

    weight: Parameter
    bias: Optional[Parameter]

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 generator: GeneratorLike = None, dtype: npt.DTypeLike = np.float32,
                 init: Optional[Initializer] = None,
                 bias_init: Optional[Initializer] = None) -> None:
        super().__init__()
        self.in_features = _check_features("Linear", "in_features", in_features)
        self.out_features = _check_features("Linear", "out_features", out_features)
        self.init, self.bias_init = init, bias_init
        _add_affine_parameters(self, self.out_features, self.in_features, bias, dtype)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        reset_affine(self.weight, self.bias, self.in_features, self.init, self.bias_init,
                     generator)

    def forward(self, input: Tensor) -> Tensor:
        if input.shape[-1:] != (self.in_features,):
            self._wrong_features(input)
        return F.linear(input, self.weight, self.bias)

    def _wrong_features(self, input: Tensor) -> NoReturn:
        shape = tuple(np.shape(input))
        if not shape:
            raise ValueError(f"{self._name()}: input is a 0-d scalar, expected shape "
                             f"(*, {self.in_features})")
        raise ValueError(f"{self._name()}: input has {shape[-1]} features in its last "
                         f"dimension, expected {self.in_features} (input shape {shape})")

    def _name(self) -> str:
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Maxout(Module):
    """h_j(x) = max_k (w_jk . x + b_jk) over `pieces` affine maps per output (Goodfellow et
    al. 2013): a learned piecewise-linear activation.

    Rows j*pieces .. j*pieces + pieces - 1 of the weight are unit j's pieces. The gradient
    goes to the winning piece (the first one on a tie).
    Shape: (*, in_features) -> (*, out_features).

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output sample.
    pieces : int
        Affine maps per output unit.
    bias, generator, dtype, init, bias_init
        As for Linear; the weight is (out_features * pieces, in_features).

    Examples
    --------
    >>> import nnforge
    >>> layer = nnforge.nn.Maxout(3, 2, pieces=4)
    >>> tuple(layer.weight.shape), tuple(layer(nnforge.zeros(5, 3)).shape)
    ((8, 3), (5, 2))
    """

    weight: Parameter
    bias: Optional[Parameter]

    def __init__(self, in_features: int, out_features: int, pieces: int, bias: bool = True,
                 *, generator: GeneratorLike = None, dtype: npt.DTypeLike = np.float32,
                 init: Optional[Initializer] = None,
                 bias_init: Optional[Initializer] = None) -> None:
        super().__init__()
        self.in_features = _check_features("Maxout", "in_features", in_features)
        self.out_features = _check_features("Maxout", "out_features", out_features)
        self.pieces = _check_features("Maxout", "pieces", pieces)
        self.init, self.bias_init = init, bias_init
        _add_affine_parameters(self, self.out_features * self.pieces, self.in_features, bias,
                              dtype)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        reset_affine(self.weight, self.bias, self.in_features, self.init, self.bias_init,
                     generator)

    def forward(self, input: Tensor) -> Tensor:
        if input.shape[-1:] != (self.in_features,):
            shape = tuple(np.shape(input))
            raise ValueError(f"Maxout(in_features={self.in_features}, out_features="
                             f"{self.out_features}, pieces={self.pieces}): input has "
                             f"{shape[-1] if shape else 0} features in its last dimension, "
                             f"expected {self.in_features} (input shape {shape})")
        z = F.linear(input, self.weight, self.bias)
        z = z.reshape(tuple(z.shape[:-1]) + (self.out_features, self.pieces))
        return z.max(dim=-1).values

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"pieces={self.pieces}, bias={self.bias is not None}")


__all__ = ["Flatten", "Identity", "Linear", "Maxout", "reset_affine"]
