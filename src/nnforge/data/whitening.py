"""Whitening: `PCAWhitening` and `ZCAWhitening` centre the data and divide each principal
direction of the training covariance by its standard deviation, so the training data come
out decorrelated with unit variance."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Optional

import numpy as np
from numpy.typing import ArrayLike

from ._typing import Features
from .scaler_base import _check_finite, _out_dtype, _Scaler

__all__ = ["PCAWhitening", "ZCAWhitening"]


class _Whitening(_Scaler):
    """Shared whitening: centre, rotate onto the covariance's eigenvectors and divide each
    direction by its standard deviation, so the training data come out with zero mean and
    identity covariance (decorrelated features of unit variance). Subclasses choose the
    final rotation (`_matrices`)."""

    _state_keys = ("mean_", "components_", "explained_variance_", "n_samples_seen_", "eps")
    _cache: Optional[tuple[np.dtype, np.ndarray, np.ndarray]] = None

    @staticmethod
    def _matrices(components: np.ndarray, std: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(W, W_inverse) from the principal directions (rows) and their std."""
        raise NotImplementedError("a whitening transform must implement _matrices")

    def __init__(self, *, eps: float = 1e-5) -> None:
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps >= 0:
            raise ValueError(f"{type(self).__name__}(eps): expected a number >= 0 added to "
                             f"every variance before dividing by its square root, got {eps!r}")
        self.eps = float(eps)

    def _fit_chunks(self, chunks: Iterator[np.ndarray], n_features: int) -> None:
        owner = type(self).__name__
        count, mean, m2 = 0, np.zeros(n_features), np.zeros((n_features, n_features))
        for block in chunks:                      # Chan et al.'s update, with cross-products
            _check_finite(block, owner)
            k = len(block)
            block_mean = block.mean(axis=0)
            centred = block - block_mean
            delta = block_mean - mean
            total = count + k
            mean = mean + delta * (k / total)
            m2 = m2 + centred.T @ centred + np.outer(delta, delta) * (count * k / total)
            count = total
        variances, vectors = np.linalg.eigh(m2 / count)       # ascending eigenvalues
        variances, vectors = np.maximum(variances[::-1], 0.0), vectors[:, ::-1]
        # NOTE: an eigenvector's sign is arbitrary; make its largest entry positive so that
        # refits and other machines give the same components.
        largest = np.argmax(np.abs(vectors), axis=0)
        vectors *= np.sign(vectors[largest, np.arange(n_features)])
        if self.eps == 0 and variances[-1] <= n_features * np.finfo(np.float64).eps * \
                variances[0]:
            raise ValueError(f"{owner}.fit: the training covariance is singular (a constant "
                             "feature, or one that is a combination of others), so one "
                             "direction has no variance to divide by; use eps > 0")
        self.mean_ = mean
        self.components_ = vectors.T                          # rows: principal directions
        self.explained_variance_ = variances
        self.n_samples_seen_ = np.float64(count)
        self._cache = None

    def load_state_dict(self, state: Mapping[str, ArrayLike]) -> _Whitening:
        super().load_state_dict(state)
        self.eps = float(self.eps)
        self._cache = None
        return self

    def _whitening_matrices(self, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """(W, W_inverse) with z = (x - mean) @ W and x = z @ W_inverse + mean."""
        cache = getattr(self, "_cache", None)
        if cache is None or cache[0] != dtype:
            std = np.sqrt(self.explained_variance_ + self.eps)
            forward, backward = self._matrices(self.components_, std)
            cache = self._cache = (dtype, forward.astype(dtype), backward.astype(dtype))
        return cache[1], cache[2]

    def transform(self, X: Features) -> np.ndarray:
        """Whiten X with the training mean and covariance; float32 stays float32."""
        X = self._check_fitted(X, "transform")
        dtype = _out_dtype(X)
        forward, _ = self._whitening_matrices(dtype)
        return (np.asarray(X, dtype=dtype) - self.mean_.astype(dtype)) @ forward

    def inverse_transform(self, X: Features) -> np.ndarray:
        X = self._check_fitted(X, "inverse_transform")
        dtype = _out_dtype(X)
        _, backward = self._whitening_matrices(dtype)
        return np.asarray(X, dtype=dtype) @ backward + self.mean_.astype(dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eps={self.eps:g})"


class PCAWhitening(_Whitening):
    """PCA whitening: z = (x - mean) U diag(1 / sqrt(lambda + eps)), U the eigenvectors of
    the training covariance (population, ddof=0) sorted by decreasing variance lambda.

    Output column j is the j-th principal component scaled to unit variance, so the
    training data come out with identity covariance (exactly when eps = 0). `eps` keeps
    near-zero variance directions from being blown up into noise. Attributes after fit:
    `mean_`, `components_` (rows = directions, as scikit-learn's PCA),
    `explained_variance_` (lambda), `n_samples_seen_`, `n_features_in_`.

    Parameters
    ----------
    eps : float
        Added to every variance before dividing by its square root.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((500, 2)) @ np.array([[2.0, 1.0], [0.0, 0.5]])
    >>> Z = PCAWhitening(eps=0).fit(X).transform(X)
    >>> np.allclose(np.cov(Z.T, bias=True), np.eye(2))
    True
    """

    @staticmethod
    def _matrices(components: np.ndarray, std: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return components.T / std, std[:, None] * components


class ZCAWhitening(_Whitening):
    """ZCA ("zero-phase") whitening: z = (x - mean) U diag(1 / sqrt(lambda + eps)) U^T.

    The PCA-whitened data rotated back onto the original axes. Of all transforms that
    whiten the training data it changes them least (smallest mean squared distance between
    z and x - mean, Bell & Sejnowski 1997), so whitened images still look like images,
    with their edges enhanced. Same attributes as `PCAWhitening`.

    Parameters
    ----------
    eps : float
        Added to every variance before dividing by its square root.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((500, 2)) @ np.array([[2.0, 1.0], [0.0, 0.5]])
    >>> zca = ZCAWhitening(eps=0).fit(X)
    >>> Z = zca.transform(X)
    >>> np.allclose(np.cov(Z.T, bias=True), np.eye(2))
    True
    >>> np.allclose(zca.inverse_transform(Z), X)
    True
    """

    @staticmethod
    def _matrices(components: np.ndarray, std: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (components.T / std) @ components, (components.T * std) @ components
