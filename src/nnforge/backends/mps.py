"""`nnforge.backends.mps`: Apple's Metal backend does not exist in nnforge."""


def is_available() -> bool:
    """False: there is no Metal backend."""
    return False


def is_built() -> bool:
    """False: nnforge is not built with Metal."""
    return False
