"""nnforge: neural networks from first principles on NumPy.

`import nnforge` loads NumPy only and changes no state of the process; plotting, configs
and other optional features load their dependencies when first used, the compiled kernels
(numba) when the first hot op runs. `set_backend` chooses between the NumPy reference ops
and the compiled kernels (`nnforge.backend`); `nnforge.perf` holds the process-wide speed
switches that the CLI and the Trainer turn on.
"""
from .autograd import (Tensor, cat, enable_grad, is_grad_enabled, no_grad, stack, tensor,
                       where)
from .backend import get_backend, set_backend
from .random import manual_seed

__version__ = "0.1.0"

__all__ = ["Tensor", "cat", "enable_grad", "get_backend", "is_grad_enabled", "load",
           "manual_seed", "no_grad", "save", "set_backend", "stack", "tensor", "where",
           "__version__"]


def save(state_dict, path, metadata=None):
    """Write a state dict (name -> array) as a safetensors file PyTorch can read."""
    from .serialization import save as _save
    return _save(state_dict, path, metadata)


def load(path):
    """Read a safetensors file written by `save` (or by PyTorch) into a dict of arrays."""
    from .serialization import load as _load
    return _load(path)
