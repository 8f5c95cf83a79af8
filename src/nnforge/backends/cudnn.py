"""`nnforge.backends.cudnn`: settings kept for PyTorch code that sets them; nnforge has no
cuDNN, so they change nothing."""

enabled = False
benchmark = False
deterministic = False
allow_tf32 = False


def is_available() -> bool:
    """False: nnforge has no cuDNN."""
    return False


def version() -> None:
    """None: there is no cuDNN version."""
    return None
