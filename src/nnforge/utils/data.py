"""`torch.utils.data`'s names: the datasets and loader of `nnforge.data`, plus samplers and
`random_split`.

Samplers are iterables of indices a `DataLoader` reads in place of its own order
(`sampler=`) or batching (`batch_sampler=`). Random ones draw from a seeded NumPy
Generator (`generator=`; the library default when None).
"""
import numpy as np

from ..data import DataLoader, Dataset, Subset, TensorDataset
from ..random import resolve_generator

__all__ = ["BatchSampler", "DataLoader", "Dataset", "RandomSampler", "Sampler",
           "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset",
           "WeightedRandomSampler", "random_split"]


class Sampler:
    """Base class: an iterable of dataset indices with a length."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random permutation every epoch; with `replacement`, `num_samples` draws
    with replacement."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = bool(replacement)
        self._num_samples = num_samples
        if num_samples is not None and (not isinstance(num_samples, (int, np.integer))
                                        or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples must be a positive int, got "
                             f"{num_samples!r}")
        self.generator = resolve_generator(generator)

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self):
        n = len(self.data_source)
        if self.replacement:
            draws = self.generator.integers(0, n, size=self.num_samples)
        else:
            rounds = -(-self.num_samples // n)
            draws = np.concatenate([self.generator.permutation(n)
                                    for _ in range(rounds)])[:self.num_samples]
        return iter(draws.tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a fresh random order every epoch."""

    def __init__(self, indices, generator=None):
        self.indices = list(indices)
        self.generator = resolve_generator(generator)

    def __iter__(self):
        return iter([self.indices[i] for i in self.generator.permutation(len(self.indices))])

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices drawn with probabilities proportional to `weights`
    (e.g. inverse class frequencies, to balance classes)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 1 or weights.size == 0 or (weights < 0).any() \
                or not np.isfinite(weights).all() or weights.sum() == 0:
            raise ValueError("WeightedRandomSampler: weights must be a non-empty 1-d sequence "
                             "of finite, non-negative numbers with a positive sum")
        if not replacement and num_samples > np.count_nonzero(weights):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} distinct "
                             f"indices from {np.count_nonzero(weights)} with non-zero weight")
        self.weights, self.num_samples = weights, int(num_samples)
        self.replacement = bool(replacement)
        self.generator = resolve_generator(generator)

    def __iter__(self):
        draws = self.generator.choice(len(self.weights), size=self.num_samples,
                                      replace=self.replacement, p=self.weights / self.weights.sum())
        return iter(draws.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of `batch_size` (the last may be smaller
    unless `drop_last`)."""

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"BatchSampler: batch_size must be a positive int, got "
                             f"{batch_size!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def random_split(dataset, lengths, generator=None):
    """Disjoint random `Subset`s of `dataset` with the given lengths (counts adding up to
    len(dataset), or fractions adding up to 1, the remainder spread one by one from the
    first, as in PyTorch)."""
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(0 <= f <= 1 for f in lengths) and np.isclose(sum(lengths), 1) \
            and sum(lengths) != n:
        counts = [int(np.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(int(k) != k or k < 0 for k in lengths) or sum(lengths) != n:
        raise ValueError(f"random_split(): lengths {lengths} must be non-negative counts "
                         f"adding up to the dataset size {n} (or fractions adding up to 1)")
    order = resolve_generator(generator).permutation(n)
    stops = np.cumsum([int(k) for k in lengths])
    return [Subset(dataset, order[stop - int(k):stop]) for k, stop in zip(lengths, stops)]
