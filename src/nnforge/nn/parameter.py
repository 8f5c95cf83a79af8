"""`Parameter`: a leaf tensor that a `Module` registers as trainable."""
from __future__ import annotations

from typing import Union

import numpy as np
import numpy.typing as npt

from ..autograd import Tensor


class Parameter(Tensor):
    """A tensor that requires grad and is found by `Module.parameters()`.

    Wraps the given array or tensor without copying it (like `torch.nn.Parameter`), so
    initializers and optimizers update its memory in place.

    Parameters
    ----------
    data : Tensor or array_like, optional
        Floating-point values; None gives an empty float32 parameter.
    requires_grad : bool
        True by default; False freezes it.

    Examples
    --------
    >>> import nnforge
    >>> weight = nnforge.nn.Parameter(nnforge.zeros(2, 3))
    >>> weight.requires_grad, tuple(weight.shape)
    (True, (2, 3))
    """

    __slots__ = ()

    def __init__(self, data: Union[None, Tensor, npt.ArrayLike] = None,
                 requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=np.float32)
        array = data._data if isinstance(data, Tensor) else np.asarray(data)
        if array.dtype.kind != "f":
            raise TypeError(f"Parameter: expected floating-point data, got dtype {array.dtype}")
        self._init(array, bool(requires_grad))

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
