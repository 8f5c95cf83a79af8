"""`Parameter`: a leaf tensor that a `Module` registers as trainable."""
import numpy as np

from ..autograd import Tensor


class Parameter(Tensor):
    """A tensor that requires grad and is found by `Module.parameters()`.

    Wraps the given array without copying it (like `torch.nn.Parameter`), so initializers
    and optimizers can update `data` in place.
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        array = data.data if isinstance(data, Tensor) else np.asarray(data)
        if array.dtype.kind != "f":
            raise TypeError(f"Parameter: expected floating-point data, got dtype {array.dtype}")
        self.data = array
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None
        self._retain_grad = False

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
