"""`nnforge.backends`: the switches PyTorch tutorials set (`backends.cudnn.benchmark = True`)
are accepted and have no effect; `backends.mps.is_available()` is False."""
from . import cudnn, mps

__all__ = ["cudnn", "mps"]
