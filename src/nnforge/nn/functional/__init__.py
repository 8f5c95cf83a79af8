"""Stateless forms of every layer, activation and loss (PyTorch's `torch.nn.functional`).

Modules hold parameters and call one function here; this package depends on the autograd
ops only, never on a layer module. Each function is either one fused `Function` from
`nnforge.autograd` (where fusing buys stability, memory or speed; the Function's docstring
says which) or a short composition of existing ops. Inputs may be Tensors or NumPy arrays;
targets of losses may also be lists.

Examples
--------
>>> import nnforge
>>> import nnforge.nn.functional as F
>>> F.relu(nnforge.tensor([-1.0, 2.0])).tolist()
[0.0, 2.0]
>>> F.cross_entropy(nnforge.zeros(2, 4), [0, 3]).item()
1.3862...
>>> F.one_hot(nnforge.tensor([0, 2]), 3).tolist()
[[1, 0, 0], [0, 0, 1]]
"""
from .activations import (elu, hardtanh, leaky_relu, log_softmax, prelu, relu, sigmoid, sign,
                          silu, softmax, softplus, step, swish, tanh)
from .binary_losses import (binary_cross_entropy, binary_cross_entropy_with_logits,
                            soft_margin_loss)
from .class_losses import cross_entropy, nll_loss
from .convolution import conv2d
from .dropout import dropout, keep_mask
from .embedding import embedding, one_hot
from .linear import flatten, linear
from .normalization import batch_norm
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from .regression_losses import huber_loss, l1_loss, mse_loss, smooth_l1_loss

__all__ = [
    "adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "conv2d", "cross_entropy", "dropout", "elu",
    "embedding", "flatten", "hardtanh", "huber_loss", "keep_mask", "l1_loss", "leaky_relu",
    "linear", "log_softmax", "max_pool2d", "mse_loss", "nll_loss", "one_hot", "prelu", "relu",
    "sigmoid", "sign", "silu", "smooth_l1_loss", "soft_margin_loss", "softmax", "softplus",
    "step", "swish", "tanh",
]
