"""`nnforge.accelerator`: PyTorch's device-neutral accelerator questions; nnforge has none."""

__all__ = ["is_available", "device_count", "current_accelerator"]


def is_available():
    return False


def device_count():
    return 0


def current_accelerator(check_available=False):
    """None: there is no accelerator, only the CPU."""
    return None
