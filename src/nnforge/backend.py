"""Two paths, one engine: which implementation the hot ops run.

Every hot op (im2col and col2im of the convolution, max pooling, ReLU, the optimizer updates)
is a plain NumPy function that reads like the course: the *reference*. It is marked with
``@dispatch("name")``. A *backend* may supply a faster function of the same name and
signature; when the active backend has one, the call goes there, otherwise to the
reference. Two backends exist:

* ``"numpy"``: the references only;
* ``"numba"``: compiled kernels from `nnforge.kernels` (the default when numba is
  importable), each tested equal to its reference.

`set_backend` chooses; the environment variable ``NNFORGE_BACKEND`` sets the initial choice.
Nothing is imported or compiled until the first hot op runs. A backend is a module with an
``OPS`` dict (name -> function); a kernel returns ``NotImplemented`` for inputs it does not
handle (an integer dtype, say), and the reference runs instead. A third path (an array
library for GPUs) would be one more entry in `_BACKENDS`.
"""
from __future__ import annotations

import functools
import importlib
import importlib.util
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

__all__ = ["set_backend", "get_backend", "available_backends", "dispatch"]

_BACKENDS = {"numpy": None, "numba": "nnforge.kernels"}
_ENV = "NNFORGE_BACKEND"
_name: str | None = None                     # chosen backend; None until first asked
_ops: dict[str, Callable[..., Any]] | None = None   # its OPS table; None until first used
F = TypeVar("F", bound=Callable[..., Any])


def available_backends() -> list[str]:
    """The backend names this installation can run (numba only when it is importable)."""
    return [name for name, module in _BACKENDS.items()
            if module is None or importlib.util.find_spec("numba") is not None]


def _check(name: str, where: str) -> str:
    if name not in _BACKENDS:
        raise ValueError(f"{where}: unknown backend {name!r}; choose one of "
                         f"{sorted(_BACKENDS)}")
    if name not in available_backends():
        raise ValueError(f"{where}: backend {name!r} needs numba, which is not installed "
                         f"(pip install numba, or the 'all' extra of nnforge)")
    return name


def get_backend() -> str:
    """The active backend's name: set by `set_backend`, else ``NNFORGE_BACKEND``, else
    "numba" when importable, else "numpy"."""
    global _name
    if _name is None:
        chosen = os.environ.get(_ENV, "").strip()
        if chosen:
            _name = _check(chosen, f"environment variable {_ENV}")
        else:
            _name = "numba" if "numba" in available_backends() else "numpy"
    return _name


def set_backend(name: str) -> str:
    """Run the hot ops through backend `name` ("numpy" or "numba") from now on; returns
    the previous backend's name."""
    global _name, _ops
    previous = get_backend()
    _name, _ops = _check(name, "nnforge.set_backend"), None
    return previous


def _table() -> dict[str, Callable[..., Any]]:
    global _ops
    if _ops is None:
        module = _BACKENDS[get_backend()]
        backend: ModuleType | None = (None if module is None
                                      else importlib.import_module(module))
        _ops = {} if backend is None else backend.OPS
    return _ops


def dispatch(name: str) -> Callable[[F], F]:
    """Decorator for a reference implementation: calls go to the active backend's
    function `name` when it has one (and it does not return NotImplemented). The
    undecorated function stays available as ``.reference``."""
    def decorate(reference: F) -> F:
        @functools.wraps(reference)
        def op(*args: Any, **kwargs: Any) -> Any:
            kernel = (_ops if _ops is not None else _table()).get(name)
            if kernel is not None:
                result = kernel(*args, **kwargs)
                if result is not NotImplemented:
                    return result
            return reference(*args, **kwargs)
        op.reference = reference  # type: ignore[attr-defined]
        op.op_name = name  # type: ignore[attr-defined]
        return op  # type: ignore[return-value]
    return decorate
