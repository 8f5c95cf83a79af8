"""DataLoader: batch counts, order, seeded shuffling, drop_last, full batch, prefetch
equals no prefetch, generic datasets, memory-mapped sources, clear errors."""
import numpy as np
import pytest

from nnforge.data import (ArrayData, DataLoader, Dataset, GaussianNoise, TensorDataset,
                          save_arrays, load_arrays)


def dataset(n=10):
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    return TensorDataset(X, np.arange(n))


def test_batches_in_order_and_len():
    loader = DataLoader(dataset(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), np.arange(10))
    assert batches[0][0].dtype == np.float32 and batches[0][0].shape == (4, 3)


def test_drop_last_and_full_batch():
    loader = DataLoader(dataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(b[1]) for b in loader] == [4, 4]
    full = DataLoader(dataset(10), batch_size=None)
    assert len(full) == 1
    (X, y), = list(full)
    assert X.shape == (10, 3)
    assert len(DataLoader(dataset(10), batch_size=1)) == 10


def test_shuffle_is_seeded_and_reshuffles_each_epoch():
    a = DataLoader(dataset(20), batch_size=6, shuffle=True, generator=5)
    b = DataLoader(dataset(20), batch_size=6, shuffle=True, generator=np.random.default_rng(5))
    epoch1 = np.concatenate([y for _, y in a])
    epoch2 = np.concatenate([y for _, y in a])
    np.testing.assert_array_equal(np.sort(epoch1), np.arange(20))
    assert not np.array_equal(epoch1, epoch2) and not np.array_equal(epoch1, np.arange(20))
    np.testing.assert_array_equal(epoch1, np.concatenate([y for _, y in b]))
    for X, y in a:                                   # rows stay paired
        np.testing.assert_array_equal(X[:, 0], 3 * y)


def test_prefetch_gives_identical_batches_including_transform():
    X = np.random.default_rng(0).random((37, 1, 4, 4)).astype(np.float32)
    y = np.arange(37)
    kwargs = dict(batch_size=8, shuffle=True, transform=GaussianNoise(0.1))
    plain = list(DataLoader(TensorDataset(X, y), generator=3, **kwargs))
    fetched = list(DataLoader(TensorDataset(X, y), generator=3, prefetch=True, **kwargs))
    assert len(plain) == len(fetched) == 5
    for (a, b), (c, d) in zip(plain, fetched):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_prefetch_early_break_and_error_propagation():
    loader = DataLoader(dataset(100), batch_size=2, prefetch=True)
    for i, _ in enumerate(loader):
        if i == 3:
            break

    def broken(X, generator):
        raise RuntimeError("transform exploded")
    with pytest.raises(RuntimeError, match="transform exploded"):
        list(DataLoader(dataset(10), batch_size=2, prefetch=True, transform=broken))


class Squares(Dataset):
    """A generic dataset without batch indexing: the loader stacks samples."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return np.array([i, i * i], dtype=np.float32), i


def test_generic_dataset_is_stacked():
    batches = list(DataLoader(Squares(), batch_size=3))
    X, y = batches[0]
    np.testing.assert_array_equal(X, [[0, 0], [1, 1], [2, 4]])
    np.testing.assert_array_equal(y, [0, 1, 2])


def test_array_data_and_memmap_source(tmp_path):
    X = np.random.default_rng(1).random((64, 5)).astype(np.float32)
    y = np.arange(64) % 3
    save_arrays(tmp_path / "m.npz", X, y)
    data = load_arrays(tmp_path / "m.npz")
    loader = DataLoader(data, batch_size=10, shuffle=True, generator=0)
    assert loader._mmaps                              # the memmap was recognised
    got_X, got_y = zip(*loader)
    order = np.concatenate(got_y)
    assert len(order) == 64
    stacked = np.concatenate(got_X)
    assert not isinstance(stacked, np.memmap)
    ref = DataLoader(ArrayData(X, y, ["a", "b", "c"]), batch_size=10, shuffle=True,
                     generator=0)
    np.testing.assert_array_equal(stacked, np.concatenate([b[0] for b in ref]))


@pytest.mark.parametrize("make, error, message", [
    (lambda: DataLoader(dataset(5), batch_size=8, drop_last=True), ValueError,
     r"batch_size=8 is larger than the dataset \(5 samples\) with drop_last=True"),
    (lambda: DataLoader(TensorDataset(np.zeros((0, 2))), batch_size=2), ValueError,
     r"the dataset is empty"),
    (lambda: DataLoader(dataset(5), batch_size=0), ValueError, r"DataLoader\(batch_size\)"),
    (lambda: DataLoader(dataset(5), transform=3), TypeError, r"DataLoader\(transform\)"),
    (lambda: DataLoader(object()), TypeError, r"expected a Dataset with __len__"),
])
def test_bad_loader_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_batch_larger_than_dataset_without_drop_last_is_one_batch():
    loader = DataLoader(dataset(5), batch_size=8)
    assert len(loader) == 1 and len(next(iter(loader))[1]) == 5


def test_memmap_gather_in_chunks_and_subset(tmp_path, monkeypatch):
    import importlib
    from nnforge.data import Subset
    loader_module = importlib.import_module("nnforge.data.loader")
    monkeypatch.setattr(loader_module, "_MAPPED_CHUNK", 3)
    X = np.arange(40 * 6, dtype=np.float32).reshape(40, 6)
    y = np.arange(40)
    save_arrays(tmp_path / "s.npz", X, y)
    data = load_arrays(tmp_path / "s.npz")
    rows = np.array([39, 3, 17, 8, 22, 5, 30])
    loader = DataLoader(Subset(data.to_dataset(), rows), batch_size=4, shuffle=True,
                        generator=2)
    got = list(loader)
    assert [len(b[1]) for b in got] == [4, 3]
    for xb, yb in got:
        np.testing.assert_array_equal(xb, X[yb])
    np.testing.assert_array_equal(np.sort(np.concatenate([b[1] for b in got])), np.sort(rows))


def test_batches_are_tensors_wrapping_the_gathered_arrays():
    from nnforge import Tensor

    X = np.arange(12, dtype=np.float64).reshape(6, 2)
    loader = DataLoader(TensorDataset(X, np.arange(6, dtype=np.int64)), batch_size=4)
    xb, yb = next(iter(loader))
    assert isinstance(xb, Tensor) and isinstance(yb, Tensor)
    assert xb.numpy().dtype == np.float64 and yb.numpy().dtype == np.int64
    assert not xb.requires_grad
    np.testing.assert_array_equal(xb.numpy(), X[:4])
    assert not np.shares_memory(xb.numpy(), X)             # a batch, not a view of the data


class Records(Dataset):
    """Samples as a dict, as a list, or a single value, with Python numbers."""

    def __init__(self, kind):
        self.kind = kind

    def __len__(self):
        return 5

    def __getitem__(self, i):
        if self.kind == "dict":
            return {"x": np.full(2, i, dtype=np.float32), "label": i, "weight": 0.5 * i}
        if self.kind == "list":
            return [np.full(3, i, dtype=np.float32), i]
        return np.full(2, i, dtype=np.float32)


def test_sample_structure_is_kept_and_python_numbers_become_tensors_like_torch():
    from nnforge import Tensor

    batch = next(iter(DataLoader(Records("dict"), batch_size=3)))
    assert set(batch) == {"x", "label", "weight"}
    assert batch["x"].shape == (3, 2) and batch["x"].numpy().dtype == np.float32
    assert batch["label"].numpy().dtype == np.int64 and batch["label"].tolist() == [0, 1, 2]
    assert batch["weight"].numpy().dtype == np.float64                      # torch: float64 too
    xb, yb = next(iter(DataLoader(Records("list"), batch_size=2)))
    assert isinstance(xb, Tensor) and xb.shape == (2, 3) and yb.tolist() == [0, 1]
    single = next(iter(DataLoader(Records("single"), batch_size=4)))
    assert isinstance(single, Tensor) and single.shape == (4, 2)


def test_collate_fn_and_accepted_pytorch_arguments():
    def pairs(samples):
        return [s[1] for s in samples]

    loader = DataLoader(dataset(5), batch_size=2, collate_fn=pairs, num_workers=2,
                        pin_memory=True)
    assert [list(map(int, b)) for b in loader] == [[0, 1], [2, 3], [4]]
    with pytest.raises(TypeError, match="collate_fn"):
        DataLoader(dataset(5), collate_fn=3)
