"""Devices, honestly: nnforge computes on the CPU only.

`device("cpu")` exists so that PyTorch code which names its device runs unchanged; asking
for any other device ("cuda", "mps" ...) raises one clear error.
"""
from __future__ import annotations

from typing import Optional, Union

__all__ = ["device", "CPU", "to_device", "cpu_only_error", "DeviceLike"]


def cpu_only_error(requested: str) -> RuntimeError:
    """The error for a request of a device other than the CPU."""
    return RuntimeError(f"nnforge runs on the CPU only; device {requested!r} is not available "
                        f"(use 'cpu', or check nnforge.cuda.is_available(), which is False)")


class device:
    """A compute device: always the CPU (`device("cpu")`, `device("cpu:0")`,
    `device("cpu", 0)`).

    Examples
    --------
    >>> import nnforge
    >>> nnforge.device('cpu')
    device(type='cpu')
    >>> nnforge.device('cpu:0') == 'cpu:0', nnforge.tensor([1.0]).device == 'cpu'
    (True, True)
    >>> nnforge.device('cuda')
    Traceback (most recent call last):
        ...
    RuntimeError: nnforge runs on the CPU only; device 'cuda' is not available ...
    """

    __slots__ = ("type", "index")
    type: str
    index: Optional[int]

    def __init__(self, type: Union[str, device] = "cpu", index: Optional[int] = None) -> None:
        if isinstance(type, device):
            index = type.index
            type = type.type
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu', got "
                            f"{type.__class__.__name__}")
        name, _, number = type.partition(":")
        if name != "cpu":
            raise cpu_only_error(type if index is None else f"{type}:{index}")
        if number:
            if not number.isdigit():
                raise ValueError(f"device(): invalid device string {type!r}")
            index = int(number)
        if index not in (None, 0):
            raise RuntimeError(f"nnforge has a single CPU device; device index {index} does "
                               "not exist")
        self.type = "cpu"
        self.index = index

    def __repr__(self) -> str:
        return "device(type='cpu')" if self.index is None else \
            f"device(type='cpu', index={self.index})"

    def __str__(self) -> str:
        return "cpu" if self.index is None else f"cpu:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, ValueError):
                return False
        return isinstance(other, device) and other.index == self.index

    def __hash__(self) -> int:
        return hash(("cpu", self.index))

    def __enter__(self) -> device:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


CPU = device("cpu")

# What a `device=` argument may be: None (the CPU), a name such as "cpu", or a device.
DeviceLike = Union[device, str, int, None]


def to_device(value: DeviceLike) -> device:
    """Validate a `device=` argument (None, a string, an int index or a device)."""
    if value is None or isinstance(value, device):
        return CPU
    if isinstance(value, str):
        return device(value)
    if isinstance(value, int) and not isinstance(value, bool):
        raise cpu_only_error(f"cuda:{value}")
    raise TypeError(f"expected a device such as 'cpu', got {type(value).__name__}")
