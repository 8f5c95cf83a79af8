"""`.npy`/`.npz` loading: memory-mapped (also inside uncompressed .npz), never unpickled,
targets typed by task, clear errors for missing keys and object arrays."""
import numpy as np
import pytest

from nnforge.data import ArrayFileError, DataLoader, load_arrays, save_arrays


def test_npz_members_are_memory_mapped_and_equal(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.random((50, 3, 4, 4)).astype(np.float32)
    y = rng.integers(0, 3, 50)
    path = tmp_path / "d.npz"
    save_arrays(path, X, y)
    data = load_arrays(path)
    assert isinstance(data.X, np.memmap)
    np.testing.assert_array_equal(data.X, X)
    np.testing.assert_array_equal(data.y, y)
    assert data.y.dtype == np.int64 and data.task == "classification"
    assert data.class_names == ["0", "1", "2"]
    in_memory = load_arrays(path, mmap=False)
    assert not isinstance(in_memory.X, np.memmap)
    batches = list(DataLoader(data, batch_size=16, shuffle=True, generator=1))
    np.testing.assert_array_equal(np.sort(np.concatenate([b[1] for b in batches])), np.sort(y))


def test_fortran_order_and_npy(tmp_path):
    X = np.asfortranarray(np.arange(12.0).reshape(4, 3))
    np.savez(tmp_path / "f.npz", X=X, y=np.array([0.5, 1.0, 1.5, 2.0]))
    data = load_arrays(tmp_path / "f.npz")
    np.testing.assert_array_equal(data.X, X)
    assert data.task == "regression" and data.y.dtype == np.float32
    np.save(tmp_path / "x.npy", X)
    only = load_arrays(tmp_path / "x.npy")
    assert isinstance(only.X, np.memmap) and only.y is None
    np.testing.assert_array_equal(only.X, X)


def test_compressed_npz_loads_with_a_warning(tmp_path):
    np.savez_compressed(tmp_path / "c.npz", X=np.ones((3, 2)), y=np.arange(3))
    with pytest.warns(UserWarning, match="compressed and cannot be memory-mapped"):
        data = load_arrays(tmp_path / "c.npz")
    np.testing.assert_array_equal(data.X, np.ones((3, 2)))


def test_custom_keys_and_errors(tmp_path):
    np.savez(tmp_path / "k.npz", images=np.zeros((4, 2)), labels=np.array([0, 1, 1, 5]))
    data = load_arrays(tmp_path / "k.npz", x_key="images", y_key="labels")
    assert data.class_names == [str(i) for i in range(6)]
    with pytest.raises(ArrayFileError, match=r"no array named 'X'; it holds \['images', "
                                             r"'labels'\]"):
        load_arrays(tmp_path / "k.npz")
    with pytest.raises(ArrayFileError, match=r"class index 5 is outside the 2 classes"):
        load_arrays(tmp_path / "k.npz", x_key="images", y_key="labels", class_names=["a", "b"])
    np.savez(tmp_path / "bad.npz", X=np.zeros((4, 2)), y=np.zeros(3))
    with pytest.raises(ArrayFileError, match=r"one entry per row"):
        load_arrays(tmp_path / "bad.npz")


def test_object_arrays_are_never_unpickled(tmp_path):
    obj = np.array([{"a": 1}, None], dtype=object)
    np.save(tmp_path / "o.npy", obj, allow_pickle=True)
    with pytest.raises(ArrayFileError, match="cannot load"):
        load_arrays(tmp_path / "o.npy")
    np.savez(tmp_path / "o.npz", X=obj)
    with pytest.raises(ArrayFileError, match="never unpickles"):
        load_arrays(tmp_path / "o.npz", y_key=None)
    with pytest.raises(ArrayFileError, match="cannot load"):
        load_arrays(tmp_path / "o.npz", y_key=None, mmap=False)


def test_not_an_archive(tmp_path):
    (tmp_path / "z.npz").write_bytes(b"hello")
    with pytest.raises(ArrayFileError, match="not a readable .npz archive"):
        load_arrays(tmp_path / "z.npz")
    with pytest.raises(FileNotFoundError):
        load_arrays(tmp_path / "none.npz")
