"""`nnforge.accelerator`: PyTorch's device-neutral accelerator questions; nnforge has none."""
__all__ = ["is_available", "device_count", "current_accelerator"]


def is_available() -> bool:
    """False: nnforge runs on the CPU only."""
    return False


def device_count() -> int:
    """0: there is no accelerator."""
    return 0


def current_accelerator(check_available: bool = False) -> None:
    """None: there is no accelerator, only the CPU."""
    return None
