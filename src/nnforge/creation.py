"""Tensor factories with PyTorch's signatures: `zeros(2, 3)` or `zeros((2, 3))`, with
`dtype=`, `device=` and `requires_grad=`. Floating results take the default dtype
(`set_default_dtype`); the random ones draw from nnforge's seeded generator
(`nnforge.manual_seed`), or from `generator=` when given.
"""
import numpy as np

from .autograd import Tensor
from .autograd import dtypes as _dtypes
from .autograd.device import to_device
from .random import Generator, resolve_generator

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "eye",
           "arange", "linspace", "logspace", "rand", "randn", "randint", "randperm", "normal",
           "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
           "randint_like", "Generator"]


def _sizes(size):
    """`f(2, 3)`, `f((2, 3))` and `f([2, 3])` all mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    shape = []
    for n in size:
        if isinstance(n, Tensor):
            n = n.item()
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"sizes must be integers, got {n!r} in {tuple(size)}")
        if n < 0:
            raise ValueError(f"sizes must be non-negative, got {tuple(size)}")
        shape.append(int(n))
    return tuple(shape)


def _float_dtype(dtype):
    return _dtypes.default_float() if dtype is None else _dtypes.to_numpy_dtype(dtype)


def _leaf(array, requires_grad=False, device=None):
    to_device(device)
    t = Tensor._make(array, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of `data` (PyTorch's `torch.tensor`)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def as_tensor(data, dtype=None, device=None):
    """`data` as a tensor, sharing memory when it already is an array or tensor of the
    requested dtype (PyTorch's `torch.as_tensor`)."""
    to_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        target = data.dtype if dtype is None else _dtypes.to_numpy_dtype(dtype)
        return Tensor._make(data if data.dtype == target else data.astype(target), False, None)
    return Tensor(data, dtype=dtype)


def from_numpy(array):
    """A tensor sharing `array`'s memory and dtype: changes to one show in the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy(): expected a numpy.ndarray, got {type(array).__name__}")
    _dtypes.from_numpy_dtype(array.dtype)   # refuses object and string arrays
    return Tensor._make(array, False, None)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _leaf(np.zeros(_sizes(size), _float_dtype(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _leaf(np.ones(_sizes(size), _float_dtype(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _leaf(np.empty(_sizes(size), _float_dtype(dtype)), requires_grad, device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """Shape `size` filled with `fill_value`; the dtype follows the value (bool, int64 or
    the default float) unless given."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = _dtypes.scalar_dtype(fill_value)
    return _leaf(np.full(_sizes((size,)), fill_value, _dtypes.to_numpy_dtype(dtype)),
                 requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _leaf(np.eye(n, n if m is None else m, dtype=_float_dtype(dtype)), requires_grad,
                 device)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
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
    values = bounds[0] + bounds[2] * np.arange(count, dtype=np.float64 if target.kind == "f"
                                               else np.int64)
    return _leaf(values.astype(target), requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    return _leaf(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad,
                 device)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    return _leaf(np.logspace(start, end, steps, base=base).astype(_float_dtype(dtype)),
                 requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform draws from [0, 1)."""
    rng = resolve_generator(generator)
    return _leaf(rng.random(_sizes(size)).astype(_float_dtype(dtype)), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal draws."""
    rng = resolve_generator(generator)
    return _leaf(rng.standard_normal(_sizes(size)).astype(_float_dtype(dtype)), requires_grad,
                 device)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
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


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0 .. n-1 (int64 by default)."""
    rng = resolve_generator(generator)
    target = np.dtype(np.int64) if dtype is None else _dtypes.to_numpy_dtype(dtype)
    return _leaf(rng.permutation(n).astype(target), requires_grad, device)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
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


def _like(t, dtype):
    array = t._data if isinstance(t, Tensor) else np.asarray(t)
    return array.shape, (array.dtype if dtype is None else _dtypes.to_numpy_dtype(dtype))


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    shape, target = _like(input, dtype)
    return _leaf(np.zeros(shape, target), requires_grad, device)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    shape, target = _like(input, dtype)
    return _leaf(np.ones(shape, target), requires_grad, device)


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    shape, target = _like(input, dtype)
    return _leaf(np.empty(shape, target), requires_grad, device)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    shape, target = _like(input, dtype)
    return _leaf(np.full(shape, fill_value, target), requires_grad, device)


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    shape, target = _like(input, dtype)
    rng = resolve_generator(generator)
    return _leaf(rng.random(shape).astype(target), requires_grad, device)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    shape, target = _like(input, dtype)
    rng = resolve_generator(generator)
    return _leaf(rng.standard_normal(shape).astype(target), requires_grad, device)


def randint_like(input, low, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False):
    shape, target = _like(input, dtype)
    if high is None:
        low, high = 0, low
    rng = resolve_generator(generator)
    return _leaf(rng.integers(low, high, shape).astype(target), requires_grad, device)
