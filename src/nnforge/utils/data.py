"""`torch.utils.data`'s names: the datasets and loader of `nnforge.data`, plus samplers and
`random_split`.

Samplers are iterables of indices a `DataLoader` reads in place of its own order
(`sampler=`) or batching (`batch_sampler=`). Random ones draw from a seeded NumPy
Generator (`generator=`; the library default when None).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence, Sized
from typing import Generic, Protocol, TypeVar, Union

import numpy as np

from ..data import DataLoader, Dataset, Subset, TensorDataset
from ..random import Generator, GeneratorLike, resolve_generator

__all__ = ["BatchSampler", "DataLoader", "Dataset", "RandomSampler", "Sampler",
           "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset",
           "WeightedRandomSampler", "random_split"]

T_co = TypeVar("T_co", covariant=True)


class _SizedIndices(Protocol):
    """Indices with a length: a sampler, a range, a list."""

    def __iter__(self) -> Iterator[int]: ...

    def __len__(self) -> int: ...


class Sampler(Generic[T_co]):
    """Base class: an iterable of dataset indices with a length.

    A subclass defines ``__iter__`` (and ``__len__`` where the number of indices is known).

    Examples
    --------
    >>> class EvenIndices(Sampler):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(0, self.n, 2))
    ...     def __len__(self):
    ...         return (self.n + 1) // 2
    >>> list(EvenIndices(5)), len(EvenIndices(5))
    ([0, 2, 4], 3)
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler[int]):
    """0, 1, ..., len(data_source) - 1.

    Parameters
    ----------
    data_source : sized
        The dataset (anything with a length) whose indices are given.

    Examples
    --------
    >>> list(SequentialSampler(["a", "b", "c"]))
    [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """A fresh random permutation every epoch; with `replacement`, `num_samples` draws
    with replacement.

    Parameters
    ----------
    data_source : sized
        The dataset whose indices are drawn.
    replacement : bool, default False
    num_samples : int, optional
        How many indices an epoch gives (default: the dataset's length; more than that
        without replacement repeats whole permutations).
    generator : None, int, numpy Generator or nnforge Generator
        The source of randomness (None: the library default, seeded by `manual_seed`).

    Examples
    --------
    >>> sampler = RandomSampler(range(5), generator=0)
    >>> sorted(sampler), len(sampler)
    ([0, 1, 2, 3, 4], 5)
    >>> len(RandomSampler(range(5), replacement=True, num_samples=8, generator=0))
    8
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: GeneratorLike = None) -> None:
        self.data_source = data_source
        self.replacement = bool(replacement)
        self._num_samples = num_samples
        if num_samples is not None and (not isinstance(num_samples, (int, np.integer))
                                        or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples must be a positive int, got "
                             f"{num_samples!r}")
        self.generator = resolve_generator(generator)

    @property
    def num_samples(self) -> int:
        """The number of indices one epoch gives."""
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        if self.replacement:
            draws = self.generator.integers(0, n, size=self.num_samples)
        else:
            rounds = -(-self.num_samples // n)
            draws = np.concatenate([self.generator.permutation(n)
                                    for _ in range(rounds)])[:self.num_samples]
        return iter(draws.tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in a fresh random order every epoch.

    Parameters
    ----------
    indices : sequence of int
    generator : None, int, numpy Generator or nnforge Generator

    Examples
    --------
    >>> sampler = SubsetRandomSampler([10, 20, 30], generator=0)
    >>> sorted(sampler), len(sampler)
    ([10, 20, 30], 3)
    """

    def __init__(self, indices: Sequence[int], generator: GeneratorLike = None) -> None:
        self.indices = list(indices)
        self.generator = resolve_generator(generator)

    def __iter__(self) -> Iterator[int]:
        return iter([self.indices[i] for i in self.generator.permutation(len(self.indices))])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """`num_samples` indices drawn with probabilities proportional to `weights`
    (e.g. inverse class frequencies, to balance classes).

    Parameters
    ----------
    weights : sequence of float
        One non-negative weight per dataset index.
    num_samples : int
    replacement : bool, default True
    generator : None, int, numpy Generator or nnforge Generator

    Examples
    --------
    Index 1 has weight 0, so it is never drawn:

    >>> sampler = WeightedRandomSampler([0.5, 0.0, 0.5], num_samples=6, generator=0)
    >>> draws = list(sampler)
    >>> len(draws), 1 in draws, set(draws) <= {0, 2}
    (6, False, True)
    """

    def __init__(self, weights: Sequence[float] | np.ndarray, num_samples: int,
                 replacement: bool = True, generator: GeneratorLike = None) -> None:
        array = np.asarray(weights, dtype=np.float64)
        if array.ndim != 1 or array.size == 0 or (array < 0).any() \
                or not np.isfinite(array).all() or array.sum() == 0:
            raise ValueError("WeightedRandomSampler: weights must be a non-empty 1-d sequence "
                             "of finite, non-negative numbers with a positive sum")
        if not replacement and num_samples > np.count_nonzero(array):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} distinct "
                             f"indices from {np.count_nonzero(array)} with non-zero weight")
        self.weights, self.num_samples = array, int(num_samples)
        self.replacement = bool(replacement)
        self.generator = resolve_generator(generator)

    def __iter__(self) -> Iterator[int]:
        draws = self.generator.choice(len(self.weights), size=self.num_samples,
                                      replace=self.replacement, p=self.weights / self.weights.sum())
        return iter(draws.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Groups the indices of `sampler` into lists of `batch_size` (the last may be smaller
    unless `drop_last`).

    Parameters
    ----------
    sampler : Sampler or sized iterable of int
    batch_size : int
    drop_last : bool
        Leave out a last batch smaller than ``batch_size``.

    Examples
    --------
    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    >>> len(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=True))
    2
    """

    def __init__(self, sampler: _SizedIndices, batch_size: int,
                 drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"BatchSampler: batch_size must be a positive int, got "
                             f"{batch_size!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def random_split(dataset: Dataset, lengths: Sequence[float],
                 generator: GeneratorLike = None) -> list[Subset]:
    """Disjoint random `Subset`s of `dataset` with the given lengths (counts adding up to
    len(dataset), or fractions adding up to 1, the remainder spread one by one from the
    first, as in PyTorch)."""
    n = len(dataset)
    sizes: list[float] = list(lengths)
    if sizes and all(0 <= f <= 1 for f in sizes) and np.isclose(sum(sizes), 1) \
            and sum(sizes) != n:
        counts = [int(np.floor(n * f)) for f in sizes]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        sizes = list(counts)
    if any(int(k) != k or k < 0 for k in sizes) or sum(sizes) != n:
        raise ValueError(f"random_split(): lengths {sizes} must be non-negative counts "
                         f"adding up to the dataset size {n} (or fractions adding up to 1)")
    order = resolve_generator(generator).permutation(n)
    stops = np.cumsum([int(k) for k in sizes])
    return [Subset(dataset, order[stop - int(k):stop]) for k, stop in zip(sizes, stops)]
