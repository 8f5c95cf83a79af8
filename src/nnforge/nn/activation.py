"""Activation layers: one small module per `nn.functional` activation.

Names, arguments and defaults are PyTorch's; PReLU's slope and Swish's optional learnable
beta are Parameters. Sign and Step (the perceptron's activations) pass no gradient unless
`straight_through=True`.
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np
import numpy.typing as npt

from ..autograd import Tensor
from . import functional as F
from .module import Module
from .parameter import Parameter


class ReLU(Module):
    """max(0, x), the default hidden activation. Shape: any -> same."""

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)


class Sigmoid(Module):
    """1 / (1 + e^-x): the binary-output activation; saturates in hidden layers."""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """tanh x: zero-centred, saturating."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Hardtanh(Module):
    """clip(x, min_val, max_val)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not exceed max_val "
                             f"({max_val})")
        self.min_val, self.max_val = min_val, max_val

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise (slope 0.01 times x, not the constant
    0.01 of the lecture's table)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """Leaky ReLU with a learned slope: max(0, x) + a min(0, x).

    num_parameters: 1 (one slope shared by all channels) or the number of channels
    (dim 1 of the input); init: the initial slope, 0.25. Parameter: weight
    (num_parameters,).
    """

    # PyTorch's attribute name; on a PReLU it hides the method Module.num_parameters()
    num_parameters: int  # type: ignore[assignment]

    def __init__(self, num_parameters: int = 1, init: float = 0.25, *,
                 dtype: npt.DTypeLike = np.float32) -> None:
        super().__init__()
        if not isinstance(num_parameters, (int, np.integer)) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive integer, got "
                             f"{num_parameters!r}")
        self.num_parameters, self.init = int(num_parameters), init
        self.weight = Parameter(np.full(self.num_parameters, init, dtype=dtype))

    def reset_parameters(self) -> None:
        self.weight._data[...] = self.init

    def forward(self, input: Tensor) -> Tensor:
        if self.num_parameters > 1:
            channels = input.shape[1] if input.ndim > 1 else 1
            if channels != self.num_parameters:
                raise ValueError(f"PReLU(num_parameters={self.num_parameters}): input has "
                                 f"{channels} channels at dim 1, expected "
                                 f"{self.num_parameters} (input shape {tuple(input.shape)})")
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class SiLU(Module):
    """x sigmoid(x) (Swish with beta = 1)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input)


class Swish(Module):
    """x sigmoid(beta x) (Ramachandran et al. 2017).

    beta: 1.0; learnable: if True, beta is a Parameter named "beta" (shape (1,)) trained
    with the network. The lecture's 2x sigmoid(beta x) is a rescaled variant; this is the
    standard form (beta -> inf gives ReLU, beta = 0 gives x / 2).
    """

    def __init__(self, beta: float = 1.0, learnable: bool = False, *,
                 dtype: npt.DTypeLike = np.float32) -> None:
        super().__init__()
        self.learnable = bool(learnable)
        self.beta: Union[float, Parameter]
        if self.learnable:
            self.beta = Parameter(np.full(1, beta, dtype=dtype))
        else:
            self.beta = float(beta)

    def forward(self, input: Tensor) -> Tensor:
        return F.swish(input, self.beta)

    def extra_repr(self) -> str:
        beta = float(self.beta._data[0]) if isinstance(self.beta, Parameter) else self.beta
        return f"beta={beta}, learnable={self.learnable}"


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, linear where beta x > threshold; a smooth ReLU."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


def _implicit_dim(input: Tensor) -> int:
    """PyTorch's legacy choice when dim is None: 0 for 0-, 1- and 3-D inputs, else 1."""
    return 0 if input.ndim in (0, 1, 3) else 1


class Softmax(Module):
    """Softmax along `dim` (dim=None picks PyTorch's legacy default, so pass it).
    Use it for reading out probabilities; for training pass
    the logits to CrossEntropyLoss, which applies log-softmax itself."""

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, _implicit_dim(input) if self.dim is None else self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log softmax along `dim`; pair with NLLLoss."""

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, _implicit_dim(input) if self.dim is None else self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Sign(Module):
    """sign(x). straight_through: pass the gradient where |x| <= 1 (hardtanh
    straight-through estimator) instead of none."""

    def __init__(self, straight_through: bool = False) -> None:
        super().__init__()
        self.straight_through = bool(straight_through)

    def forward(self, input: Tensor) -> Tensor:
        return F.sign(input, self.straight_through)

    def extra_repr(self) -> str:
        return f"straight_through={self.straight_through}"


class Step(Module):
    """Heaviside step, 1 for x >= 0. straight_through: pass the gradient unchanged
    instead of none."""

    def __init__(self, straight_through: bool = False) -> None:
        super().__init__()
        self.straight_through = bool(straight_through)

    def forward(self, input: Tensor) -> Tensor:
        return F.step(input, self.straight_through)

    def extra_repr(self) -> str:
        return f"straight_through={self.straight_through}"
