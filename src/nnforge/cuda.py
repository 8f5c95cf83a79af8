"""`nnforge.cuda`: there is no GPU in nnforge. These answer the questions PyTorch code asks
before choosing its device, so `"cuda" if nnforge.cuda.is_available() else "cpu"` picks the
CPU."""
from .autograd.device import cpu_only_error

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "synchronize",
           "current_device", "empty_cache"]


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Accepted and ignored: nothing runs on a GPU (seed the CPU with nnforge.manual_seed)."""


manual_seed_all = manual_seed


def synchronize(device=None):
    """Nothing to wait for on the CPU."""


def empty_cache():
    """No GPU memory to release."""


def current_device():
    raise cpu_only_error("cuda")
