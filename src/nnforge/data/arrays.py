"""`.npy` / `.npz` arrays as an `ArrayData`, memory-mapped so a dataset larger than RAM
streams batch by batch through the `DataLoader`.

`np.load` cannot memory-map members of an `.npz` archive, so for uncompressed archives
(what `np.savez` / `save_arrays` write) we locate each member's bytes inside the zip and
map them directly. Nothing is ever unpickled (`allow_pickle=False` always).
"""
from __future__ import annotations

import os
import struct
import warnings
import zipfile
from collections.abc import Sequence
from typing import Any, Optional, Union

import numpy as np
from numpy.typing import ArrayLike

from .dataset import ArrayData


class ArrayFileError(ValueError):
    """An .npy/.npz file is unreadable, lacks a key, or holds unusable arrays."""


def save_arrays(path: Union[str, os.PathLike[str]], X: ArrayLike, y: Optional[ArrayLike] = None,
                x_key: str = "X", y_key: str = "y") -> None:
    """Write X (and y) to an uncompressed .npz that `load_arrays` can memory-map."""
    arrays: dict[str, Any] = {x_key: np.asarray(X)}
    if y is not None:
        arrays[y_key] = np.asarray(y)
    np.savez(path, **arrays)


def _map_npz_member(path: str, info: zipfile.ZipInfo) -> np.memmap:
    """Memory-map one stored (uncompressed) .npy member of a zip archive."""
    with open(path, "rb") as handle:
        handle.seek(info.header_offset)
        local = handle.read(30)
        if local[:4] != b"PK\x03\x04":
            raise ArrayFileError(f"array file {path}: corrupt zip entry for {info.filename}")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        handle.seek(start)
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        offset = handle.tell()
    if dtype.hasobject:
        raise ArrayFileError(f"array file {path}: {info.filename} holds Python objects, which "
                             "nnforge never unpickles")
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape,
                     order="F" if fortran else "C")


def _open_npz(path: str, keys: Sequence[Optional[str]], mmap: bool) -> dict[str, np.ndarray]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise ArrayFileError(f"array file {path}: not a readable .npz archive ({error})") \
            from None
    with archive:
        members = {info.filename[:-4] if info.filename.endswith(".npy") else info.filename: info
                   for info in archive.infolist()}
        out: dict[str, np.ndarray] = {}
        for key in keys:
            if key is None:
                continue
            if key not in members:
                raise ArrayFileError(f"array file {path}: no array named {key!r}; it holds "
                                     f"{sorted(members)}")
            info = members[key]
            if mmap and info.compress_type == zipfile.ZIP_STORED:
                out[key] = _map_npz_member(path, info)
                continue
            if mmap:
                warnings.warn(f"load_arrays: {key!r} in {path} is compressed and cannot be "
                              "memory-mapped; it is loaded into memory (save with np.savez, not "
                              "np.savez_compressed, to stream it)", stacklevel=3)
            try:
                with np.load(path, allow_pickle=False) as npz:
                    out[key] = npz[key]
            except ValueError as error:
                raise ArrayFileError(f"array file {path}: cannot load {key!r} ({error})") \
                    from None
        return out


def _read_arrays(path: str, x_key: str, y_key: Optional[str], mmap: bool
                 ) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """(X, y or None) from a .npy or .npz file, X checked to hold numbers."""
    if path.endswith(".npy"):
        try:
            X = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
        except ValueError as error:
            raise ArrayFileError(f"array file {path}: cannot load it ({error})") from None
        y = None
    else:
        loaded = _open_npz(path, (x_key, y_key), mmap)
        X, y = loaded[x_key], None if y_key is None else loaded.get(y_key)
    if X.ndim < 1:
        raise ArrayFileError(f"array file {path}: X is a 0-d array; expected (N, ...)")
    if X.dtype.kind not in "biuf":
        raise ArrayFileError(f"array file {path}: X has dtype {X.dtype}; expected numbers "
                             "(bool, integer or floating point)")
    return X, y


def load_arrays(path: Union[str, os.PathLike[str]], x_key: str = "X", y_key: Optional[str] = "y",
                mmap: bool = True, task: Optional[str] = None,
                class_names: Optional[Sequence[str]] = None, name: Optional[str] = None
                ) -> ArrayData:
    """Open arrays saved with NumPy as an `ArrayData`.

    Parameters
    ----------
    path : str or os.PathLike
        A `.npy` file (X only, no targets) or an `.npz` archive.
    x_key, y_key : str
        Member names in the `.npz` (y_key=None: no targets).
    mmap : bool
        Memory-map X (read-only) instead of loading it; only the rows a batch indexes are
        read from disk. X keeps its stored dtype (convert per batch, e.g. with a loader
        transform, to avoid reading the whole file).
    task : str, optional
        "classification" or "regression"; None infers it from y's dtype (integers:
        classification, floats: regression).
    class_names : sequence of str, optional
        Class names; default "0".."k-1" for k = max(y) + 1.
    name : str, optional
        Dataset name (default: the file name).

    Returns
    -------
    ArrayData
        X may be an `np.memmap`; y is always loaded into memory (int64 for
        classification, float32 for regression).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_arrays: no such file {path}")
    name = name or os.path.basename(path)
    X, y = _read_arrays(path, x_key, y_key, mmap)
    if y is None:
        return ArrayData(X, None, None, task or "regression", name)
    y = np.array(y)                               # targets are small: bring them into RAM
    if y.ndim != 1 or len(y) != len(X):
        raise ArrayFileError(f"array file {path}: y must be 1-d with one entry per row of X "
                             f"{X.shape}, got shape {y.shape}")
    if task is None:
        task = "classification" if y.dtype.kind in "iub" else "regression"
    if task == "regression":
        return ArrayData(X, y.astype(np.float32), None, "regression", name)
    y, names = _class_indices(path, y, class_names)
    return ArrayData(X, y, names, "classification", name)


def _class_indices(path: str, y: np.ndarray, class_names: Optional[Sequence[str]]
                   ) -> tuple[np.ndarray, list[str]]:
    """(y int64, class names): y checked to hold class indices of the named classes."""
    if y.dtype.kind not in "iub":
        if y.dtype.kind != "f" or not np.all(np.mod(y, 1) == 0):
            raise ArrayFileError(f"array file {path}: classification targets must be integer "
                                 f"class indices, got dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise ArrayFileError(f"array file {path}: negative class index {int(y.min())} in y")
    if class_names is None:
        return y, [str(c) for c in range(int(y.max()) + 1 if y.size else 0)]
    if y.size and y.max() >= len(class_names):
        raise ArrayFileError(f"array file {path}: class index {int(y.max())} is outside the "
                             f"{len(class_names)} classes {list(class_names)}")
    return y, list(class_names)
