"""PyTorch's `torch.nn.utils` path for gradient clipping (implemented in `optim.clip`)."""
from ..optim.clip import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
