"""`nnforge.backends.cudnn`: settings kept for PyTorch code that sets them; nnforge has no
cuDNN, so they change nothing."""

enabled = False
benchmark = False
deterministic = False
allow_tf32 = False


def is_available():
    return False


def version():
    return None
