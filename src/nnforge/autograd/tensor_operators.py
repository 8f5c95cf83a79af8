"""The operators of `Tensor` (`+ - * / ** @`, unary `-`, comparisons, `& | ^ ~`) and their
named forms (`add`, `mul`, `eq` ...), one part of the class that `tensor.py` assembles.

Arithmetic records ops of `elementwise` and `linalg` in the graph, where PyTorch's type
promotion happens; comparisons and logical operators give boolean tensors outside the
graph, like PyTorch.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from . import dtypes as _dtypes
from . import elementwise as _elementwise
from . import linalg as _linalg
from .function import Operand, TensorBase

if TYPE_CHECKING:
    from typing_extensions import Self

    from .tensor import Tensor

__all__ = ["OperatorMethods", "Operand"]

_OPERAND_TYPES = (np.ndarray, np.generic, int, float, complex, list, tuple)


def _array_of(x: Any) -> Any:
    return x._data if isinstance(x, TensorBase) else x


def scaled(other: Any, alpha: float) -> Any:
    """`other * alpha`, skipping the multiplication when alpha is 1 (`add(other, alpha)`)."""
    return other if alpha == 1 else other * alpha


class OperatorMethods(TensorBase):
    """The operator part of `Tensor`: arithmetic, comparison and logical operators.

    Examples
    --------
    >>> import nnforge
    >>> a = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> b = nnforge.tensor([3.0, 4.0])
    >>> (a * b + 1).sum().backward()
    >>> a.grad
    tensor([3., 4.])
    >>> a < b, (a > 1.5) & (b > 3)
    (tensor([ True,  True]), tensor([False,  True]))
    """

    __slots__ = ()

    # --- arithmetic (PyTorch's type promotion happens inside the ops) ----------------------
    def __add__(self, other: Operand) -> Tensor:
        return _elementwise.Add.apply(self, other)

    def __radd__(self, other: Operand) -> Tensor:
        return _elementwise.Add.apply(other, self)

    def __sub__(self, other: Operand) -> Tensor:
        return _elementwise.Sub.apply(self, other)

    def __rsub__(self, other: Operand) -> Tensor:
        return _elementwise.Sub.apply(other, self)

    def __mul__(self, other: Operand) -> Tensor:
        return _elementwise.Mul.apply(self, other)

    def __rmul__(self, other: Operand) -> Tensor:
        return _elementwise.Mul.apply(other, self)

    def __truediv__(self, other: Operand) -> Tensor:
        return _elementwise.Div.apply(self, other)

    def __rtruediv__(self, other: Operand) -> Tensor:
        return _elementwise.Div.apply(other, self)

    def __pow__(self, other: Operand) -> Tensor:
        return _elementwise.Pow.apply(self, other)

    def __rpow__(self, other: Operand) -> Tensor:
        return _elementwise.Pow.apply(other, self)

    def __neg__(self) -> Tensor:
        return _elementwise.Neg.apply(self)

    def __pos__(self) -> Self:
        return self

    def __matmul__(self, other: Operand) -> Tensor:
        return _linalg.MatMul.apply(self, other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return _linalg.MatMul.apply(other, self)

    def __abs__(self) -> Tensor:
        return _elementwise.Abs.apply(self)

    # --- comparisons and logical operators: boolean tensors outside the graph ---------------
    def _compare(self, other: Any, op: Callable[[Any, Any], Any]) -> Any:
        other = _array_of(other)
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented     # e.g. pytest.approx, which then compares itself
        x, y = _dtypes.promote_operands(self._data, other)
        return self._make(op(x, y), False, None)

    def __and__(self, other: Operand) -> Tensor:
        return self._compare(other, np.bitwise_and)

    __rand__ = __and__

    def __or__(self, other: Operand) -> Tensor:
        return self._compare(other, np.bitwise_or)

    __ror__ = __or__

    def __xor__(self, other: Operand) -> Tensor:
        return self._compare(other, np.bitwise_xor)

    __rxor__ = __xor__

    def __invert__(self) -> Tensor:
        if self._data.dtype.kind not in "biu":
            raise TypeError(f"~ (bitwise not) is only defined for bool and integer tensors, "
                            f"got {_dtypes.from_numpy_dtype(self._data.dtype)}")
        return self._make(np.invert(self._data), False, None)

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    __hash__ = object.__hash__   # defining __eq__ would otherwise drop it

    def __lt__(self, other: Operand) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Operand) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Operand) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Operand) -> Tensor:
        return self._compare(other, np.greater_equal)

    # --- named forms ----------------------------------------------------------------------
    def add(self, other: Operand, alpha: float = 1) -> Tensor:
        return self + scaled(other, alpha)

    def sub(self, other: Operand, alpha: float = 1) -> Tensor:
        return self - scaled(other, alpha)

    def mul(self, other: Operand) -> Tensor:
        return self * other

    def div(self, other: Operand) -> Tensor:
        return self / other

    def pow(self, exponent: Operand) -> Tensor:
        return self ** exponent

    def neg(self) -> Tensor:
        return -self

    def matmul(self, other: Operand) -> Tensor:
        return self @ other

    def eq(self, other: Operand) -> Tensor:
        return self == other

    def ne(self, other: Operand) -> Tensor:
        return self != other

    def lt(self, other: Operand) -> Tensor:
        return self < other

    def le(self, other: Operand) -> Tensor:
        return self <= other

    def gt(self, other: Operand) -> Tensor:
        return self > other

    def ge(self, other: Operand) -> Tensor:
        return self >= other
