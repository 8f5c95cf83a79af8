"""Dataset splits: random, stratified and time-ordered
train/validation/test splits, and the cross-validation splitters `KFold`,
`StratifiedKFold`, `LeaveOneOut` and `TimeSeriesSplit` with scikit-learn's `.split(X, y)`.

Every function is seeded (an int seed or a numpy Generator) and returns `SplitIndices`
(int64 index arrays tagged "train"/"val"/"test", see `leakage.py`), each sorted ascending;
the DataLoader shuffles within the training split.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence, Sized
from typing import Optional, Union, cast

import numpy as np
from numpy.typing import ArrayLike

from ..random import resolve_generator
from ._typing import GeneratorLike
from .dataset import ArrayData
from .leakage import (TIME_SHUFFLE_CODE, DataLeakageWarning, SplitIndices,
                      register_split_source)


def _n_and_labels(y_or_n: Union[int, ArrayLike, ArrayData], caller: str,
                  need_labels: bool = False) -> tuple[int, Optional[np.ndarray]]:
    """(n, labels or None) from a sample count, a label array or an ArrayData."""
    if isinstance(y_or_n, ArrayData):
        register_split_source(y_or_n.X, y_or_n.y)
        y_or_n = y_or_n.y if y_or_n.y is not None else len(y_or_n.X)
    if isinstance(y_or_n, (int, np.integer)) and not isinstance(y_or_n, bool):
        if y_or_n < 1:
            raise ValueError(f"{caller}: the number of samples must be positive, got {y_or_n}")
        if need_labels:
            raise ValueError(f"{caller}(stratify=True) needs the label array y, got a sample "
                             f"count ({y_or_n})")
        return int(y_or_n), None
    labels = y_or_n if isinstance(y_or_n, np.ndarray) else np.asarray(y_or_n)
    register_split_source(labels)
    if labels.ndim == 0 or len(labels) == 0:
        raise ValueError(f"{caller}: expected a sample count or a non-empty label array, got "
                         f"{labels!r}")
    return len(labels), labels


def _check_fractions(fractions: Sequence[float], count: int, caller: str) -> tuple[float, ...]:
    values = tuple(float(f) for f in fractions)
    if len(values) != count or any(not np.isfinite(f) or f < 0 for f in values) \
            or abs(sum(values) - 1.0) > 1e-6:
        raise ValueError(f"{caller}(fractions): expected {count} non-negative fractions "
                         f"summing to 1, got {values}")
    return values


def _sizes(n: int, fractions: Sequence[float]) -> list[int]:
    """Split n items: every part but the first gets round(n * f); the first takes the rest."""
    rest = [int(np.floor(n * f + 0.5)) for f in fractions[1:]]
    if sum(rest) > n:
        rest[-1] -= sum(rest) - n
    return [n - sum(rest)] + rest


def _partition(n: int, labels: Optional[np.ndarray], fractions: Sequence[float],
               seed: GeneratorLike, stratify: bool, shuffle: bool, roles: Sequence[str],
               caller: str) -> tuple[SplitIndices, ...]:
    if stratify and not shuffle:
        raise ValueError(f"{caller}: stratify=True needs shuffle=True (a stratified split "
                         "picks rows of each class at random)")
    rng = resolve_generator(seed) if shuffle else None
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    if stratify and labels is not None:
        _, inverse = np.unique(labels, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        groups = np.split(order, np.cumsum(np.bincount(inverse))[:-1])
    else:
        groups = [np.arange(n)]
    for group in groups:
        if rng is not None:
            group = rng.permutation(group)
        stops = np.cumsum(_sizes(len(group), fractions))
        for part, chunk in zip(parts, np.split(group, stops[:-1])):
            part.append(chunk)
    return tuple(SplitIndices(np.sort(np.concatenate(p)), role) for p, role in zip(parts, roles))


def train_val_test_split(y_or_n: Union[int, ArrayLike, ArrayData],
                         fractions: Sequence[float] = (0.6, 0.2, 0.2), seed: GeneratorLike = 0,
                         stratify: bool = False, shuffle: bool = True
                         ) -> tuple[SplitIndices, ...]:
    """Split rows into (train_idx, val_idx, test_idx), 60/20/20 by default.

    Parameters
    ----------
    y_or_n : int, array_like or ArrayData
        The number of samples, the label array (needed for `stratify`), or an `ArrayData`.
    fractions : sequence of float
        (train, val, test) fractions summing to 1; val and test get round(n * f) rows,
        train the rest.
    seed : int or numpy.random.Generator
        Randomness for the shuffle.
    stratify : bool
        Keep each class's proportion in every split: per class, each split's count is
        within one sample of n_c * f.
    shuffle : bool
        False keeps row order - the first rows train, the last rows test (a time-ordered
        split; see `time_series_split`).

    Returns
    -------
    (train_idx, val_idx, test_idx) : tuple of SplitIndices
        Sorted row indices tagged with their role.

    Examples
    --------
    >>> train, val, test = train_val_test_split(10, seed=0)
    >>> len(train), len(val), len(test), test.role
    (6, 2, 2, 'test')
    >>> sorted(train.tolist() + val.tolist() + test.tolist()) == list(range(10))
    True
    """
    n, labels = _n_and_labels(y_or_n, "train_val_test_split", need_labels=stratify)
    fractions = _check_fractions(fractions, 3, "train_val_test_split")
    return _partition(n, labels, fractions, seed, stratify, shuffle, ("train", "val", "test"),
                      "train_val_test_split")


def train_test_split(y_or_n: Union[int, ArrayLike, ArrayData], test_size: float = 0.2,
                     seed: GeneratorLike = 0, stratify: bool = False, shuffle: bool = True
                     ) -> tuple[SplitIndices, ...]:
    """Split rows into (train_idx, test_idx) with round(n * test_size) test rows."""
    if not 0 <= float(test_size) <= 1:
        raise ValueError(f"train_test_split(test_size): expected a fraction in [0, 1], got "
                         f"{test_size!r}")
    n, labels = _n_and_labels(y_or_n, "train_test_split", need_labels=stratify)
    return _partition(n, labels, (1 - float(test_size), float(test_size)), seed, stratify,
                      shuffle, ("train", "test"), "train_test_split")


def time_series_split(y_or_n: Union[int, ArrayLike, ArrayData],
                      fractions: Sequence[float] = (0.6, 0.2, 0.2), shuffle: bool = False,
                      seed: GeneratorLike = 0) -> tuple[SplitIndices, ...]:
    """Time-ordered split: rows are assumed sorted by time; train on the past,
    validate on what follows, test on the most recent rows. shuffle=True breaks that
    promise (future rows reach training) and warns with code NF-LEAK-002."""
    if shuffle:
        warnings.warn(f"{TIME_SHUFFLE_CODE}: time_series_split(shuffle=True) mixes future rows "
                      "into training; time-ordered data should be split without shuffling",
                      DataLeakageWarning, stacklevel=2)
    return train_val_test_split(y_or_n, fractions, seed, False, shuffle)


def _n_rows(X: Union[int, Sized], caller: str) -> int:
    """The number of rows of X, or X itself when it is a count (True is neither)."""
    if isinstance(X, (int, np.integer)) and not isinstance(X, bool):
        return int(X)
    try:
        return len(cast(Sized, X))
    except TypeError:
        raise TypeError(f"{caller}.split(X): expected an array with rows or a sample count, "
                        f"got {type(X).__name__}") from None


#: what a splitter's `split` yields: (train_idx, val_idx) for each fold
Folds = Iterator[tuple[SplitIndices, SplitIndices]]


def _train_val(n: int, val: np.ndarray) -> tuple[SplitIndices, SplitIndices]:
    """The (train, val) pair of n rows whose validation rows are `val`."""
    mask = np.ones(n, dtype=bool)
    mask[val] = False
    return SplitIndices(np.flatnonzero(mask), "train"), SplitIndices(np.sort(val), "val")


class _Splitter:
    """Shared checks and the (train, val) pair built from a validation index array."""

    def __init__(self, n_splits: int = 5, shuffle: bool = False,
                 seed: GeneratorLike = None) -> None:
        if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) \
                or n_splits < 2:
            raise ValueError(f"{type(self).__name__}(n_splits): expected an integer >= 2, got "
                             f"{n_splits!r}")
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.seed = seed

    def get_n_splits(self, X: Union[int, Sized, None] = None, y: Optional[ArrayLike] = None,
                     groups: object = None) -> int:
        """The number of folds."""
        return self.n_splits

    def _check_n(self, n: int) -> None:
        if self.n_splits > n:
            raise ValueError(f"{type(self).__name__}: n_splits={self.n_splits} is larger than "
                             f"the number of samples ({n})")

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(n_splits={self.n_splits}, shuffle={self.shuffle}, "
                f"seed={self.seed!r})")


class KFold(_Splitter):
    """K-fold cross-validation: K near-equal folds (the first n % K folds one larger,
    like scikit-learn); each fold is the validation set once. `split` yields
    (train_idx, val_idx); the validation folds partition the rows exactly.

    Parameters
    ----------
    n_splits : int
        K, at least 2.
    shuffle : bool
        Shuffle the rows (with `seed`) before cutting them into folds.
    seed : int or numpy.random.Generator, optional
        Randomness for `shuffle`.

    Examples
    --------
    >>> [val.tolist() for _, val in KFold(3).split(7)]
    [[0, 1, 2], [3, 4], [5, 6]]
    >>> train, val = next(KFold(3).split(7))
    >>> train.tolist(), train.role
    ([3, 4, 5, 6], 'train')
    """

    def split(self, X: Union[int, Sized], y: Optional[ArrayLike] = None, groups: object = None
              ) -> Folds:
        """(train_idx, val_idx) for each fold; X is an array with rows or a sample count."""
        n = _n_rows(X, "KFold")
        self._check_n(n)
        order = resolve_generator(self.seed).permutation(n) if self.shuffle else np.arange(n)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[:n % self.n_splits] += 1
        for val in np.split(order, np.cumsum(sizes)[:-1]):
            yield _train_val(n, val)


class StratifiedKFold(_Splitter):
    """K-fold with each class dealt evenly over the folds: every fold holds n_c // K or
    n_c // K + 1 samples of class c. Dealing continues from fold to fold across classes,
    so fold sizes differ by at most one.

    Parameters
    ----------
    n_splits : int
        K, at least 2.
    shuffle : bool
        Shuffle the rows of each class (with `seed`) before dealing them.
    seed : int or numpy.random.Generator, optional
        Randomness for `shuffle`.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 0, 0, 0, 1, 1])
    >>> [y[val].tolist() for _, val in StratifiedKFold(2).split(y, y)]
    [[0, 0, 1], [0, 0, 1]]
    """

    def split(self, X: Union[int, Sized], y: Optional[ArrayLike], groups: object = None
              ) -> Folds:
        """(train_idx, val_idx) for each fold, every class spread evenly over the folds."""
        if y is None:
            raise ValueError("StratifiedKFold.split(X, y): y (the class labels) is required")
        y = np.asarray(y)
        n = _n_rows(X, "StratifiedKFold")
        if len(y) != n:
            raise ValueError(f"StratifiedKFold.split: X has {n} rows but y has {len(y)}")
        self._check_n(n)
        classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
        if counts.min() < self.n_splits:
            warnings.warn(f"StratifiedKFold: the smallest class ({classes[counts.argmin()]!r}) "
                          f"has {counts.min()} members, fewer than n_splits={self.n_splits}",
                          UserWarning, stacklevel=2)
        order = np.argsort(inverse, kind="stable")          # grouped by class
        if self.shuffle:
            within = resolve_generator(self.seed).permutation(n)
            order = within[np.argsort(inverse[within], kind="stable")]
        fold = np.empty(n, dtype=np.int64)
        fold[order] = np.arange(n) % self.n_splits           # deal round-robin
        for k in range(self.n_splits):
            yield _train_val(n, np.flatnonzero(fold == k))


class LeaveOneOut:
    """Leave-one-out: K = N folds, each holding out one sample (a lecture's "K = 1" is
    a slip for K = N).

    Examples
    --------
    >>> [(train.tolist(), val.tolist()) for train, val in LeaveOneOut().split(3)]
    [([1, 2], [0]), ([0, 2], [1]), ([0, 1], [2])]
    """

    n_splits = None
    shuffle = False
    seed = None

    def get_n_splits(self, X: Union[int, Sized, None] = None, y: Optional[ArrayLike] = None,
                     groups: object = None) -> int:
        """The number of folds: the number of rows of X."""
        if X is None:
            raise ValueError("LeaveOneOut.get_n_splits(X): needs X to count the samples")
        return _n_rows(X, "LeaveOneOut")

    def split(self, X: Union[int, Sized], y: Optional[ArrayLike] = None, groups: object = None
              ) -> Folds:
        """(train_idx, val_idx) holding out each row in turn."""
        n = _n_rows(X, "LeaveOneOut")
        if n < 2:
            raise ValueError(f"LeaveOneOut: needs at least 2 samples, got {n}")
        for i in range(n):
            yield _train_val(n, np.array([i]))

    def __repr__(self) -> str:
        return "LeaveOneOut()"


class TimeSeriesSplit(_Splitter):
    """Expanding-window cross-validation for time-ordered rows (scikit-learn's scheme):
    fold k trains on every row before its validation block, never on later rows.

    Parameters
    ----------
    n_splits : int
        The number of folds, at least 2.

    Examples
    --------
    >>> [(train.tolist(), val.tolist()) for train, val in TimeSeriesSplit(2).split(6)]
    [([0, 1], [2, 3]), ([0, 1, 2, 3], [4, 5])]
    """

    def __init__(self, n_splits: int = 5) -> None:
        super().__init__(n_splits, False, None)

    def split(self, X: Union[int, Sized], y: Optional[ArrayLike] = None, groups: object = None
              ) -> Folds:
        """(train_idx, val_idx): each validation block after all of its training rows."""
        n = _n_rows(X, "TimeSeriesSplit")
        size = n // (self.n_splits + 1)
        if size < 1:
            raise ValueError(f"TimeSeriesSplit: n_splits={self.n_splits} needs at least "
                             f"{self.n_splits + 1} samples, got {n}")
        first = n - self.n_splits * size
        for k in range(self.n_splits):
            start = first + k * size
            yield (SplitIndices(np.arange(start), "train"),
                   SplitIndices(np.arange(start, start + size), "val"))
