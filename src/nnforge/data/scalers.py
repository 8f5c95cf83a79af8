"""Feature scalers: `StandardScaler` and `MinMaxScaler` with
scikit-learn's names, attributes and numerics, plus `state_dict()` so a run saves the
fitted statistics and evaluate/predict apply the same transform.

Fit on the training split only: `fit(X, rows=train_idx)` or `fit(X[train_idx])`.
Fitting on validation/test rows emits `DataLeakageWarning` NF-LEAK-001 (see `leakage.py`).
Statistics are accumulated in float64 in row chunks (a memory-mapped X is read once,
chunk by chunk); `transform` keeps float32 inputs float32. Constant features are left
unscaled, as in scikit-learn.
"""
import numpy as np

from .leakage import check_fit_rows

_CHUNK_ROWS = 65536


def _as_float(X, owner, method):
    X = getattr(X, "X", X)                     # accept an ArrayData
    X = X if isinstance(X, np.ndarray) else np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{owner}.{method}: expected a 2-d array (n_samples, n_features), got "
                         f"shape {X.shape}")
    if X.dtype.kind not in "fiub":
        raise TypeError(f"{owner}.{method}: expected numeric data, got dtype {X.dtype}")
    return X


def _chunks(X, rows):
    """Row blocks of X[rows] as float64, without materialising X[rows] at once."""
    n = X.shape[0] if rows is None else len(rows)
    for start in range(0, n, _CHUNK_ROWS):
        stop = start + _CHUNK_ROWS
        index = slice(start, stop) if rows is None else rows[start:stop]
        yield np.asarray(X[index], dtype=np.float64)


def _check_finite(block, owner):
    bad = ~np.isfinite(block)
    if bad.any():
        column = int(np.flatnonzero(bad.any(axis=0))[0])
        raise ValueError(f"{owner}.fit: the data contain NaN or Inf (first in feature "
                         f"{column}); clean or impute them before scaling")


def _out_dtype(X):
    return X.dtype if X.dtype.kind == "f" else np.dtype(np.float32)


class _Scaler:
    """Shared plumbing: fit with the leakage check, fit_transform, state dicts."""

    _state_keys = ()

    def fit(self, X, y=None, rows=None):
        """Learn the statistics from X (or from the rows `rows` of X); returns self."""
        owner = type(self).__name__
        check_fit_rows(owner, X, rows, stacklevel=3)
        X = _as_float(X, owner, "fit")
        if rows is not None:
            rows = np.asarray(rows)
            if rows.dtype == bool:
                rows = np.flatnonzero(rows)
        n = X.shape[0] if rows is None else len(rows)
        if n == 0:
            raise ValueError(f"{owner}.fit: no rows to fit on (0 samples)")
        self._fit_chunks(_chunks(X, rows), X.shape[1])
        self.n_features_in_ = X.shape[1]
        return self

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def _require_fitted(self, method):
        if not hasattr(self, self._state_keys[0]):
            raise RuntimeError(f"{type(self).__name__}.{method}: this scaler is not fitted "
                               "yet; call fit on the training data first")

    def _check_fitted(self, X, method):
        owner = type(self).__name__
        self._require_fitted(method)
        X = _as_float(X, owner, method)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"{owner}.{method}: X has {X.shape[1]} features, but the scaler "
                             f"was fitted on {self.n_features_in_}")
        return X

    def state_dict(self):
        """The fitted statistics as float64 arrays (safetensors-friendly)."""
        self._require_fitted("state_dict")
        return {key: np.array(getattr(self, key), dtype=np.float64) for key in self._state_keys}

    def load_state_dict(self, state):
        """Restore statistics saved by `state_dict` (a mapping of array-likes)."""
        owner = type(self).__name__
        missing = [k for k in self._state_keys if k not in state]
        unexpected = [k for k in state if k not in self._state_keys]
        if missing or unexpected:
            raise KeyError(f"{owner}.load_state_dict: missing keys {missing}, unexpected keys "
                           f"{unexpected}")
        arrays = {k: np.asarray(state[k], dtype=np.float64) for k in self._state_keys}
        sizes = {arrays[k].shape for k in self._state_keys if arrays[k].ndim == 1}
        if len(sizes) != 1:
            raise ValueError(f"{owner}.load_state_dict: per-feature arrays have different "
                             f"shapes {sorted(sizes)}")
        for key, value in arrays.items():
            setattr(self, key, value)
        self.n_features_in_ = next(iter(sizes))[0]
        return self


def _is_constant(var, mean, n):
    """scikit-learn's test for a constant feature: the variance is within the rounding
    error bound of its float64 computation."""
    eps = np.finfo(np.float64).eps
    return var <= n * eps * var + (n * mean * eps) ** 2


class StandardScaler(_Scaler):
    """z = (x - mean) / std with the population std (ddof=0), per feature.

    Attributes after fit: `mean_`, `var_`, `scale_` (std, 1.0 for constant features),
    `n_samples_seen_`, `n_features_in_`.
    """

    _state_keys = ("mean_", "var_", "scale_", "n_samples_seen_")

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def _fit_chunks(self, chunks, n_features):
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

    def transform(self, X):
        """Scale X with the fitted (training) statistics; float32 stays float32."""
        X = self._check_fitted(X, "transform")
        dtype = _out_dtype(X)
        out = np.array(X, dtype=dtype)
        if self.with_mean:
            out -= self.mean_.astype(dtype)
        if self.with_std:
            out /= self.scale_.astype(dtype)
        return out

    def inverse_transform(self, X):
        X = self._check_fitted(X, "inverse_transform")
        dtype = _out_dtype(X)
        out = np.array(X, dtype=dtype)
        if self.with_std:
            out *= self.scale_.astype(dtype)
        if self.with_mean:
            out += self.mean_.astype(dtype)
        return out

    def __repr__(self):
        return f"StandardScaler(with_mean={self.with_mean}, with_std={self.with_std})"


class MinMaxScaler(_Scaler):
    """x' = (x - min) / (max - min) * (hi - lo) + lo per feature, `feature_range=(lo, hi)`.
    Computed as x * scale_ + min_ like scikit-learn; a constant feature maps to lo.
    Note: min-max scaling is sensitive to outliers (one extreme value sets the range)."""

    _state_keys = ("min_", "scale_", "data_min_", "data_max_", "data_range_",
                   "n_samples_seen_")

    def __init__(self, feature_range=(0, 1), *, clip=False):
        feature_range = tuple(feature_range)
        if len(feature_range) != 2 or not feature_range[0] < feature_range[1]:
            raise ValueError(f"MinMaxScaler(feature_range): expected (min, max) with min < max, "
                             f"got {feature_range!r}")
        self.feature_range = feature_range
        self.clip = clip

    def _fit_chunks(self, chunks, n_features):
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

    def transform(self, X):
        X = self._check_fitted(X, "transform")
        dtype = _out_dtype(X)
        out = np.array(X, dtype=dtype)
        out *= self.scale_.astype(dtype)
        out += self.min_.astype(dtype)
        if self.clip:
            np.clip(out, dtype.type(self.feature_range[0]), dtype.type(self.feature_range[1]),
                    out=out)
        return out

    def inverse_transform(self, X):
        X = self._check_fitted(X, "inverse_transform")
        dtype = _out_dtype(X)
        out = np.array(X, dtype=dtype)
        out -= self.min_.astype(dtype)
        out /= self.scale_.astype(dtype)
        return out

    def __repr__(self):
        return f"MinMaxScaler(feature_range={self.feature_range}, clip={self.clip})"
