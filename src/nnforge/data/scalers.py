"""Feature scalers: `StandardScaler` and `MinMaxScaler` with scikit-learn's names,
attributes and numerics, the whitening transforms `PCAWhitening` and `ZCAWhitening`
(defined in `whitening.py`), and `state_dict()` so a run saves the fitted statistics and
evaluate/predict apply the same transform. `make_scaler(name)` builds one from its config name.

Fit on the training split only: `fit(X, rows=train_idx)` or `fit(X[train_idx])`.
Fitting on validation/test rows emits `DataLeakageWarning` NF-LEAK-001 (see `leakage.py`).
Statistics are accumulated in float64 in row chunks (a memory-mapped X is read once,
chunk by chunk); `transform` keeps float32 inputs float32. Constant features are left
unscaled, as in scikit-learn.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Optional

import numpy as np

from ._typing import Features
from .scaler_base import _check_finite, _out_dtype, _Scaler
from .whitening import PCAWhitening, ZCAWhitening

__all__ = ["StandardScaler", "MinMaxScaler", "PCAWhitening", "ZCAWhitening", "SCALERS",
           "make_scaler"]


def _is_constant(var: np.ndarray, mean: np.ndarray, n: int) -> np.ndarray:
    """scikit-learn's test for a constant feature: the variance is within the rounding
    error bound of its float64 computation."""
    eps = np.finfo(np.float64).eps
    return var <= n * eps * var + (n * mean * eps) ** 2


class StandardScaler(_Scaler):
    """z = (x - mean) / std with the population std (ddof=0), per feature.

    Attributes after fit: `mean_`, `var_`, `scale_` (std, 1.0 for constant features),
    `n_samples_seen_`, `n_features_in_`.

    Parameters
    ----------
    with_mean : bool
        Subtract the mean.
    with_std : bool
        Divide by the standard deviation.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])
    >>> scaler = StandardScaler().fit(X)
    >>> scaler.mean_.tolist(), scaler.scale_.tolist()
    ([3.0, 10.0], [1.632993161855452, 1.0])
    >>> scaler.transform(X).round(4).tolist()
    [[-1.2247, 0.0], [0.0, 0.0], [1.2247, 0.0]]
    """

    _state_keys = ("mean_", "var_", "scale_", "n_samples_seen_")

    def __init__(self, *, with_mean: bool = True, with_std: bool = True) -> None:
        self.with_mean = with_mean
        self.with_std = with_std

    def _fit_chunks(self, chunks: Iterator[np.ndarray], n_features: int) -> None:
        count, mean, m2 = 0, np.zeros(n_features), np.zeros(n_features)
        for block in chunks:                      # Chan et al. parallel mean/variance update
            _check_finite(block, "StandardScaler")
            k = len(block)
            block_mean = block.mean(axis=0)
            block_m2 = ((block - block_mean) ** 2).sum(axis=0)
            delta = block_mean - mean
            total = count + k
            mean = mean + delta * (k / total)
            m2 = m2 + block_m2 + delta ** 2 * (count * k / total)
            count = total
        self.mean_ = mean
        self.var_ = m2 / count
        self.n_samples_seen_ = np.float64(count)
        scale = np.sqrt(self.var_)
        scale[_is_constant(self.var_, self.mean_, count)] = 1.0
        self.scale_ = scale

    def transform(self, X: Features) -> np.ndarray:
        """Scale X with the fitted (training) statistics; float32 stays float32."""
        X = self._check_fitted(X, "transform")
        dtype = _out_dtype(X)
        out = np.array(X, dtype=dtype)
        if self.with_mean:
            out -= self.mean_.astype(dtype)
        if self.with_std:
            out /= self.scale_.astype(dtype)
        return out

    def inverse_transform(self, X: Features) -> np.ndarray:
        X = self._check_fitted(X, "inverse_transform")
        dtype = _out_dtype(X)
        out = np.array(X, dtype=dtype)
        if self.with_std:
            out *= self.scale_.astype(dtype)
        if self.with_mean:
            out += self.mean_.astype(dtype)
        return out

    def __repr__(self) -> str:
        return f"StandardScaler(with_mean={self.with_mean}, with_std={self.with_std})"


class MinMaxScaler(_Scaler):
    """x' = (x - min) / (max - min) * (hi - lo) + lo per feature, `feature_range=(lo, hi)`.

    Computed as x * scale_ + min_ like scikit-learn; a constant feature maps to lo.
    Min-max scaling is sensitive to outliers (one extreme value sets the range).

    Parameters
    ----------
    feature_range : (float, float)
        The (lo, hi) range of the training data after scaling.
    clip : bool
        Clip transformed values into `feature_range` (new data can fall outside it).

    Examples
    --------
    >>> import numpy as np
    >>> scaler = MinMaxScaler(feature_range=(-1, 1)).fit(np.array([[0.0], [5.0], [10.0]]))
    >>> scaler.transform(np.array([[2.5], [20.0]])).tolist()
    [[-0.5], [3.0]]
    >>> MinMaxScaler(clip=True).fit([[0.0], [10.0]]).transform([[20.0]]).tolist()
    [[1.0]]
    """

    _state_keys = ("min_", "scale_", "data_min_", "data_max_", "data_range_",
                   "n_samples_seen_")

    def __init__(self, feature_range: Sequence[float] = (0, 1), *, clip: bool = False
                 ) -> None:
        bounds = tuple(feature_range)
        if len(bounds) != 2 or not bounds[0] < bounds[1]:
            raise ValueError(f"MinMaxScaler(feature_range): expected (min, max) with min < max, "
                             f"got {bounds!r}")
        self.feature_range = bounds
        self.clip = clip

    def _fit_chunks(self, chunks: Iterator[np.ndarray], n_features: int) -> None:
        low, high, count = np.full(n_features, np.inf), np.full(n_features, -np.inf), 0
        for block in chunks:
            _check_finite(block, "MinMaxScaler")
            low = np.minimum(low, block.min(axis=0))
            high = np.maximum(high, block.max(axis=0))
            count += len(block)
        lo, hi = self.feature_range
        self.data_min_, self.data_max_ = low, high
        self.data_range_ = high - low
        safe_range = self.data_range_.copy()
        safe_range[safe_range < 10 * np.finfo(np.float64).eps] = 1.0
        self.scale_ = (hi - lo) / safe_range
        self.min_ = lo - low * self.scale_
        self.n_samples_seen_ = np.float64(count)

    def transform(self, X: Features) -> np.ndarray:
        X = self._check_fitted(X, "transform")
        dtype = _out_dtype(X)
        out = np.array(X, dtype=dtype)
        out *= self.scale_.astype(dtype)
        out += self.min_.astype(dtype)
        if self.clip:
            np.clip(out, dtype.type(self.feature_range[0]), dtype.type(self.feature_range[1]),
                    out=out)
        return out

    def inverse_transform(self, X: Features) -> np.ndarray:
        X = self._check_fitted(X, "inverse_transform")
        dtype = _out_dtype(X)
        out = np.array(X, dtype=dtype)
        out -= self.min_.astype(dtype)
        out /= self.scale_.astype(dtype)
        return out

    def __repr__(self) -> str:
        return f"MinMaxScaler(feature_range={self.feature_range}, clip={self.clip})"


SCALERS = {"standard": StandardScaler, "minmax": MinMaxScaler, "pca": PCAWhitening,
           "zca": ZCAWhitening}


def make_scaler(name: str) -> Optional[_Scaler]:
    """A new scaler from its config name ("standard", "minmax", "pca", "zca"), or None
    for "none"."""
    if name == "none":
        return None
    if name not in SCALERS:
        raise ValueError(f"make_scaler: unknown scaler {name!r}; expected one of "
                         f"{', '.join([*SCALERS, 'none'])}")
    return SCALERS[name]()
