"""`nnforge.cuda`: there is no GPU in nnforge. These answer the questions PyTorch code asks
before choosing its device, so `"cuda" if nnforge.cuda.is_available() else "cpu"` picks the
CPU."""
from __future__ import annotations

from typing import NoReturn

from .autograd.device import cpu_only_error

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "synchronize",
           "current_device", "empty_cache"]


def is_available() -> bool:
    """False: there is no GPU."""
    return False


def device_count() -> int:
    """0: there is no GPU."""
    return 0


def manual_seed(seed: int) -> None:
    """Accepted and ignored: nothing runs on a GPU (seed the CPU with nnforge.manual_seed)."""


manual_seed_all = manual_seed


def synchronize(device: object = None) -> None:
    """Nothing to wait for on the CPU."""


def empty_cache() -> None:
    """No GPU memory to release."""


def current_device() -> NoReturn:
    """Always an error: there is no GPU to be current."""
    raise cpu_only_error("cuda")
