"""`nnforge.utils.data`: torch's import path for the data classes, samplers and
random_split, and the DataLoader's sampler / batch_sampler arguments."""
import numpy as np
import pytest

import nnforge as nf
from nnforge.utils.data import (BatchSampler, DataLoader, RandomSampler, SequentialSampler,
                                Subset, SubsetRandomSampler, TensorDataset,
                                WeightedRandomSampler, random_split)


def dataset(n=10):
    return TensorDataset(np.arange(n, dtype=np.float32)[:, None], np.arange(n))


def test_same_classes_as_nnforge_data():
    assert TensorDataset is nf.data.TensorDataset and Subset is nf.data.Subset


def test_sequential_and_random_samplers():
    assert list(SequentialSampler(dataset(4))) == [0, 1, 2, 3]
    sampler = RandomSampler(dataset(10), generator=0)
    first, second = list(sampler), list(sampler)
    assert sorted(first) == list(range(10)) and first != second and len(sampler) == 10
    draws = list(RandomSampler(dataset(3), replacement=True, num_samples=50, generator=1))
    assert len(draws) == 50 and set(draws) == {0, 1, 2}


def test_subset_random_and_weighted_samplers():
    picked = list(SubsetRandomSampler([5, 7, 9], generator=0))
    assert sorted(picked) == [5, 7, 9]
    counts = np.bincount(list(WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=0)),
                         minlength=3)
    assert counts[0] == 0 and 2.6 < counts[2] / counts[1] < 3.4
    assert sorted(WeightedRandomSampler([1, 1, 1], 3, replacement=False, generator=0)) == \
        [0, 1, 2]
    with pytest.raises(ValueError, match="cannot draw 3 distinct indices from 2"):
        WeightedRandomSampler([1, 0, 1], 3, replacement=False)
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1, -1], 3)


def test_batch_sampler_and_loader_arguments():
    batches = list(BatchSampler(SequentialSampler(range(7)), 3, drop_last=False))
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(BatchSampler(range(7), 3, drop_last=True)) == 2
    loader = DataLoader(dataset(7), batch_sampler=BatchSampler(range(7), 3, drop_last=True))
    assert [y.tolist() for _, y in loader] == [[0, 1, 2], [3, 4, 5]] and len(loader) == 2
    loader = DataLoader(dataset(6), batch_size=4, sampler=SubsetRandomSampler([1, 3, 5], 0))
    (x, y), = list(loader)
    assert sorted(y.tolist()) == [1, 3, 5] and len(loader) == 1
    with pytest.raises(ValueError, match="sampler and shuffle=True are exclusive"):
        DataLoader(dataset(), sampler=SequentialSampler(dataset()), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler is exclusive"):
        DataLoader(dataset(), batch_size=4, batch_sampler=[[0]])


def test_random_split_counts_and_fractions():
    a, b = random_split(dataset(10), [7, 3], generator=0)
    assert (len(a), len(b)) == (7, 3)
    assert sorted(np.concatenate([a.indices, b.indices]).tolist()) == list(range(10))
    parts = random_split(dataset(10), [0.5, 0.3, 0.2], generator=0)
    assert [len(p) for p in parts] == [5, 3, 2]
    assert [len(p) for p in random_split(dataset(11), [0.5, 0.5], generator=0)] == [6, 5]
    with pytest.raises(ValueError, match="adding up to the dataset size 10"):
        random_split(dataset(10), [4, 4])
    x, y = next(iter(DataLoader(a, batch_size=7)))
    np.testing.assert_array_equal(x.numpy()[:, 0], y.numpy())      # rows stay paired


def test_random_sampler_without_replacement_covers_every_index_per_round():
    draws = list(RandomSampler(dataset(3), num_samples=7, generator=2))
    assert len(draws) == 7 and sorted(draws[:3]) == sorted(draws[3:6]) == [0, 1, 2]
