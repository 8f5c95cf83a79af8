"""IDX files: small valid/broken files built in tmp_path (raw and gzip), each problem one
clear message naming the file; plus the real Debian Fashion-MNIST files when installed."""
import gzip
import os
import struct

import numpy as np
import pytest

from nnforge.data import (FASHION_MNIST_CLASSES, IDXFormatError, load_fashion_mnist,
                          load_idx_dataset, read_idx)

DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"


def idx_bytes(array, magic=None):
    array = np.asarray(array, dtype=np.uint8)
    magic = magic if magic is not None else 0x0800 + array.ndim
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape) \
        + array.tobytes()


def write(path, payload, gz):
    if gz:
        payload = gzip.compress(payload)
        path = str(path) + ".gz"
    with open(path, "wb") as handle:
        handle.write(payload)
    return path


def make_dataset(folder, n_train=12, n_test=5, gz=True, seed=0, overrides=None):
    rng = np.random.default_rng(seed)
    parts = {
        "train-images-idx3-ubyte": idx_bytes(rng.integers(0, 256, (n_train, 28, 28))),
        "train-labels-idx1-ubyte": idx_bytes(rng.integers(0, 10, n_train)),
        "t10k-images-idx3-ubyte": idx_bytes(rng.integers(0, 256, (n_test, 28, 28))),
        "t10k-labels-idx1-ubyte": idx_bytes(rng.integers(0, 10, n_test)),
    }
    parts.update(overrides or {})
    return {stem: write(os.path.join(folder, stem), data, gz) for stem, data in parts.items()}


@pytest.mark.parametrize("gz", [True, False])
def test_valid_files_load_in_every_layout(tmp_path, gz):
    make_dataset(tmp_path, gz=gz)
    train, test = load_idx_dataset(tmp_path)
    assert train.X.shape == (12, 1, 28, 28) and train.X.dtype == np.float32
    assert test.X.shape == (5, 1, 28, 28) and train.y.dtype == np.int64
    assert 0.0 <= train.X.min() and train.X.max() <= 1.0
    assert train.class_names == FASHION_MNIST_CLASSES and train.class_names[0] == "T-shirt/top"
    raw_train, _ = load_idx_dataset(tmp_path, raw=True)
    assert raw_train.X.dtype == np.uint8
    np.testing.assert_allclose(train.X, raw_train.X / np.float32(255), rtol=1e-6)
    flat, _ = load_idx_dataset(tmp_path, flatten=True)
    assert flat.X.shape == (12, 784)
    np.testing.assert_array_equal(flat.X, train.X.reshape(12, 784))
    mnist, _ = load_idx_dataset(tmp_path, kind="mnist")
    assert mnist.class_names == [str(d) for d in range(10)]


def test_read_idx_values_round_trip(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = write(tmp_path / "a-idx3-ubyte", idx_bytes(array), gz=False)
    np.testing.assert_array_equal(read_idx(path), array)
    big_endian = struct.pack(">I", 0x0C01) + struct.pack(">I", 3) \
        + np.array([1, -2, 70000], dtype=">i4").tobytes()
    path = write(tmp_path / "b", big_endian, gz=True)
    np.testing.assert_array_equal(read_idx(path), [1, -2, 70000])


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_file_names_the_file(tmp_path, gz):
    good = idx_bytes(np.zeros((12, 28, 28)))
    paths = make_dataset(tmp_path, gz=gz,
                         overrides={"train-images-idx3-ubyte": good[:len(good) - 100]})
    if gz:                                          # truncate the compressed stream itself
        with open(paths["train-images-idx3-ubyte"], "wb") as handle:
            handle.write(gzip.compress(good)[:-40])
    with pytest.raises(IDXFormatError, match=r"train-images-idx3-ubyte.*truncated"):
        load_idx_dataset(tmp_path)


def test_bad_magic_names_the_file(tmp_path):
    make_dataset(tmp_path, overrides={
        "t10k-labels-idx1-ubyte": idx_bytes(np.zeros((5, 28, 28)))})     # images, not labels
    with pytest.raises(IDXFormatError, match=r"t10k-labels-idx1-ubyte.gz: magic number 2051 "
                                             r"but expected 2049"):
        load_idx_dataset(tmp_path)
    junk = tmp_path / "junk"
    junk.write_bytes(b"PK\x03\x04 this is a zip, not idx")
    with pytest.raises(IDXFormatError, match=r"junk: bad magic number .* not an IDX file"):
        read_idx(junk)


def test_count_mismatch_names_both_files(tmp_path):
    make_dataset(tmp_path, overrides={"train-labels-idx1-ubyte": idx_bytes(np.zeros(11))})
    with pytest.raises(IDXFormatError, match=r"train-images-idx3-ubyte.gz holds 12 images but "
                                             r".*train-labels-idx1-ubyte.gz holds 11 labels"):
        load_idx_dataset(tmp_path)


def test_trailing_bytes_and_label_range_and_corrupt_gzip(tmp_path):
    extra = idx_bytes(np.zeros(12)) + b"\x00\x00"
    make_dataset(tmp_path, overrides={"train-labels-idx1-ubyte": extra})
    with pytest.raises(IDXFormatError, match="2 unexpected trailing bytes"):
        load_idx_dataset(tmp_path)
    make_dataset(tmp_path, overrides={"train-labels-idx1-ubyte": idx_bytes(np.full(12, 10))})
    with pytest.raises(IDXFormatError, match="label 10 is outside 0..9"):
        load_idx_dataset(tmp_path)
    bad = tmp_path / "bad.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 40)
    with pytest.raises(IDXFormatError, match="bad.gz"):
        read_idx(bad)


def test_missing_files_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_idx_dataset(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_idx_dataset(tmp_path / "nope")
    with pytest.raises(ValueError, match=r"load_idx_dataset\(kind\)"):
        load_idx_dataset(tmp_path, kind="cifar")


@pytest.mark.skipif(not os.path.isdir(DEBIAN_DIR),
                    reason="Debian's dataset-fashion-mnist is not installed "
                           "(apt-get install -y dataset-fashion-mnist)")
def test_real_debian_fashion_mnist():
    train, test = load_fashion_mnist()
    assert train.X.shape == (60000, 1, 28, 28) and test.X.shape == (10000, 1, 28, 28)
    assert len(train.y) == 60000 and len(test.y) == 10000
    np.testing.assert_array_equal(np.unique(train.y), np.arange(10))
    np.testing.assert_array_equal(np.bincount(train.y), np.full(10, 6000))
    np.testing.assert_array_equal(np.unique(test.y), np.arange(10))
    assert train.X.dtype == np.float32 and train.X.min() == 0.0 and train.X.max() == 1.0
