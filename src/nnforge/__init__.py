"""nnforge: neural networks from first principles on NumPy.

`import nnforge` loads NumPy only and changes no state of the process; plotting, configs
and other optional features load their dependencies when first used, the compiled kernels
(numba) when the first hot op runs. `set_backend` chooses between the NumPy reference ops
and the compiled kernels (`nnforge.backend`); `nnforge.perf` holds the process-wide speed
switches that the CLI and the Trainer turn on.

PyTorch code should need only `import nnforge as torch`: the names below mirror torch's
top level (tensor factories, dtypes, devices, grad modes), and the sub-packages `nn`,
`optim`, `autograd`, `cuda`, `backends` and `accelerator` are reachable as attributes.
"""
import builtins as _builtins
import importlib as _importlib
import os as _os
from types import ModuleType as _ModuleType
from typing import Any as _Any, Mapping as _Mapping, Optional as _Optional, Union as _Union

from . import autograd
from .autograd import (Tensor, cat, enable_grad, inference_mode, is_grad_enabled, no_grad,
                       set_grad_enabled, stack)
from .autograd.device import device
from .backend import get_backend, set_backend
from .autograd.dtypes import from_numpy_dtype as _from_numpy_dtype
from .autograd.dtypes import result_type as _numpy_result_type
from .autograd.dtypes import (bool, complex64, complex128, double, dtype, float, float16,
                              float32, float64, get_default_dtype, half, int, int8, int16,
                              int32, int64, long, promote_types, set_default_dtype, short,
                              uint8)
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                       linspace, logspace, normal, ones, ones_like, rand, rand_like, randint,
                       randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like)
from .random import Generator, manual_seed
from . import accelerator, backends, cuda
from .serialization import load_object as _load_object
from .serialization import save_object as _save_object
from .functions import *  # noqa: F401,F403 - torch's function forms and sub-packages
from .functions import __all__ as _functions_all

__version__ = "0.1.0"


_SUBPACKAGES = ("nn", "optim", "utils", "data", "train", "tune", "diagnose", "report",
                "sklearn", "perf")


def __getattr__(name: str) -> _ModuleType:
    """Sub-packages load on first use (`nnforge.nn`, `nnforge.optim` ...), so that
    `import nnforge as torch; torch.nn.Linear` works without importing them all up front."""
    if name in _SUBPACKAGES:
        try:
            return _importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module 'nnforge' has no attribute {name!r}")



def is_floating_point(t: Tensor) -> _builtins.bool:
    """Whether `t` has a floating-point dtype (float16, float32, float64)."""
    return t.is_floating_point()



def result_type(a: _Union[Tensor, complex], b: _Union[Tensor, complex]) -> dtype:
    """The dtype PyTorch's promotion gives `a op b` (tensors or numbers)."""
    def operand(x: _Union[Tensor, complex]) -> _Any:
        return x._data if isinstance(x, Tensor) else x
    return _from_numpy_dtype(_numpy_result_type(operand(a), operand(b)))


def save(obj: object, path: _Union[str, "_os.PathLike[str]"],
         metadata: _Optional[_Mapping[str, _Any]] = None) -> None:
    """Write a Tensor, an array, a state dict or a nested checkpoint (dicts, lists and tuples
    of them with numbers and strings) to `path`: safetensors plus a JSON description of the
    structure, never pickle. A state dict stays a plain safetensors file PyTorch can read."""
    _save_object(obj, path, metadata)


def load(path: _Union[str, "_os.PathLike[str]"]) -> _Any:
    """Read a file written by `save` (or a safetensors file written by PyTorch); a state
    dict comes back as name -> Tensor."""
    return _load_object(path)


__all__ = ["Generator", "Tensor", "accelerator", "get_backend", "set_backend", "arange", "as_tensor", "autograd", "backends",
           "bool", "cat", "complex64", "complex128", "cuda", "device", "double", "dtype",
           "empty", "empty_like", "enable_grad", "eye", "float", "float16", "float32",
           "float64", "from_numpy", "full", "full_like", "get_default_dtype", "half",
           "inference_mode", "int", "int8", "int16", "int32", "int64", "is_floating_point",
           "is_grad_enabled", "is_tensor", "linspace", "load", "logspace", "long",
           "manual_seed", "no_grad", "normal", "numel", "ones", "ones_like",
           "promote_types", "rand", "rand_like", "randint", "randint_like", "randn",
           "randn_like", "randperm", "result_type", "save", "set_default_dtype",
           "set_grad_enabled", "short", "stack", "tensor", "uint8", "where", "zeros",
           "zeros_like", "__version__"]
__all__ += [name for name in _functions_all if name not in __all__]
