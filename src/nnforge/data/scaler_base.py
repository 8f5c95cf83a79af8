"""What every feature scaler shares: input checks, fitting on row chunks of a possibly
memory-mapped X with the data-leakage check, `fit_transform`, and the `state_dict` that
lets a run save the fitted statistics."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Optional

import numpy as np
from numpy.typing import ArrayLike

from ._typing import Features
from .leakage import check_fit_rows

_CHUNK_ROWS = 65536


def _as_float(X: Features, owner: str, method: str) -> np.ndarray:
    X = getattr(X, "X", X)                     # accept an ArrayData
    X = X if isinstance(X, np.ndarray) else np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{owner}.{method}: expected a 2-d array (n_samples, n_features), got "
                         f"shape {X.shape}")
    if X.dtype.kind not in "fiub":
        raise TypeError(f"{owner}.{method}: expected numeric data, got dtype {X.dtype}")
    return X


def _chunks(X: np.ndarray, rows: Optional[np.ndarray]) -> Iterator[np.ndarray]:
    """Row blocks of X[rows] as float64, without materialising X[rows] at once."""
    n = X.shape[0] if rows is None else len(rows)
    for start in range(0, n, _CHUNK_ROWS):
        stop = start + _CHUNK_ROWS
        index = slice(start, stop) if rows is None else rows[start:stop]
        yield np.asarray(X[index], dtype=np.float64)


def _check_finite(block: np.ndarray, owner: str) -> None:
    bad = ~np.isfinite(block)
    if bad.any():
        column = int(np.flatnonzero(bad.any(axis=0))[0])
        raise ValueError(f"{owner}.fit: the data contain NaN or Inf (first in feature "
                         f"{column}); clean or impute them before scaling")


def _out_dtype(X: np.ndarray) -> np.dtype:
    return X.dtype if X.dtype.kind == "f" else np.dtype(np.float32)


class _Scaler:
    """Shared plumbing: fit with the leakage check, fit_transform, state dicts."""

    _state_keys: tuple[str, ...] = ()
    n_features_in_: int

    def fit(self, X: Features, y: Optional[ArrayLike] = None, rows: Optional[ArrayLike] = None
            ) -> _Scaler:
        """Learn the statistics from X (or from the rows `rows` of X); returns self."""
        owner = type(self).__name__
        check_fit_rows(owner, X, rows, stacklevel=3)
        X = _as_float(X, owner, "fit")
        index = None
        if rows is not None:
            index = np.asarray(rows)
            if index.dtype == bool:
                index = np.flatnonzero(index)
        n = X.shape[0] if index is None else len(index)
        if n == 0:
            raise ValueError(f"{owner}.fit: no rows to fit on (0 samples)")
        self._fit_chunks(_chunks(X, index), X.shape[1])
        self.n_features_in_ = X.shape[1]
        return self

    def _fit_chunks(self, chunks: Iterator[np.ndarray], n_features: int) -> None:
        """Learn the statistics from row blocks (float64) of `n_features` columns."""
        raise NotImplementedError(f"{type(self).__name__} must implement _fit_chunks")

    def transform(self, X: Features) -> np.ndarray:
        """Apply the fitted transform to X."""
        raise NotImplementedError(f"{type(self).__name__} must implement transform")

    def fit_transform(self, X: Features, y: Optional[ArrayLike] = None) -> np.ndarray:
        """`fit(X)`, then `transform(X)`."""
        return self.fit(X).transform(X)

    def _require_fitted(self, method: str) -> None:
        if not hasattr(self, self._state_keys[0]):
            raise RuntimeError(f"{type(self).__name__}.{method}: this scaler is not fitted "
                               "yet; call fit on the training data first")

    def _check_fitted(self, X: Features, method: str) -> np.ndarray:
        owner = type(self).__name__
        self._require_fitted(method)
        X = _as_float(X, owner, method)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"{owner}.{method}: X has {X.shape[1]} features, but the scaler "
                             f"was fitted on {self.n_features_in_}")
        return X

    def state_dict(self) -> dict[str, np.ndarray]:
        """The fitted statistics as float64 arrays (safetensors-friendly)."""
        self._require_fitted("state_dict")
        return {key: np.array(getattr(self, key), dtype=np.float64) for key in self._state_keys}

    def load_state_dict(self, state: Mapping[str, ArrayLike]) -> _Scaler:
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
