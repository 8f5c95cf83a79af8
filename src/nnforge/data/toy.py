"""Seeded toy datasets for teaching: XOR, two spirals, concentric circles, separable blobs
and a noisy sine for regression. Each returns an `ArrayData` (X float32 (N, 2) or (N, 1)).

Every generator takes `generator=` (a numpy Generator or an int seed) or `seed=`; the same
seed gives the same points.
"""
from __future__ import annotations

from typing import Union

import numpy as np
from numpy.typing import ArrayLike

from ..random import resolve_generator
from ._typing import GeneratorLike
from .dataset import ArrayData


def _rng(generator: GeneratorLike, seed: GeneratorLike, caller: str) -> np.random.Generator:
    if generator is not None and seed is not None:
        raise ValueError(f"{caller}: pass either generator= or seed=, not both")
    return resolve_generator(seed if seed is not None else generator)


def _check(n_samples: int, noise: float, caller: str, minimum: int = 1,
           noise_name: str = "noise") -> None:
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) \
            or n_samples < minimum:
        raise ValueError(f"{caller}(n_samples): expected an integer >= {minimum}, got "
                         f"{n_samples!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{caller}({noise_name}): expected a non-negative number, got "
                         f"{noise!r}")


def _classes(X: np.ndarray, y: np.ndarray, names: list[str], name: str) -> ArrayData:
    return ArrayData(X.astype(np.float32), y.astype(np.int64), names, "classification", name,
                     ["x1", "x2"])


def make_xor(n_samples: int = 200, noise: float = 0.1, *, generator: GeneratorLike = None,
             seed: GeneratorLike = None) -> ArrayData:
    """Four Gaussian clusters at (±1, ±1); class 1 where exactly one coordinate is positive
    (the XOR of the signs) - the classic problem a single perceptron cannot solve."""
    _check(n_samples, noise, "make_xor")
    rng = _rng(generator, seed, "make_xor")
    corners = rng.integers(0, 4, size=n_samples)
    signs = np.stack([np.where(corners & 1, 1.0, -1.0), np.where(corners & 2, 1.0, -1.0)], 1)
    X = signs + noise * rng.standard_normal((n_samples, 2))
    y = (signs[:, 0] * signs[:, 1] < 0).astype(np.int64)
    return _classes(X, y, ["same sign", "different sign"], "xor")


def make_spirals(n_samples: int = 200, noise: float = 0.02, n_turns: float = 1.5, *,
                 generator: GeneratorLike = None, seed: GeneratorLike = None) -> ArrayData:
    """Two interleaved Archimedean spirals (classes 0 and 1), radius growing to 1."""
    _check(n_samples, noise, "make_spirals", minimum=2)
    if n_turns <= 0:
        raise ValueError(f"make_spirals(n_turns): expected a positive number, got {n_turns!r}")
    rng = _rng(generator, seed, "make_spirals")
    y = np.arange(n_samples) % 2
    t = rng.uniform(0.05, 1.0, size=n_samples)
    angle = 2 * np.pi * n_turns * t + np.pi * y
    X = np.stack([t * np.cos(angle), t * np.sin(angle)], 1)
    X += noise * rng.standard_normal(X.shape)
    return _classes(X, y, ["spiral 0", "spiral 1"], "spirals")


def make_circles(n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, *,
                 generator: GeneratorLike = None, seed: GeneratorLike = None) -> ArrayData:
    """An outer circle of radius 1 (class 0) around an inner one of radius `factor`
    (class 1); not linearly separable."""
    _check(n_samples, noise, "make_circles", minimum=2)
    if not 0 < factor < 1:
        raise ValueError(f"make_circles(factor): expected 0 < factor < 1, got {factor!r}")
    rng = _rng(generator, seed, "make_circles")
    y = np.arange(n_samples) % 2
    angle = rng.uniform(0, 2 * np.pi, size=n_samples)
    radius = np.where(y == 1, factor, 1.0)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    X += noise * rng.standard_normal(X.shape)
    return _classes(X, y, ["outer", "inner"], "circles")


def make_blobs(n_samples: int = 200, centers: Union[int, ArrayLike] = 2, n_features: int = 2,
               cluster_std: float = 1.0, center_box: tuple[float, float] = (-10.0, 10.0), *,
               generator: GeneratorLike = None, seed: GeneratorLike = None) -> ArrayData:
    """Isotropic Gaussian blobs, one per class. `centers` is a count (random centres drawn
    in `center_box`) or a (k, n_features) array. With the defaults (two blobs, std 1, far
    apart) the classes are almost always linearly separable."""
    _check(n_samples, cluster_std, "make_blobs", noise_name="cluster_std")
    rng = _rng(generator, seed, "make_blobs")
    if isinstance(centers, (int, np.integer)):
        if centers < 1:
            raise ValueError(f"make_blobs(centers): expected a positive count, got {centers}")
        centres = rng.uniform(center_box[0], center_box[1], size=(int(centers), n_features))
    else:
        centres = np.asarray(centers, dtype=np.float64)
        if centres.ndim != 2:
            raise ValueError(f"make_blobs(centers): expected a count or a (k, n_features) "
                             f"array, got shape {centres.shape}")
        n_features = centres.shape[1]
    k = len(centres)
    y = np.arange(n_samples) % k
    X = centres[y] + cluster_std * rng.standard_normal((n_samples, n_features))
    data = ArrayData(X.astype(np.float32), y.astype(np.int64), [f"blob {i}" for i in range(k)],
                     "classification", "blobs", [f"x{j + 1}" for j in range(n_features)])
    return data


def make_sine(n_samples: int = 200, noise: float = 0.1,
              x_range: tuple[float, float] = (-np.pi, np.pi), frequency: float = 1.0, *,
              generator: GeneratorLike = None, seed: GeneratorLike = None) -> ArrayData:
    """Regression: y = sin(frequency * x) + noise * N(0, 1), x uniform in `x_range`.
    X has shape (N, 1); y is float32 of shape (N,)."""
    _check(n_samples, noise, "make_sine")
    rng = _rng(generator, seed, "make_sine")
    x = np.sort(rng.uniform(x_range[0], x_range[1], size=n_samples))
    y = np.sin(frequency * x) + noise * rng.standard_normal(n_samples)
    return ArrayData(x[:, None].astype(np.float32), y.astype(np.float32), None, "regression",
                     "sine", ["x"])
