"""MNIST-format IDX files (raw or gzip): `read_idx` for one file, `load_idx_dataset` /
`load_fashion_mnist` / `load_mnist` for a train/test pair.

Nothing is downloaded: by default Fashion-MNIST is read from Debian's
`dataset-fashion-mnist` package (`/usr/share/datasets/fashion-mnist/`). Every file is
checked - magic number, element type, dimensions, payload length, image/label counts,
label range - and a bad one raises `IDXFormatError` naming the file and the problem.
"""
from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Sequence
from typing import Optional, Union

import numpy as np

from .dataset import ArrayData

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
MNIST_DIR = "/usr/share/datasets/mnist"

FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot"]
MNIST_CLASSES = [str(d) for d in range(10)]

IMAGES_MAGIC = 2051          # 0x00000803: unsigned bytes, 3 dimensions (N, rows, cols)
LABELS_MAGIC = 2049          # 0x00000801: unsigned bytes, 1 dimension (N,)

# IDX type byte -> big-endian NumPy dtype
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_KINDS = {"fashion-mnist": (FASHION_MNIST_DIR, FASHION_MNIST_CLASSES),
          "mnist": (MNIST_DIR, MNIST_CLASSES)}

# file stems; the loader accepts each with or without ".gz" and with "-idx" or ".idx"
_STEMS = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
          "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


class IDXFormatError(ValueError):
    """An IDX file is missing, truncated, corrupted or inconsistent with its partner."""


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise IDXFormatError(f"cannot read IDX file {path}: {error.strerror or error}") from None
    if raw[:2] == b"\x1f\x8b":                   # gzip magic, whatever the extension
        try:
            return gzip.decompress(raw)
        except EOFError:
            raise IDXFormatError(f"IDX file {path}: the gzip stream is truncated (the file "
                                 "ends before the end-of-stream marker)") from None
        except (OSError, zlib.error) as error:
            raise IDXFormatError(f"IDX file {path}: corrupted gzip data ({error})") from None
    return raw


def read_idx(path: Union[str, os.PathLike[str]], expected_magic: Optional[int] = None
             ) -> np.ndarray:
    """Read one IDX file into a NumPy array (native byte order).

    Raises `IDXFormatError` naming the file when the magic number is wrong (or differs
    from `expected_magic`), the header is short, or the payload length does not match
    the dimensions in the header.
    """
    path = os.fspath(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise IDXFormatError(f"IDX file {path}: only {len(data)} bytes, too short for the "
                             "4-byte magic number")
    magic = int.from_bytes(data[:4], "big")
    type_code, ndim = data[2], data[3]
    if data[:2] != b"\x00\x00" or type_code not in _IDX_TYPES or ndim == 0:
        raise IDXFormatError(f"IDX file {path}: bad magic number {magic} (0x{magic:08x}); "
                             f"expected {expected_magic or '0x000008NN'} - not an IDX file")
    if expected_magic is not None and magic != expected_magic:
        what = "images" if expected_magic == IMAGES_MAGIC else "labels"
        raise IDXFormatError(f"IDX file {path}: magic number {magic} but expected "
                             f"{expected_magic} ({what})")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXFormatError(f"IDX file {path}: truncated header ({len(data)} bytes, the "
                             f"{ndim} dimension sizes need {header})")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[type_code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    payload = len(data) - header
    if payload < expected:
        raise IDXFormatError(f"IDX file {path}: truncated - dimensions {shape} need {expected} "
                             f"bytes of data but the file holds {payload}")
    if payload > expected:
        raise IDXFormatError(f"IDX file {path}: {payload - expected} unexpected trailing bytes "
                             f"after the {expected} bytes that dimensions {shape} describe")
    array = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=header)
    return array.reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def _find(directory: str, stem: str) -> str:
    candidates = [stem, stem + ".gz", stem.replace("-idx", ".idx"),
                  stem.replace("-idx", ".idx") + ".gz"]
    for candidate in candidates:
        path = os.path.join(directory, candidate)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"IDX dataset: no {stem}[.gz] in {directory} (looked for "
                            f"{', '.join(candidates)})")


def _load_pair(images_path: str, labels_path: str, class_names: Sequence[str], flatten: bool,
               raw: bool, name: str) -> ArrayData:
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if images.ndim != 3:
        raise IDXFormatError(f"IDX file {images_path}: images need 3 dimensions (N, rows, cols), "
                             f"got shape {images.shape}")
    if labels.ndim != 1:
        raise IDXFormatError(f"IDX file {labels_path}: labels need 1 dimension, got shape "
                             f"{labels.shape}")
    if len(images) != len(labels):
        raise IDXFormatError(f"IDX dataset: {images_path} holds {len(images)} images but "
                             f"{labels_path} holds {len(labels)} labels")
    if labels.size and labels.max() >= len(class_names):
        raise IDXFormatError(f"IDX file {labels_path}: label {int(labels.max())} is outside "
                             f"0..{len(class_names) - 1} for {len(class_names)} classes")
    n, rows, cols = images.shape
    X = images.reshape(n, rows * cols) if flatten else images.reshape(n, 1, rows, cols)
    if not raw:
        X = X.astype(np.float32)
        X *= np.float32(1 / 255)
    return ArrayData(X, labels.astype(np.int64), list(class_names), "classification", name,
                     None)


def load_idx_dataset(directory: Union[str, os.PathLike[str], None] = None,
                     kind: str = "fashion-mnist", flatten: bool = False, raw: bool = False,
                     class_names: Optional[Sequence[str]] = None
                     ) -> tuple[ArrayData, ArrayData]:
    """Load the train and test halves of an MNIST-format dataset.

    Parameters
    ----------
    directory : str or os.PathLike, optional
        Folder holding train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
        t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]; default
        `/usr/share/datasets/fashion-mnist` (Debian: `apt-get install
        dataset-fashion-mnist`) for kind "fashion-mnist", `/usr/share/datasets/mnist` for
        "mnist".
    kind : str
        "fashion-mnist" or "mnist" (chooses the default folder and class names).
    flatten : bool
        X of shape (N, rows*cols) instead of (N, 1, rows, cols).
    raw : bool
        Keep the uint8 pixels 0..255 instead of float32 in [0, 1].
    class_names : sequence of str, optional
        Override the class names.

    Returns
    -------
    (train, test) : tuple of ArrayData
        The two halves, y int64.
    """
    if kind not in _KINDS:
        raise ValueError(f"load_idx_dataset(kind): expected one of {sorted(_KINDS)}, got "
                         f"{kind!r}")
    default_dir, default_names = _KINDS[kind]
    directory = os.fspath(directory) if directory is not None else default_dir
    if not os.path.isdir(directory):
        hint = (" (install Debian's package: apt-get install dataset-fashion-mnist)"
                if directory == FASHION_MNIST_DIR else "")
        raise FileNotFoundError(f"load_idx_dataset: directory {directory} does not exist{hint}")
    names = list(class_names) if class_names is not None else default_names
    paths = {key: _find(directory, stem) for key, stem in _STEMS.items()}
    train = _load_pair(paths["train_images"], paths["train_labels"], names, flatten, raw,
                       f"{kind}-train")
    test = _load_pair(paths["test_images"], paths["test_labels"], names, flatten, raw,
                      f"{kind}-test")
    return train, test


def load_fashion_mnist(directory: Union[str, os.PathLike[str], None] = None,
                       flatten: bool = False, raw: bool = False
                       ) -> tuple[ArrayData, ArrayData]:
    """Fashion-MNIST (60,000 train / 10,000 test 28x28 images, 10 clothing classes)."""
    return load_idx_dataset(directory, "fashion-mnist", flatten, raw)


def load_mnist(directory: Union[str, os.PathLike[str], None] = None, flatten: bool = False,
               raw: bool = False) -> tuple[ArrayData, ArrayData]:
    """MNIST handwritten digits from a folder of IDX files (not packaged by Debian)."""
    return load_idx_dataset(directory, "mnist", flatten, raw)
