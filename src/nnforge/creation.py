"""Tensor factories with PyTorch's signatures: `zeros(2, 3)` or `zeros((2, 3))`, with
`dtype=`, `device=` and `requires_grad=`. Floating results take the default dtype
(`set_default_dtype`); the random ones draw from nnforge's seeded generator
(`nnforge.manual_seed`), or from `generator=` when given.

Examples
--------
>>> import nnforge
>>> nnforge.zeros(2, 3).dtype, nnforge.arange(5).dtype
(nnforge.float32, nnforge.int64)
>>> nnforge.full((2,), 7).tolist(), nnforge.linspace(0, 1, 3).tolist()
([7, 7], [0.0, 0.5, 1.0])
>>> _ = nnforge.manual_seed(0); first = nnforge.rand(3)
>>> _ = nnforge.manual_seed(0); nnforge.equal(first, nnforge.rand(3))
True
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import numpy.typing as npt

from .autograd import Tensor
from .autograd import dtypes as _dtypes
from .autograd.device import device as Device
from .autograd.device import to_device
from .random import Generator, GeneratorLike, resolve_generator

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "eye",
           "arange", "linspace", "logspace", "rand", "randn", "randint", "randperm", "normal",
           "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
           "randint_like", "Generator"]


DTypeLike = Optional[npt.DTypeLike]
"""An nnforge dtype (`nnforge.float32`), a NumPy dtype or its name; None for the default."""
DeviceLike = Union[None, str, Device]
"""'cpu', a device object, or None (the CPU): the only device there is."""
Size = Union[int, Tensor, Sequence[Union[int, Tensor]]]
"""One dimension's size, or a tuple or list of them."""
Real = Union[int, float]


def _sizes(size: Sequence[Size]) -> tuple[int, ...]:
    """`f(2, 3)`, `f((2, 3))` and `f([2, 3])` all mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    shape = []
    for entry in size:
        n = entry.item() if isinstance(entry, Tensor) else entry
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"sizes must be integers, got {n!r} in {tuple(size)}")
        if n < 0:
            raise ValueError(f"sizes must be non-negative, got {tuple(size)}")
        shape.append(int(n))
    return tuple(shape)


def _float_dtype(dtype: DTypeLike) -> np.dtype:
    return _dtypes.default_float() if dtype is None else _dtypes.to_numpy_dtype(dtype)


def _leaf(array: np.ndarray, requires_grad: bool = False, device: DeviceLike = None) -> Tensor:
    to_device(device)
    t = Tensor._make(array, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data: Union[Tensor, npt.ArrayLike], *, dtype: DTypeLike = None,
           device: DeviceLike = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of `data` (PyTorch's `torch.tensor`)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def as_tensor(data: Union[Tensor, npt.ArrayLike], dtype: DTypeLike = None,
              device: DeviceLike = None) -> Tensor:
    """`data` as a tensor, sharing memory when it already is an array or tensor of the
    requested dtype (PyTorch's `torch.as_tensor`)."""
    to_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        target = data.dtype if dtype is None else _dtypes.to_numpy_dtype(dtype)
        return Tensor._make(data if data.dtype == target else data.astype(target), False, None)
    return Tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing `array`'s memory and dtype: changes to one show in the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy(): expected a numpy.ndarray, got {type(array).__name__}")
    _dtypes.from_numpy_dtype(array.dtype)   # refuses object and string arrays
    return Tensor._make(array, False, None)


def zeros(*size: Size, dtype: DTypeLike = None, device: DeviceLike = None,
          requires_grad: bool = False, out: None = None) -> Tensor:
    return _leaf(np.zeros(_sizes(size), _float_dtype(dtype)), requires_grad, device)


def ones(*size: Size, dtype: DTypeLike = None, device: DeviceLike = None,
         requires_grad: bool = False, out: None = None) -> Tensor:
    return _leaf(np.ones(_sizes(size), _float_dtype(dtype)), requires_grad, device)


def empty(*size: Size, dtype: DTypeLike = None, device: DeviceLike = None,
          requires_grad: bool = False, out: None = None) -> Tensor:
    return _leaf(np.empty(_sizes(size), _float_dtype(dtype)), requires_grad, device)


def full(size: Size, fill_value: Union[Real, bool, Tensor], *, dtype: DTypeLike = None,
         device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """Shape `size` filled with `fill_value`; the dtype follows the value (bool, int64 or
    the default float) unless given."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = _dtypes.scalar_dtype(fill_value)
    return _leaf(np.full(_sizes((size,)), fill_value, _dtypes.to_numpy_dtype(dtype)),
                 requires_grad, device)


def eye(n: int, m: Optional[int] = None, *, dtype: DTypeLike = None, device: DeviceLike = None,
        requires_grad: bool = False) -> Tensor:
    return _leaf(np.eye(n, n if m is None else m, dtype=_float_dtype(dtype)), requires_grad,
                 device)


def arange(start: Union[Real, Tensor], end: Union[None, Real, Tensor] = None,
           step: Union[Real, Tensor] = 1, *, dtype: DTypeLike = None, device: DeviceLike = None,
           requires_grad: bool = False) -> Tensor:
    """Values from `start` (default 0) up to but excluding `end`; int64 when all bounds are
    integers, else the default float dtype."""
    if end is None:
        start, end = 0, start
    bounds = [b.item() if isinstance(b, Tensor) else b for b in (start, end, step)]
    if dtype is None:
        integral = all(isinstance(b, (int, np.integer)) for b in bounds)
        dtype = np.int64 if integral else _dtypes.default_float()
    target = _dtypes.to_numpy_dtype(dtype)
    if bounds[2] == 0:
        raise ValueError("arange(): step must be nonzero")
    count = max(int(np.ceil((bounds[1] - bounds[0]) / bounds[2])), 0)
    offsets: np.ndarray = np.arange(count, dtype=np.float64 if target.kind == "f" else np.int64)
    values = bounds[0] + bounds[2] * offsets
    return _leaf(values.astype(target), requires_grad, device)


def linspace(start: Real, end: Real, steps: int, *, dtype: DTypeLike = None,
             device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad,
                 device)


def logspace(start: Real, end: Real, steps: int, base: float = 10.0, *, dtype: DTypeLike = None,
             device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.logspace(start, end, steps, base=base).astype(_float_dtype(dtype)),
                 requires_grad, device)


def rand(*size: Size, generator: GeneratorLike = None, dtype: DTypeLike = None,
         device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """Uniform draws from [0, 1)."""
    rng = resolve_generator(generator)
    return _leaf(rng.random(_sizes(size)).astype(_float_dtype(dtype)), requires_grad, device)


def randn(*size: Size, generator: GeneratorLike = None, dtype: DTypeLike = None,
          device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws."""
    rng = resolve_generator(generator)
    return _leaf(rng.standard_normal(_sizes(size)).astype(_float_dtype(dtype)), requires_grad,
                 device)


def randint(low: int, high: Union[None, int, Sequence[int]] = None,
            size: Optional[Size] = None, *, generator: GeneratorLike = None,
            dtype: DTypeLike = None, device: DeviceLike = None,
            requires_grad: bool = False) -> Tensor:
    """Integers in [low, high) (`randint(high, size)` starts at 0), int64 by default."""
    if size is None:
        if not isinstance(high, (tuple, list)):
            raise TypeError("randint(): size must be given as a tuple, e.g. "
                            "randint(0, 10, (3,))")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    rng = resolve_generator(generator)
    target = np.dtype(np.int64) if dtype is None else _dtypes.to_numpy_dtype(dtype)
    return _leaf(rng.integers(low, high, _sizes((size,))).astype(target), requires_grad,
                 device)


def randperm(n: int, *, generator: GeneratorLike = None, dtype: DTypeLike = None,
             device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1 (int64 by default)."""
    rng = resolve_generator(generator)
    target = np.dtype(np.int64) if dtype is None else _dtypes.to_numpy_dtype(dtype)
    return _leaf(rng.permutation(n).astype(target), requires_grad, device)


def normal(mean: Union[Real, Tensor], std: Union[Real, Tensor] = 1.0,
           size: Optional[Size] = None, *, generator: GeneratorLike = None,
           dtype: DTypeLike = None, device: DeviceLike = None,
           requires_grad: bool = False) -> Tensor:
    """Normal draws: element-wise from tensors `mean`/`std`, or of shape `size` from two
    numbers."""
    rng = resolve_generator(generator)
    mean_a = mean._data if isinstance(mean, Tensor) else mean
    std_a = std._data if isinstance(std, Tensor) else std
    if size is None:
        shape = np.broadcast_shapes(np.shape(mean_a), np.shape(std_a))
        like = mean_a if isinstance(mean, Tensor) else std_a
        target = np.asarray(like).dtype if isinstance(mean, Tensor) or isinstance(std, Tensor) \
            else _float_dtype(dtype)
    else:
        shape = _sizes((size,))
        target = _float_dtype(dtype)
    if dtype is not None:
        target = _dtypes.to_numpy_dtype(dtype)
    values = rng.normal(mean_a, std_a, shape)
    return _leaf(np.asarray(values).astype(target), requires_grad, device)


def _like(t: Union[Tensor, npt.ArrayLike], dtype: DTypeLike) -> tuple[tuple[int, ...], np.dtype]:
    array = t._data if isinstance(t, Tensor) else np.asarray(t)
    return array.shape, (array.dtype if dtype is None else _dtypes.to_numpy_dtype(dtype))


def zeros_like(input: Union[Tensor, npt.ArrayLike], *, dtype: DTypeLike = None,
               device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    shape, target = _like(input, dtype)
    return _leaf(np.zeros(shape, target), requires_grad, device)


def ones_like(input: Union[Tensor, npt.ArrayLike], *, dtype: DTypeLike = None,
              device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    shape, target = _like(input, dtype)
    return _leaf(np.ones(shape, target), requires_grad, device)


def empty_like(input: Union[Tensor, npt.ArrayLike], *, dtype: DTypeLike = None,
               device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    shape, target = _like(input, dtype)
    return _leaf(np.empty(shape, target), requires_grad, device)


def full_like(input: Union[Tensor, npt.ArrayLike], fill_value: Union[Real, bool], *,
              dtype: DTypeLike = None, device: DeviceLike = None,
              requires_grad: bool = False) -> Tensor:
    shape, target = _like(input, dtype)
    return _leaf(np.full(shape, fill_value, target), requires_grad, device)


def rand_like(input: Union[Tensor, npt.ArrayLike], *, generator: GeneratorLike = None,
              dtype: DTypeLike = None, device: DeviceLike = None,
              requires_grad: bool = False) -> Tensor:
    shape, target = _like(input, dtype)
    rng = resolve_generator(generator)
    return _leaf(rng.random(shape).astype(target), requires_grad, device)


def randn_like(input: Union[Tensor, npt.ArrayLike], *, generator: GeneratorLike = None,
               dtype: DTypeLike = None, device: DeviceLike = None,
               requires_grad: bool = False) -> Tensor:
    shape, target = _like(input, dtype)
    rng = resolve_generator(generator)
    return _leaf(rng.standard_normal(shape).astype(target), requires_grad, device)


def randint_like(input: Union[Tensor, npt.ArrayLike], low: int, high: Optional[int] = None, *,
                 generator: GeneratorLike = None, dtype: DTypeLike = None,
                 device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    shape, target = _like(input, dtype)
    if high is None:
        low, high = 0, low
    rng = resolve_generator(generator)
    return _leaf(rng.integers(low, high, shape).astype(target), requires_grad, device)
