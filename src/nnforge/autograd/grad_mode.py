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
    for updating parameters in place."""

    _mode = False


class enable_grad(_GradMode):
    """Context manager (or decorator) that turns graph recording back on inside `no_grad`."""

    _mode = True


class inference_mode(_GradMode):
    """PyTorch's faster cousin of `no_grad`; in nnforge the two are the same."""

    _mode = False

    def __init__(self, mode: bool = True) -> None:
        self._mode = not mode


class set_grad_enabled(_GradMode):
    """Switch recording on or off: as a function call, or as a context manager that restores
    the previous mode on exit."""

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
