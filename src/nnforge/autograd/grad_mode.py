"""Whether ops record a graph: `no_grad()` and `enable_grad()` switch it off and on."""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

enabled = True


def is_grad_enabled() -> bool:
    """True when ops record the graph needed by `backward`."""
    return enabled


class _GradMode:
    _mode = True
    _previous = True

    def __enter__(self) -> None:
        global enabled
        self._previous = enabled
        enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        global enabled
        enabled = self._previous

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)
        return cast(F, wrapper)


class no_grad(_GradMode):
    """Context manager (or decorator) inside which no graph is built: for inference and
    for updating parameters in place.

    Examples
    --------
    >>> import nnforge
    >>> w = nnforge.tensor([1.0], requires_grad=True)
    >>> with nnforge.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    >>> @nnforge.no_grad()
    ... def predict(x):
    ...     return w * x
    >>> predict(3.0).requires_grad
    False
    """

    _mode = False


class enable_grad(_GradMode):
    """Context manager (or decorator) that turns graph recording back on inside `no_grad`.

    Examples
    --------
    >>> import nnforge
    >>> w = nnforge.tensor([1.0], requires_grad=True)
    >>> with nnforge.no_grad():
    ...     with nnforge.enable_grad():
    ...         y = w * 2
    >>> y.requires_grad
    True
    """

    _mode = True


class inference_mode(_GradMode):
    """PyTorch's faster cousin of `no_grad`; in nnforge the two are the same.

    Examples
    --------
    >>> import nnforge
    >>> w = nnforge.tensor([1.0], requires_grad=True)
    >>> with nnforge.inference_mode():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    _mode = False

    def __init__(self, mode: bool = True) -> None:
        self._mode = not mode


class set_grad_enabled(_GradMode):
    """Switch recording on or off: as a function call, or as a context manager that restores
    the previous mode on exit.

    Examples
    --------
    >>> import nnforge
    >>> w = nnforge.tensor([1.0], requires_grad=True)
    >>> with nnforge.set_grad_enabled(False):
    ...     y = w * 2
    >>> y.requires_grad, nnforge.is_grad_enabled()
    (False, True)
    """

    def __init__(self, mode: bool) -> None:
        global enabled
        self._mode = bool(mode)
        self._previous = enabled
        enabled = self._mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        global enabled
        enabled = self._previous
