"""Residual connection (He et al. 2016): output = x + block(x).

Learning the identity only needs the block's weights pushed to zero, so adding a residual
block can only enlarge the function class, and the skip lets gradients bypass the block.
"""
from __future__ import annotations

from ..autograd import Tensor
from .module import Module


class Residual(Module):
    """x + block(x); `block` must map its input to the same shape.

    The block is registered as the child "block", so its parameters are named
    "block.0.weight" and so on. Shape: any -> same.

    Parameters
    ----------
    block : Module
        The residual branch.

    Examples
    --------
    >>> import nnforge
    >>> layer = nnforge.nn.Residual(nnforge.nn.Linear(3, 3))
    >>> tuple(layer(nnforge.zeros(2, 3)).shape), [name for name, _ in layer.named_parameters()]
    ((2, 3), ['block.weight', 'block.bias'])
    """

    def __init__(self, block: Module) -> None:
        super().__init__()
        if not isinstance(block, Module):
            raise TypeError(f"Residual(block): block must be a Module, got "
                            f"{type(block).__name__}")
        self.block = block

    def forward(self, input: Tensor) -> Tensor:
        out = self.block(input)
        if out.shape != input.shape:
            raise ValueError(f"Residual: block maps shape {tuple(input.shape)} to "
                             f"{tuple(out.shape)}; x + block(x) needs them equal")
        return input + out
