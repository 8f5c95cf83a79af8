"""Forward hooks: functions a `Module` calls after each forward, and the handle that
unregisters one."""
from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable, Literal

if TYPE_CHECKING:
    from .module import Module

ForwardHook = Callable[["Module", tuple[Any, ...], Any], Any]
"""`hook(module, args, output)`, called after a forward; a non-None result replaces output."""


class RemovableHandle:
    """Returned by `register_forward_hook`; `remove()` unregisters the hook.

    Also a context manager that removes the hook on leaving the block.

    Examples
    --------
    >>> import nnforge
    >>> layer, seen = nnforge.nn.Linear(3, 2), []
    >>> handle = layer.register_forward_hook(lambda m, args, out: seen.append(tuple(out.shape)))
    >>> _ = layer(nnforge.zeros(4, 3))
    >>> handle.remove()
    >>> _ = layer(nnforge.zeros(4, 3))
    >>> seen
    [(4, 2)]
    """

    _next_id = 0

    def __init__(self, hooks: OrderedDict[int, ForwardHook]) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        self.remove()
        return False
