"""The conversion methods of `Tensor`: dtype and device (`to`, `float()`, `type` ...), new
tensors of the same dtype (`new_zeros` ...), and the ways out to NumPy and Python
(`numpy()`, `item()`, `__array__`, DLPack), one part of the class that `tensor.py`
assembles.

Devices are honestly CPU-only: naming the CPU works, any other device raises one clear
error (see `device`).
"""
from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, Optional, Union, cast, overload

import numpy as np
import numpy.typing as npt

from . import dtypes as _dtypes
from . import elementwise as _elementwise
from . import grad_mode as _grad_mode
from . import shapes as _shapes
from .device import CPU as _CPU
from .device import DeviceLike, cpu_only_error, to_device
from .device import device as _device
from .dtypes import DTypeLike
from .function import TensorBase

if TYPE_CHECKING:
    from typing_extensions import Self

    from .tensor import Tensor

__all__ = ["ConversionMethods", "as_array"]

_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def as_array(data: Any, dtype: Optional[DTypeLike] = None) -> np.ndarray:
    """Convert user data to an ndarray with PyTorch's dtype rules: Python floats become the
    default dtype (float32), Python ints int64, and NumPy arrays keep their dtype."""
    if isinstance(data, TensorBase):
        data = data._data
    if dtype is not None:
        return np.array(data, dtype=_dtypes.to_numpy_dtype(dtype))
    if isinstance(data, np.ndarray):
        return data.copy()
    if isinstance(data, np.generic):
        return np.array(data)
    array = np.array(data)
    if array.dtype == np.float64:
        return array.astype(_dtypes.default_float())
    if array.dtype.kind == "O":
        raise TypeError(f"tensor(): cannot build a numeric tensor from {type(data).__name__} "
                        "data with ragged or non-numeric elements")
    return array


def _sizes(size: tuple[Any, ...]) -> tuple[int, ...]:
    """`f(2, 3)` and `f((2, 3))` both mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(n) for n in size)


class ConversionMethods(TensorBase):
    """The conversion part of `Tensor`: dtype, device, new tensors, NumPy and Python values.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.5, 2.5])
    >>> x.dtype, x.long(), x.to(nnforge.float64).dtype
    (nnforge.float32, tensor([1, 2]), nnforge.float64)
    >>> x.new_zeros(2, 2)
    tensor([[0., 0.],
            [0., 0.]])
    >>> x.sum().item(), x.tolist(), x.device
    (4.0, [1.5, 2.5], device(type='cpu'))
    """

    __slots__ = ()

    # --- dtype and device -------------------------------------------------------------------
    @property
    def dtype(self) -> _dtypes.dtype:
        return _dtypes._FROM_NUMPY[self._data.dtype]

    @property
    def device(self) -> _device:
        return _CPU

    is_cuda = False

    def is_floating_point(self) -> builtins.bool:
        return self._data.dtype.kind == "f"

    def element_size(self) -> builtins.int:
        return self._data.dtype.itemsize

    def to(self, *args: Any, dtype: Optional[DTypeLike] = None, device: DeviceLike = None,
           copy: builtins.bool = False, non_blocking: builtins.bool = False,
           **kwargs: Any) -> Tensor:
        """Convert dtype and/or device: `to(dtype)`, `to("cpu")`, `to(device, dtype)`,
        `to(other_tensor)`. Returns self when nothing changes (as PyTorch does)."""
        for a in args:
            if isinstance(a, TensorBase):
                dtype = a._data.dtype
            elif isinstance(a, (str, _device)):
                device = a
            elif isinstance(a, int) and not isinstance(a, bool):
                raise cpu_only_error(f"cuda:{a}")
            else:
                dtype = a
        to_device(device)
        if dtype is None:
            return _shapes.Clone.apply(self) if copy else cast("Tensor", self)
        return self._cast(_dtypes.to_numpy_dtype(dtype), copy)

    def _cast(self, target: np.dtype, copy: builtins.bool = False) -> Tensor:
        if target == self._data.dtype and not copy:
            return cast("Tensor", self)
        if self.requires_grad and target.kind in "fc" and _grad_mode.enabled:
            return _elementwise.Cast.apply(self, dtype=target)
        return self._make(self._data.astype(target), False, None)

    @overload
    def type(self, dtype: None = None) -> str: ...

    @overload
    def type(self, dtype: DTypeLike) -> Tensor: ...

    def type(self, dtype: Optional[DTypeLike] = None) -> Union[str, Tensor]:
        """Without an argument, the type name (`"nnforge.FloatTensor"`); with one, a copy in
        that dtype."""
        if dtype is None:
            return f"nnforge.{_TYPE_NAMES.get(self._data.dtype.name, self._data.dtype.name)}"
        return self._cast(_dtypes.to_numpy_dtype(dtype))

    def type_as(self, other: TensorBase) -> Tensor:
        return self._cast(other._data.dtype)

    def astype(self, dtype: DTypeLike) -> Tensor:
        return self._cast(_dtypes.to_numpy_dtype(dtype))

    def float(self) -> Tensor:
        return self._cast(np.dtype(np.float32))

    def double(self) -> Tensor:
        return self._cast(np.dtype(np.float64))

    def half(self) -> Tensor:
        return self._cast(np.dtype(np.float16))

    def long(self) -> Tensor:
        return self._cast(np.dtype(np.int64))

    def int(self) -> Tensor:
        return self._cast(np.dtype(np.int32))

    def short(self) -> Tensor:
        return self._cast(np.dtype(np.int16))

    def byte(self) -> Tensor:
        return self._cast(np.dtype(np.uint8))

    def bool(self) -> Tensor:
        return self._cast(np.dtype(np.bool_))

    def cpu(self) -> Self:
        return self

    def cuda(self, device: Optional[Union[builtins.int, str]] = None,
             non_blocking: builtins.bool = False) -> Tensor:
        raise cpu_only_error("cuda" if device is None else f"cuda:{device}")

    def mps(self) -> Tensor:
        raise cpu_only_error("mps")

    # --- new tensors with this tensor's dtype -----------------------------------------------
    def _new(self, array: Any, dtype: Optional[DTypeLike],
             requires_grad: builtins.bool) -> Tensor:
        target = self._data.dtype if dtype is None else _dtypes.to_numpy_dtype(dtype)
        t = self._make(np.asarray(array, dtype=target), False, None)
        return t.requires_grad_(True) if requires_grad else t

    def new_zeros(self, *size: Any, dtype: Optional[DTypeLike] = None,
                  device: DeviceLike = None,
                  requires_grad: builtins.bool = False) -> Tensor:
        """Zeros of the given size with this tensor's dtype (PyTorch's `new_zeros`)."""
        to_device(device)
        return self._new(np.zeros(_sizes(size)), dtype, requires_grad)

    def new_ones(self, *size: Any, dtype: Optional[DTypeLike] = None,
                 device: DeviceLike = None,
                  requires_grad: builtins.bool = False) -> Tensor:
        to_device(device)
        return self._new(np.ones(_sizes(size)), dtype, requires_grad)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Optional[DTypeLike] = None,
                 device: DeviceLike = None,
                  requires_grad: builtins.bool = False) -> Tensor:
        to_device(device)
        return self._new(np.full(_sizes((size,)), fill_value), dtype, requires_grad)

    def new_empty(self, *size: Any, dtype: Optional[DTypeLike] = None,
                  device: DeviceLike = None,
                  requires_grad: builtins.bool = False) -> Tensor:
        to_device(device)
        return self._new(np.empty(_sizes(size)), dtype, requires_grad)

    def new_tensor(self, data: npt.ArrayLike, *, dtype: Optional[DTypeLike] = None,
                   device: DeviceLike = None,
                  requires_grad: builtins.bool = False) -> Tensor:
        """A copy of `data` with this tensor's dtype (unless `dtype` is given)."""
        to_device(device)
        array = data._data if isinstance(data, TensorBase) else data
        return self._new(np.array(array), dtype, requires_grad)

    # --- NumPy and Python values ----------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self._data

    def __array__(self, dtype: Optional[npt.DTypeLike] = None,
                  copy: Optional[builtins.bool] = None) -> np.ndarray:
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __dlpack__(self, **kwargs: Any) -> Any:
        """Zero-copy exchange with other array libraries (`torch.tensor(nnforge_tensor)`)."""
        data = self._data
        if not data.flags.writeable:
            data = data.copy()
        return data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[builtins.int, builtins.int]:
        return self._data.__dlpack_device__()

    def item(self) -> Union[builtins.float, builtins.int, builtins.bool]:
        if self._data.size != 1:
            raise ValueError(f"item(): only a tensor with one element can be converted to a "
                             f"Python number, this one has shape {self._data.shape}")
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def __float__(self) -> builtins.float:
        return float(self.item())

    def __int__(self) -> builtins.int:
        return int(self.item())

    def __index__(self) -> builtins.int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._data.item())
