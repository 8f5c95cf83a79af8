"""Dropout (catalogue H7–H11): randomly zero activations during training.

nnforge uses *inverted* dropout, as PyTorch does: `p` is the probability of dropping
(seed S3 uses p for the keep probability — H8), kept values are scaled by 1 / (1 - p)
during training, and evaluation mode is the identity. The lecture's variant (H10c) instead
leaves training unscaled and multiplies the outgoing weights by the keep probability
q = 1 - p at test time. Both give every unit the same expected input in training and at
test time: with a mask m ~ Bernoulli(q), E[m x / q] = x (inverted) and E[m x] = q x
(classic, matched at test time by q x). Inverted dropout needs no change to the weights
and leaves the evaluation network untouched, so a trained model can be exported as is.
"""
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability `p` in training mode, scaling the kept ones by
    1 / (1 - p); the identity in eval mode (`model.eval()`, K15).

    p: drop probability in [0, 1), 0.5 by default (Hinton et al. 2012 use 0.5 for hidden
    and 0.2 for input layers, H9). generator: numpy Generator, seed or None (the library
    default generator), the source of the masks. Shape: any -> same.
    """

    def __init__(self, p=0.5, *, generator=None):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
            raise ValueError(f"Dropout: p (the probability of dropping a unit) must be a "
                             f"number in [0, 1), got {p!r}; p = 1 would drop everything")
        self.p = float(p)
        self.generator = generator

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.generator)

    def extra_repr(self):
        return f"p={self.p}"
