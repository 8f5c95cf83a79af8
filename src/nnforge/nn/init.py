"""Weight initializers, with PyTorch's names and semantics.

Everything is one general rule, Keras' variance scaling: draw zero-mean values whose
variance is `scale / n`, where n is the fan-in, the fan-out or their average, from a normal,
truncated normal or uniform distribution. Xavier/Glorot, He/Kaiming and LeCun are one-line
presets of it, and the fan convention (dense and conv kernels) lives in one function.

The `_`-suffixed functions fill a Tensor, Parameter or ndarray in place (like
`torch.nn.init`) and take `generator=` (a numpy Generator, an int seed, or None for the
library default of `nnforge.manual_seed`). `get_initializer(name)` maps the names used in
configs (`init = "he_normal"`) to these functions.

Where the lectures disagree, these are the definitions used:

- Xavier/Glorot: Var = 2 / (fan_in + fan_out) (Glorot & Bengio 2010). One lecture's
  Var = 1 / (d_in + d_out) is half of that and is treated as an error; another lecture's "Xavier"
  Var = 2 / n_in is He initialization under another name.
- He/Kaiming: Var = 2 / fan_in (or fan_out with mode='fan_out'), for ReLU.
- LeCun: Var = 1 / fan_in, the fan-in-only "Xavier" variant.
- Biases: zero by default; `small_positive` = 0.01 for ReLU layers, so every
  unit starts active.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable, Optional, Sequence, TypeVar, Union

import numpy as np
import numpy.typing as npt

from ..autograd import Tensor
from ..random import resolve_generator
from .functional.argument_types import GeneratorLike

Initializer = Union[str, Callable[..., object]]
"""An initializer's name (`"he_normal"`) or a function `fn(tensor, generator=None)` that
fills `tensor` in place."""

_Filled = TypeVar("_Filled", bound=Union[Tensor, np.ndarray])

_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("normal", "truncated_normal", "uniform")


def _calculate_fan_in_and_fan_out(shape: Sequence[int]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape.

    Dense (out, in): fan_in = in, fan_out = out. Conv (C_out, C_in, kH, kW, ...):
    fan_in = C_in kH kW, fan_out = C_out kH kW. 1-D shapes (a bias) use their length for
    both, so they can still be scaled.
    """
    dims = tuple(shape)
    if len(dims) == 0:
        raise ValueError("init: cannot compute fans of a 0-d (scalar) tensor")
    if len(dims) == 1:
        return dims[0], dims[0]
    receptive_field = math.prod(dims[2:])
    return dims[1] * receptive_field, dims[0] * receptive_field


def calculate_gain(nonlinearity: str, param: Optional[float] = None) -> float:
    """The recommended std multiplier for a nonlinearity (PyTorch's table).

    linear/conv/sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu with slope a:
    sqrt(2 / (1 + a^2)) (a defaults to 0.01); selu: 3/4.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.init.calculate_gain("relu"), nnforge.nn.init.calculate_gain("tanh")
    (1.4142..., 1.6666...)
    """
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                        "conv_transpose2d", "conv_transpose3d", "sigmoid", "identity"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain('leaky_relu', param): param must be a number, "
                             f"got {param!r}")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected "
                     f"one of linear, sigmoid, tanh, relu, leaky_relu, selu, conv1d/2d/3d")


def variance_scaling(shape: Sequence[int], scale: float = 1.0, mode: str = "fan_in",
                     distribution: str = "normal", generator: GeneratorLike = None,
                     dtype: npt.DTypeLike = np.float32) -> np.ndarray:
    """A new array of `shape` with zero mean and variance scale / n (Keras' rule).

    Parameters
    ----------
    shape : sequence of int
        A dense (out, in) or conv (C_out, C_in, kH, kW) weight shape.
    scale : float
        The numerator: 1 for LeCun and Xavier, 2 for He.
    mode : {'fan_in', 'fan_out', 'fan_avg'}
        n is fan_in, fan_out or (fan_in + fan_out) / 2.
    distribution : {'normal', 'uniform', 'truncated_normal'}
        'normal' (PyTorch's kaiming/xavier normal), 'uniform' (U(-a, a) with
        a = sqrt(3 scale / n)), or 'truncated_normal' (Keras' default for its presets:
        redrawn beyond 2 std, std corrected by 0.87962566 so the variance is still
        scale / n).
    generator : numpy Generator, int seed or None
        Source of the draws; None uses the library's seeded default.
    dtype : dtype
        Of the result, float32 by default.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import nnforge
    >>> weight = nnforge.nn.init.variance_scaling((300, 200), scale=2.0, generator=0)
    >>> weight.shape, round(float(weight.var()) * 200, 1)      # He: variance 2 / fan_in
    ((300, 200), 2.0)
    """
    if scale < 0:
        raise ValueError(f"variance_scaling: scale must be non-negative, got {scale}")
    if mode not in _MODES:
        raise ValueError(f"variance_scaling: mode must be one of {_MODES}, got {mode!r}")
    if distribution not in _DISTRIBUTIONS:
        raise ValueError(f"variance_scaling: distribution must be one of {_DISTRIBUTIONS}, "
                         f"got {distribution!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    if n == 0:
        raise ValueError(f"variance_scaling: {mode} of shape {tuple(shape)} is zero")
    rng = resolve_generator(generator)
    variance = scale / n
    if distribution == "uniform":
        limit = math.sqrt(3.0 * variance)
        values = rng.uniform(-limit, limit, size=shape)
    elif distribution == "normal":
        values = rng.normal(0.0, math.sqrt(variance), size=shape)
    else:
        values = _truncated_normal(rng, shape, math.sqrt(variance) / 0.87962566103423978)
    return values.astype(dtype)


def _truncated_normal(rng: np.random.Generator, shape: Sequence[int],
                      std: float) -> np.ndarray:
    values = rng.standard_normal(size=shape)
    outside = np.abs(values) > 2
    while outside.any():  # redraw only the few (~4.6%) values beyond two std
        values[outside] = rng.standard_normal(size=int(outside.sum()))
        outside = np.abs(values) > 2
    return values * std


# --- in-place fillers ---------------------------------------------------------------------
def _target(tensor: Union[Tensor, np.ndarray]) -> np.ndarray:
    array = tensor._data if isinstance(tensor, Tensor) else tensor
    if not isinstance(array, np.ndarray):
        raise TypeError(f"init: expected a Tensor, Parameter or ndarray to fill, got "
                        f"{type(tensor).__name__}")
    return array


def _fill(tensor: _Filled, values: npt.ArrayLike) -> _Filled:
    array = _target(tensor)
    array[...] = values
    return tensor


def _scaled(tensor: _Filled, scale: float, mode: str, distribution: str,
            generator: GeneratorLike) -> _Filled:
    array = _target(tensor)
    return _fill(tensor, variance_scaling(array.shape, scale, mode, distribution, generator,
                                          array.dtype))


def zeros_(tensor: _Filled) -> _Filled:
    """Fill with 0. Fine for biases; for weights it is bad: every unit of the layer
    computes the same function, gets the same gradient and stays identical."""
    return _fill(tensor, 0)


def ones_(tensor: _Filled) -> _Filled:
    """Fill with 1 (constant: same symmetry problem as zeros for weights)."""
    return _fill(tensor, 1)


def constant_(tensor: _Filled, val: float) -> _Filled:
    """Fill with `val` (constant: same symmetry problem as zeros for weights)."""
    return _fill(tensor, val)


def normal_(tensor: _Filled, mean: float = 0.0, std: float = 1.0, *,
            generator: GeneratorLike = None) -> _Filled:
    """Draw from N(mean, std^2). PyTorch's default std is 1, which saturates deep tanh
    networks; std = 0.01 makes activations vanish layer by layer."""
    array = _target(tensor)
    return _fill(tensor, resolve_generator(generator).normal(mean, std, size=array.shape))


def uniform_(tensor: _Filled, a: float = 0.0, b: float = 1.0, *,
             generator: GeneratorLike = None) -> _Filled:
    """Draw from U(a, b)."""
    array = _target(tensor)
    return _fill(tensor, resolve_generator(generator).uniform(a, b, size=array.shape))


def xavier_uniform_(tensor: _Filled, gain: float = 1.0, *,
                    generator: GeneratorLike = None) -> _Filled:
    """Glorot uniform: U(-a, a), a = gain sqrt(6 / (fan_in + fan_out)) (Keras'
    default `glorot_uniform`). For sigmoid/tanh layers."""
    return _scaled(tensor, gain ** 2, "fan_avg", "uniform", generator)


def xavier_normal_(tensor: _Filled, gain: float = 1.0, *,
                   generator: GeneratorLike = None) -> _Filled:
    """Glorot normal: N(0, gain^2 2 / (fan_in + fan_out)). One lecture's
    1 / (d_in + d_out) is half this variance (an error); another's "Xavier" is He."""
    return _scaled(tensor, gain ** 2, "fan_avg", "normal", generator)


def kaiming_uniform_(tensor: _Filled, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", *,
                     generator: GeneratorLike = None) -> _Filled:
    """He uniform: U(-b, b), b = gain sqrt(3 / fan), gain = calculate_gain(nonlinearity,
    a). With a = sqrt(5) this is PyTorch's default Linear/Conv2d weight init,
    U(+-1/sqrt(fan_in))."""
    gain = calculate_gain(nonlinearity, a)
    return _scaled(tensor, gain ** 2, mode, "uniform", generator)


def kaiming_normal_(tensor: _Filled, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", *,
                    generator: GeneratorLike = None) -> _Filled:
    """He normal: N(0, gain^2 / fan) — Var = 2 / fan_in for ReLU (a = 0). mode
    'fan_in' preserves the forward activations' variance, 'fan_out' the backward
    gradients'. Keras' `he_normal` truncates the normal; PyTorch (and nnforge) do not."""
    gain = calculate_gain(nonlinearity, a)
    return _scaled(tensor, gain ** 2, mode, "normal", generator)


def lecun_normal_(tensor: _Filled, *, generator: GeneratorLike = None) -> _Filled:
    """LeCun normal: N(0, 1 / fan_in), the fan-in-only Xavier variant."""
    return _scaled(tensor, 1.0, "fan_in", "normal", generator)


def lecun_uniform_(tensor: _Filled, *, generator: GeneratorLike = None) -> _Filled:
    """LeCun uniform: U(+-sqrt(3 / fan_in)), variance 1 / fan_in."""
    return _scaled(tensor, 1.0, "fan_in", "uniform", generator)


def small_positive_(tensor: _Filled, val: float = 0.01) -> _Filled:
    """Fill with a small positive constant, 0.01 by default: the bias preset for ReLU
    layers so every unit starts active (other lectures use zero biases)."""
    return _fill(tensor, val)


_REGISTRY: dict[str, Callable[..., object]] = {
    "zeros": zeros_,
    "ones": ones_,
    "constant": constant_,
    "normal": normal_,
    "uniform": uniform_,
    "xavier_uniform": xavier_uniform_,
    "glorot_uniform": xavier_uniform_,
    "xavier_normal": xavier_normal_,
    "glorot_normal": xavier_normal_,
    "kaiming_uniform": kaiming_uniform_,
    "he_uniform": partial(kaiming_uniform_, nonlinearity="relu"),
    "kaiming_normal": kaiming_normal_,
    "he_normal": partial(kaiming_normal_, nonlinearity="relu"),
    "lecun_normal": lecun_normal_,
    "lecun_uniform": lecun_uniform_,
    "small_positive": small_positive_,
}

_TAKES_GENERATOR = {"normal", "uniform", "xavier_uniform", "glorot_uniform", "xavier_normal",
                    "glorot_normal", "kaiming_uniform", "he_uniform", "kaiming_normal",
                    "he_normal", "lecun_normal", "lecun_uniform"}


def initializer_names() -> list[str]:
    """The names `get_initializer` accepts."""
    return sorted(_REGISTRY)


def get_initializer(name: Initializer, **kwargs: object) -> Callable[..., object]:
    """The in-place initializer called `name`, as `fn(tensor, generator=None)`.

    Extra keyword arguments are bound to it (e.g. `get_initializer("normal", std=0.01)`,
    `get_initializer("constant", val=0.1)`). A callable is returned unchanged, so layers
    can take either a name or a function. Names: zeros, ones, constant, normal, uniform,
    xavier_uniform / glorot_uniform, xavier_normal / glorot_normal, he_normal /
    kaiming_normal, he_uniform / kaiming_uniform, lecun_normal, lecun_uniform,
    small_positive. The he_* names use the ReLU gain sqrt(2); the kaiming_* names keep
    PyTorch's defaults (leaky_relu with a = 0, the same gain).
    """
    if callable(name):
        return partial(name, **kwargs) if kwargs else name
    if name not in _REGISTRY:
        raise ValueError(f"unknown initializer {name!r}; expected one of "
                         f"{', '.join(initializer_names())}")
    fn = partial(_REGISTRY[name], **kwargs) if kwargs else _REGISTRY[name]
    if name in _TAKES_GENERATOR:
        return fn

    def constant_fill(tensor: _Filled, generator: GeneratorLike = None) -> object:
        # generator accepted (and unused) so every initializer is called the same way
        return fn(tensor)
    if name == "constant" and "val" not in kwargs:
        raise ValueError("get_initializer('constant') needs val=, e.g. "
                         "get_initializer('constant', val=0.1)")
    return constant_fill


__all__ = ["calculate_gain", "constant_", "get_initializer", "initializer_names",
           "kaiming_normal_", "kaiming_uniform_", "lecun_normal_", "lecun_uniform_",
           "normal_", "ones_", "small_positive_", "uniform_", "variance_scaling",
           "xavier_normal_", "xavier_uniform_", "zeros_"]
