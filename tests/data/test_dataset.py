"""TensorDataset, Subset and ArrayData."""
import numpy as np
import pytest

import nnforge
from nnforge.data import ArrayData, Subset, TensorDataset


def test_tensor_dataset_indexing():
    X = np.arange(12.0).reshape(6, 2)
    y = np.arange(6)
    ds = TensorDataset(X, y)
    assert len(ds) == 6
    a, b = ds[2]
    np.testing.assert_array_equal(a, [4, 5]) and b == 2
    batch = ds[np.array([5, 0])]
    np.testing.assert_array_equal(batch[0], X[[5, 0]])
    tensors = TensorDataset(nnforge.tensor(X), y)
    np.testing.assert_array_equal(tensors.arrays[0], X)


def test_tensor_dataset_lengths_must_match():
    with pytest.raises(ValueError, match=r"same length along dim 0, got lengths \[6, 5\]"):
        TensorDataset(np.zeros((6, 2)), np.zeros(5))
    with pytest.raises(ValueError, match="at least one array"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d array"):
        TensorDataset(np.float32(1.0))


def test_subset():
    ds = TensorDataset(np.arange(10) * 10)
    sub = Subset(ds, [7, 2])
    assert len(sub) == 2 and sub[0][0] == 70
    np.testing.assert_array_equal(sub[np.array([1, 0])][0], [20, 70])
    with pytest.raises(IndexError, match=r"indices must lie in \[0, 10\)"):
        Subset(ds, [10])


def test_array_data_metadata():
    data = ArrayData(np.zeros((4, 1, 3, 3), np.float32), np.array([0, 1, 1, 0]), ["a", "b"],
                     name="tiny")
    assert data.shape == (4, 1, 3, 3) and data.sample_shape == (1, 3, 3)
    assert data.n_features == 9 and data.n_classes == 2 and data.n_samples == len(data) == 4
    X, y = data
    assert X is data.X and y is data.y
    assert "tiny: X (4, 1, 3, 3) float32" in data.info()
    assert data.subset([0, 3]).y.tolist() == [0, 0]
    with pytest.raises(ValueError, match="X has 4 rows but y has 3"):
        ArrayData(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"ArrayData\(task\)"):
        ArrayData(np.zeros((4, 2)), task="ranking")
