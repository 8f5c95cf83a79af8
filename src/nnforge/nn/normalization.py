"""Batch normalization layers: BatchNorm1d, BatchNorm2d and `batch_norm`.

Batch norm standardizes each channel with the current mini-batch's mean and (biased)
variance while training, then scales and shifts by the learned `weight` (gamma) and `bias`
(beta), so the layer can still represent the identity. It keeps running estimates of the
population statistics for inference, where the output must depend on the sample alone:
call `model.eval()` before predicting (forgetting it is a classic mistake). It only
standardizes each feature; it does not decorrelate ("whiten") them. Kernel:
`autograd.normalization.BatchNorm`.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import numpy.typing as npt

from ..autograd import Tensor
from ..autograd.normalization import BatchNorm as _BatchNormFn
from ..autograd.normalization import check_batch_statistics
from .functional import batch_norm  # noqa: F401 - the functional form, also reachable here
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    """Shared body of BatchNorm1d and BatchNorm2d.

    Parameters
    ----------
    num_features : int
        Channels C (dim 1 of the input).
    eps : float
        Added to the variance for stability, 1e-5.
    momentum : float or None
        Running-average factor, 0.1:
        running = (1 - momentum) * running + momentum * batch statistic.
        None gives a cumulative average (factor 1/num_batches_tracked), like PyTorch.
    affine : bool
        Learn `weight` (gamma, init 1) and `bias` (beta, init 0); True by default.
    track_running_stats : bool
        Keep `running_mean` (init 0), `running_var` (init 1, updated with the unbiased batch
        variance) and `num_batches_tracked`; when False the batch statistics are used in
        eval mode too.
    dtype : dtype
        Of the parameters and running statistics, float32 by default.
    """

    mode_dependent = True
    is_normalization = True

    _allowed_ndims: tuple[int, ...] = ()
    _shape_text = ""

    weight: Optional[Parameter]
    bias: Optional[Parameter]
    running_mean: Optional[np.ndarray]
    running_var: Optional[np.ndarray]
    num_batches_tracked: Optional[np.ndarray]

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1,
                 affine: bool = True, track_running_stats: bool = True, *,
                 dtype: npt.DTypeLike = np.float32) -> None:
        super().__init__()
        name = type(self).__name__
        if (not isinstance(num_features, (int, np.integer)) or isinstance(num_features, bool)
                or num_features <= 0):
            raise ValueError(f"{name}: num_features must be a positive integer, got "
                             f"{num_features!r}")
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"{name}(num_features={num_features}): momentum must be in "
                             f"[0, 1] or None, got {momentum!r}")
        if not eps > 0:
            raise ValueError(f"{name}(num_features={num_features}): eps must be > 0, got "
                             f"{eps!r}")
        self.num_features = int(num_features)
        self.eps, self.momentum = float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self._name = f"{name}(num_features={self.num_features})"
        float_dtype = np.dtype(dtype)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=float_dtype))
            self.bias = Parameter(np.zeros(self.num_features, dtype=float_dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=float_dtype))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=float_dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batch tracked (when tracking)."""
        for buffer, value in ((self.running_mean, 0), (self.running_var, 1),
                              (self.num_batches_tracked, 0)):
            if buffer is not None:
                buffer[...] = value

    def reset_parameters(self) -> None:
        """Reset the running statistics, and gamma to 1 and beta to 0."""
        self.reset_running_stats()
        if self.weight is not None and self.bias is not None:
            self.weight._data[...] = 1
            self.bias._data[...] = 0

    def _check_input(self, shape: tuple[int, ...]) -> None:
        if len(shape) not in self._allowed_ndims:
            raise ValueError(f"{self._name}: expected {self._shape_text} input, got a "
                             f"{len(shape)}-D input of shape {tuple(shape)}")
        if shape[1] != self.num_features:
            noun = "channel" if shape[1] == 1 else "channels"
            raise ValueError(f"{self._name}: input has {shape[1]} {noun} at dim 1, expected "
                             f"{self.num_features} (shape {tuple(shape)})")

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x))
        self._check_input(x.shape)
        use_batch = self.training or not self.track_running_stats
        if use_batch:
            check_batch_statistics(x.shape, self._name)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            # NOTE: update the registered 0-d array in place; reassigning the attribute
            # would replace the buffer object the state dict refers to.
            counter = self.num_batches_tracked
            assert counter is not None      # tracked whenever track_running_stats is True
            np.add(counter, 1, out=counter)
            if self.momentum is None:
                factor = 1.0 / float(counter)
        return _BatchNormFn.apply(x, self.weight, self.bias, running_mean=self.running_mean,
                                  running_var=self.running_var, training=use_batch,
                                  momentum=factor, eps=self.eps, layer=self._name)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over a (N, C) or (N, C, L) input: statistics per channel over N (and L).

    Shape: (N, C) -> (N, C); (N, C, L) -> (N, C, L). The arguments are those of
    BatchNorm2d.

    Examples
    --------
    >>> import nnforge
    >>> layer = nnforge.nn.BatchNorm1d(2)
    >>> layer(nnforge.tensor([[1.0, 10.0], [3.0, 30.0]])).tolist()
    [[-0.99999..., -1.0], [0.99999..., 1.0]]
    >>> layer.running_mean.tolist()
    [0.2000..., 2.0]
    """

    _allowed_ndims = (2, 3)
    _shape_text = "a 2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over an (N, C, H, W) input: statistics per channel over N, H and W.

    Shape: (N, C, H, W) -> (N, C, H, W).

    Parameters
    ----------
    num_features : int
        Channels C (dim 1 of the input).
    eps : float
        Added to the variance for stability, 1e-5.
    momentum : float or None
        Running-average factor, 0.1: running = (1 - momentum) running + momentum batch.
        None gives a cumulative average, like PyTorch.
    affine : bool
        Learn `weight` (gamma, init 1) and `bias` (beta, init 0); True by default.
    track_running_stats : bool
        Keep running statistics for eval mode (True); when False the batch statistics are
        used in eval mode too.
    dtype : dtype
        float32 by default.

    Examples
    --------
    >>> import nnforge
    >>> layer = nnforge.nn.BatchNorm2d(3)
    >>> tuple(layer(nnforge.ones(4, 3, 5, 5)).shape)
    (4, 3, 5, 5)
    >>> list(layer.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    _allowed_ndims = (4,)
    _shape_text = "a 4-D (N, C, H, W)"
