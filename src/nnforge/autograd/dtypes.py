"""dtype objects (`nnforge.float32`, `nnforge.int64` ...), the default floating dtype, and
PyTorch's type-promotion rules for binary operations.

A `dtype` wraps a NumPy dtype and carries it in its `.dtype` attribute, so NumPy accepts it
wherever it accepts a dtype (`np.zeros(3, dtype=nnforge.float32)`), and it compares equal to
the NumPy spellings of the same type (`t.dtype == np.float32`).
"""
from __future__ import annotations

import builtins
from typing import Any, Optional, Union

import numpy as np
import numpy.typing as npt

__all__ = ["dtype", "float16", "float32", "float64", "half", "float", "double",
           "int8", "int16", "int32", "int64", "short", "int", "long", "uint8", "bool",
           "get_default_dtype", "set_default_dtype", "result_type", "promote_types",
           "to_numpy_dtype", "from_numpy_dtype"]

_builtin_bool, _builtin_int, _builtin_float = bool, int, float


class dtype:
    """A tensor element type, printed as `nnforge.float32` (PyTorch's `torch.dtype`).

    Examples
    --------
    >>> import nnforge
    >>> nnforge.float32, nnforge.float32.itemsize, nnforge.float32.is_floating_point
    (nnforge.float32, 4, True)
    >>> import numpy as np
    >>> nnforge.tensor([1, 2]).dtype == np.int64
    True
    >>> np.zeros(2, dtype=nnforge.float64).dtype
    dtype('float64')
    """

    __slots__ = ("dtype", "_name")

    def __init__(self, name: str, numpy_dtype: npt.DTypeLike) -> None:
        self._name = name
        self.dtype = np.dtype(numpy_dtype)

    @property
    def is_floating_point(self) -> builtins.bool:
        return self.dtype.kind == "f"

    @property
    def is_complex(self) -> builtins.bool:
        return self.dtype.kind == "c"

    @property
    def is_signed(self) -> builtins.bool:
        return self.dtype.kind in "fic"

    @property
    def itemsize(self) -> builtins.int:
        return self.dtype.itemsize

    @property
    def kind(self) -> str:
        """NumPy's one-letter kind ("f", "i", "u", "b"), for code written against NumPy."""
        return self.dtype.kind

    @property
    def type(self) -> builtins.type:
        return self.dtype.type

    @property
    def name(self) -> str:
        return self.dtype.name

    def __repr__(self) -> str:
        return f"nnforge.{self._name}"

    def __eq__(self, other: Any) -> builtins.bool:
        if isinstance(other, dtype):
            return self.dtype == other.dtype
        try:
            return self.dtype == np.dtype(other)
        except TypeError:
            return False

    def __ne__(self, other: object) -> builtins.bool:
        return not self == other

    def __hash__(self) -> builtins.int:
        return hash(self.dtype)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return _lookup, (self._name,)


def _lookup(name: str) -> dtype:
    return _BY_NAME[name]


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)
float64 = double = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)
int64 = long = dtype("int64", np.int64)
uint8 = dtype("uint8", np.uint8)
bool = dtype("bool", np.bool_)
complex64 = dtype("complex64", np.complex64)
complex128 = dtype("complex128", np.complex128)

# What a `dtype=` argument may be: an nnforge dtype, or anything NumPy reads as a dtype.
DTypeLike = Union[dtype, npt.DTypeLike]

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool, complex64,
        complex128)
_BY_NAME = {d._name: d for d in _ALL}
_FROM_NUMPY: dict[Any, dtype] = {d.dtype: d for d in _ALL}   # looked up by any spelling
_FROM_NUMPY.update({np.dtype(np.uint16): dtype("uint16", np.uint16),
                    np.dtype(np.uint32): dtype("uint32", np.uint32),
                    np.dtype(np.uint64): dtype("uint64", np.uint64)})

_default_float = np.dtype(np.float32)


def from_numpy_dtype(numpy_dtype: npt.DTypeLike) -> dtype:
    """The nnforge dtype for a NumPy dtype."""
    found = _FROM_NUMPY.get(numpy_dtype)
    if found is None:
        numpy_dtype = np.dtype(numpy_dtype)
        found = _FROM_NUMPY.get(numpy_dtype)
        if found is None:
            raise TypeError(f"nnforge has no dtype for NumPy's {numpy_dtype}")
    return found


def to_numpy_dtype(value: DTypeLike) -> np.dtype:
    """A NumPy dtype from an nnforge dtype, a NumPy dtype or type, a string or a Python type
    (`float` means the default floating dtype, as in PyTorch)."""
    if isinstance(value, dtype):
        return value.dtype
    if value is _builtin_float:
        return _default_float
    if value is _builtin_int:
        return np.dtype(np.int64)
    if value is _builtin_bool:
        return np.dtype(np.bool_)
    if isinstance(value, str) and value.startswith(("torch.", "nnforge.")):
        name = value.split(".", 1)[1]
        if name in _BY_NAME:
            return _BY_NAME[name].dtype
        if name in _ALIASES:
            return _ALIASES[name].dtype
    try:
        return np.dtype(value)
    except TypeError:
        raise TypeError(f"expected a dtype such as nnforge.float32, got {value!r}") from None


_ALIASES = {"half": float16, "float": float32, "double": float64, "short": int16, "int": int32,
            "long": int64}


def get_default_dtype() -> dtype:
    """The dtype of tensors built from Python floats and of the float factories."""
    return _FROM_NUMPY[_default_float]


def set_default_dtype(d: DTypeLike) -> None:
    """Set the default floating dtype (float32 unless changed; float64 or float16 allowed)."""
    global _default_float
    numpy_dtype = to_numpy_dtype(d)
    if numpy_dtype.kind != "f":
        raise TypeError(f"set_default_dtype(): only floating-point dtypes can be the default, "
                        f"got {from_numpy_dtype(numpy_dtype)}")
    _default_float = numpy_dtype


def default_float() -> np.dtype:
    """The default floating dtype as a NumPy dtype (for internal use)."""
    return _default_float


# --- type promotion ------------------------------------------------------------------------
# PyTorch ranks operands in three tiers: tensors with dimensions, 0-d tensors, and plain
# numbers (Python or NumPy scalars). A lower tier only changes the result when it brings a
# higher category (bool < integer < floating); plain floats then count as the default dtype.

def _category(d: Optional[np.dtype]) -> builtins.int:
    if d is None:
        return -1
    kind = d.kind
    return 0 if kind == "b" else 3 if kind == "c" else 2 if kind == "f" else 1


def _promote(a: Optional[np.dtype], b: Optional[np.dtype]) -> Optional[np.dtype]:
    if a is None:
        return b
    if b is None or a == b:
        return a
    if a.kind == "b":
        return b
    if b.kind == "b":
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:                    # integer with floating: the floating type, whatever its size
        return a if ca > cb else b
    return np.promote_types(a, b)


def _combine(higher: Optional[np.dtype], lower: Optional[np.dtype]) -> Optional[np.dtype]:
    """PyTorch's rule for folding a lower tier's type into a higher tier's."""
    if higher is not None and higher.kind in "fc":
        return higher
    if lower is None:
        return higher
    if higher is None:
        return lower
    if higher.kind == "b" or lower.kind in "fc":
        return _promote(higher, lower)
    return higher


_INT64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)


def scalar_dtype(value: Any) -> np.dtype:
    """The dtype a plain number takes part in promotion with (floats: the default dtype)."""
    if isinstance(value, _builtin_bool):
        return _BOOL
    if isinstance(value, np.bool_):   # PyTorch reads a NumPy bool as a float number
        return _default_float
    if isinstance(value, (_builtin_int, np.integer)):
        return _INT64
    if isinstance(value, (_builtin_float, np.floating)):
        return _default_float
    if isinstance(value, (complex, np.complexfloating)):
        return np.dtype(np.complex128 if _default_float == np.float64 else np.complex64)
    raise TypeError(f"expected a tensor or a number, got {type(value).__name__}")


def result_type(*operands: Any) -> np.dtype:
    """The NumPy dtype PyTorch gives a binary elementwise op on these operands: ndarrays
    stand for tensors (0-d ones for 0-d tensors), anything else is a plain number."""
    dims = zeros = wrapped = None
    for x in operands:
        if isinstance(x, np.ndarray):
            if x.ndim:
                dims = _promote(dims, x.dtype)
            else:
                zeros = _promote(zeros, x.dtype)
        else:
            wrapped = _promote(wrapped, scalar_dtype(x))
    result = _combine(dims, _combine(zeros, wrapped))
    assert result is not None, "result_type() needs at least one operand"
    return result


def promote_types(a: DTypeLike, b: DTypeLike) -> dtype:
    """The smallest dtype both `a` and `b` convert to (PyTorch's `promote_types`)."""
    result = _promote(to_numpy_dtype(a), to_numpy_dtype(b))
    assert result is not None
    return from_numpy_dtype(result)


def promote_operands(x: Any, y: Any) -> tuple[Any, Any]:
    """`x` and `y` cast to their PyTorch result dtype (a no-op in the common case of two
    arrays of one dtype); plain numbers stay numbers unless NumPy would widen the result."""
    if type(x) is np.ndarray and type(y) is np.ndarray and x.dtype == y.dtype:
        return x, y
    target = result_type(x, y)
    return _cast(x, target), _cast(y, target)


def _cast(x: Any, target: np.dtype) -> Any:
    if isinstance(x, np.ndarray):
        return x if x.dtype == target else x.astype(target)
    if isinstance(x, np.generic) or isinstance(x, _builtin_int) and target.kind in "iu":
        return np.asarray(x).astype(target)
    return x
