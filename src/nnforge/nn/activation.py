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
    """max(0, x), the default hidden activation. Shape: any -> same.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.ReLU()(nnforge.tensor([-2.0, 0.0, 3.0])).tolist()
    [0.0, 0.0, 3.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)


class Sigmoid(Module):
    """1 / (1 + e^-x): the binary-output activation; saturates in hidden layers.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.Sigmoid()(nnforge.tensor([-2.0, 0.0, 3.0])).tolist()
    [0.1192..., 0.5, 0.9525...]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """tanh x: zero-centred, saturating.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.Tanh()(nnforge.tensor([-2.0, 0.0, 3.0])).tolist()
    [-0.9640..., 0.0, 0.9950...]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Hardtanh(Module):
    """clip(x, min_val, max_val).

    Parameters
    ----------
    min_val, max_val : float
        The bounds, -1.0 and 1.0 by default; `min_val` must not exceed `max_val`.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.Hardtanh(-1.0, 2.0)(nnforge.tensor([-2.0, 0.0, 3.0])).tolist()
    [-1.0, 0.0, 2.0]
    """

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
    """x for x > 0, negative_slope * x otherwise.

    The negative side is the slope times x (0.01 x by default), not a constant 0.01.

    Parameters
    ----------
    negative_slope : float
        The slope for x < 0, 0.01 by default.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.LeakyReLU(0.5)(nnforge.tensor([-2.0, 0.0, 3.0])).tolist()
    [-1.0, 0.0, 3.0]
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """Leaky ReLU with a learned slope: max(0, x) + a min(0, x).

    Parameters
    ----------
    num_parameters : int
        1 (one slope shared by all channels) or the number of channels (dim 1 of the input).
    init : float
        The initial slope, 0.25.
    dtype : dtype
        Of the slope parameter `weight` (num_parameters,), float32 by default.

    Examples
    --------
    >>> import nnforge
    >>> layer = nnforge.nn.PReLU()
    >>> layer(nnforge.tensor([-2.0, 0.0, 3.0])).tolist()
    [-0.5, 0.0, 3.0]
    >>> tuple(layer.weight.shape)
    (1,)
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
    """x sigmoid(x) (Swish with beta = 1).

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.SiLU()(nnforge.tensor([-2.0, 0.0, 3.0])).tolist()
    [-0.2384..., 0.0, 2.8577...]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input)


class Swish(Module):
    """x sigmoid(beta x) (Ramachandran et al. 2017).

    The lecture's 2x sigmoid(beta x) is a rescaled variant; this is the standard form
    (beta -> inf gives ReLU, beta = 0 gives x / 2).

    Parameters
    ----------
    beta : float
        The initial (or fixed) beta, 1.0.
    learnable : bool
        If True, beta is a Parameter named "beta" (shape (1,)) trained with the network.
    dtype : dtype
        Of the learnable beta, float32 by default.

    Examples
    --------
    >>> import nnforge
    >>> layer = nnforge.nn.Swish(beta=0.0)
    >>> layer(nnforge.tensor([-2.0, 4.0])).tolist()
    [-1.0, 2.0]
    >>> [name for name, _ in nnforge.nn.Swish(learnable=True).named_parameters()]
    ['beta']
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
    """x for x > 0, alpha (e^x - 1) otherwise.

    Parameters
    ----------
    alpha : float
        The value approached for very negative x is -alpha; 1.0 by default.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.ELU()(nnforge.tensor([-2.0, 0.0, 3.0])).tolist()
    [-0.8646..., 0.0, 3.0]
    """

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, linear where beta x > threshold; a smooth ReLU.

    Parameters
    ----------
    beta : float
        Sharpness, 1.0; larger values come closer to ReLU.
    threshold : float
        Above it (in beta x) the output is x itself, 20.0.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.Softplus()(nnforge.tensor([0.0, 30.0])).tolist()
    [0.6931..., 30.0]
    """

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
    """Softmax along `dim`: e^x_i / sum_j e^x_j.

    Use it for reading out probabilities; for training pass the logits to CrossEntropyLoss,
    which applies log-softmax itself.

    Parameters
    ----------
    dim : int or None
        The dimension that sums to 1. None picks PyTorch's legacy default (0 for 0-, 1- and
        3-D inputs, else 1), so pass it.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.Softmax(dim=-1)(nnforge.tensor([[0.0, 0.0], [0.0, 0.0]])).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, _implicit_dim(input) if self.dim is None else self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log softmax along `dim`, computed stably; pair it with NLLLoss.

    Parameters
    ----------
    dim : int or None
        The dimension to normalize over (see Softmax for None).

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.LogSoftmax(dim=0)(nnforge.tensor([0.0, 0.0])).tolist()
    [-0.6931..., -0.6931...]
    """

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, _implicit_dim(input) if self.dim is None else self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Sign(Module):
    """sign(x): -1, 0 or +1.

    Parameters
    ----------
    straight_through : bool
        Pass the gradient where |x| <= 1 (the hardtanh straight-through estimator) instead
        of none. False by default.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.Sign()(nnforge.tensor([-2.0, 0.0, 3.0])).tolist()
    [-1.0, 0.0, 1.0]
    """

    def __init__(self, straight_through: bool = False) -> None:
        super().__init__()
        self.straight_through = bool(straight_through)

    def forward(self, input: Tensor) -> Tensor:
        return F.sign(input, self.straight_through)

    def extra_repr(self) -> str:
        return f"straight_through={self.straight_through}"


class Step(Module):
    """Heaviside step: 1 for x >= 0, else 0.

    Parameters
    ----------
    straight_through : bool
        Pass the upstream gradient unchanged instead of none. False by default.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.Step()(nnforge.tensor([-2.0, 0.0, 3.0])).tolist()
    [0.0, 1.0, 1.0]
    """

    def __init__(self, straight_through: bool = False) -> None:
        super().__init__()
        self.straight_through = bool(straight_through)

    def forward(self, input: Tensor) -> Tensor:
        return F.step(input, self.straight_through)

    def extra_repr(self) -> str:
        return f"straight_through={self.straight_through}"
