"""nnforge: neural networks from first principles on NumPy.

`import nnforge` loads NumPy only; plotting, configs and other optional features load
their dependencies when first used. It also sets glibc malloc's thresholds so that
training steps reuse freed memory (`nnforge.allocator`; NNFORGE_MALLOC_TUNING=0 opts out).
"""
from .allocator import tune_from_environment as _tune_allocator
from .autograd import (Tensor, cat, enable_grad, is_grad_enabled, no_grad, stack, tensor,
                       where)
from .random import manual_seed
from .functions import *  # noqa: F401,F403 - torch's function forms and sub-packages
from .functions import __all__ as _functions_all

__version__ = "0.1.0"

_tune_allocator()          # see nnforge.allocator: no page-fault churn between steps

__all__ = ["Tensor", "cat", "enable_grad", "is_grad_enabled", "load", "manual_seed",
           "no_grad", "save", "stack", "tensor", "where", "__version__"] + _functions_all


def save(obj, path, metadata=None):
    """Write a Tensor, an array, a state dict or a nested checkpoint (dicts, lists and tuples
    of them with numbers and strings) to `path`: safetensors plus a JSON description of the
    structure, never pickle. A state dict stays a plain safetensors file PyTorch can read."""
    from .serialization import save_object
    return save_object(obj, path, metadata)


def load(path):
    """Read a file written by `save` (or a safetensors file written by PyTorch); a state
    dict comes back as name -> Tensor."""
    from .serialization import load_object
    return load_object(path)
