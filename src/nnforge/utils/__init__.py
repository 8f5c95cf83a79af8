"""PyTorch's `torch.utils` paths: `nnforge.utils.data` holds the data-loading names."""
from . import data

__all__ = ["data"]
