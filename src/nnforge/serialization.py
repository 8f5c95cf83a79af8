"""Saving and loading state dicts as safetensors files, the format PyTorch and others read.

A safetensors file is a JSON header (names, dtypes, shapes, byte offsets) followed by raw
little-endian buffers: nothing in it is executed on load, unlike pickle. Names are the
state dict's dotted PyTorch names ("0.weight", "bn.running_var"), so a file written here
loads into the equivalent `torch.nn` model with `safetensors.torch.load_file` and
`load_state_dict`, and the reverse. Files are written atomically (temporary file in the
same folder, fsync, `os.replace`), so a crash never leaves a half-written file behind.
"""
import os
import tempfile
from collections import OrderedDict

import numpy as np

__all__ = ["save", "load", "load_metadata", "atomic_write_bytes"]


def _as_array(name, value):
    """A C-contiguous ndarray from an ndarray, an nnforge Tensor/Parameter or a torch tensor."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):       # torch.Tensor
        value = value.detach().cpu().numpy()
    elif not isinstance(value, np.ndarray) and isinstance(getattr(value, "data", None),
                                                          np.ndarray):
        value = value.data                                      # nnforge Tensor / Parameter
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"save(): entry {name!r} has dtype {array.dtype}; only bool, integer "
                        "and floating-point arrays can be stored")
    # NOTE: np.ascontiguousarray would turn a 0-d buffer (num_batches_tracked) into shape (1,)
    return array if array.flags.c_contiguous else np.array(array, order="C")


def atomic_write_bytes(path, data):
    """Write `data` to `path` via a temporary file in the same folder, fsync and rename, so
    readers see either the old file or the complete new one."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = path                     # a full disk: say which file
        raise
    try:                                   # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def save(state_dict, path, metadata=None):
    """Write `state_dict` (name -> array-like) to `path` in safetensors format.

    Arrays are made contiguous; integer and bool buffers (e.g. BatchNorm's
    `num_batches_tracked`) keep their dtype. `metadata` is an optional flat mapping of
    strings stored in the header (read back with `load_metadata`).
    """
    from safetensors.numpy import save as _serialize

    if not hasattr(state_dict, "items"):
        raise TypeError(f"save(): expected a mapping of name -> array (e.g. "
                        f"model.state_dict()), got {type(state_dict).__name__}")
    tensors = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"save(): state dict keys must be strings, got {name!r}")
        tensors[name] = _as_array(name, value)
    if metadata is not None:
        bad = [k for k, v in metadata.items() if not isinstance(k, str) or not isinstance(v, str)]
        if bad:
            raise TypeError(f"save(): metadata must map str -> str; offending keys {bad}")
        metadata = dict(metadata)
    atomic_write_bytes(path, _sorted_metadata(_serialize(tensors, metadata=metadata)))


def _sorted_metadata(data):
    """The same file with the header's metadata keys sorted.

    safetensors writes `__metadata__` in hash-map order, which changes from process to
    process; sorting it makes identical state dicts give identical bytes (a seeded run's
    weights file can then be compared byte for byte). Reordering keys keeps the compact
    JSON's length, so the data offsets stay valid; if it ever did not, the original bytes
    are kept.
    """
    import json

    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_len])
    if len(header.get("__metadata__") or {}) < 2:
        return data
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(text) > header_len or data[8:8 + len(text)].strip() == text:
        return data
    return data[:8] + text + b" " * (header_len - len(text)) + data[8 + header_len:]


def _check_file(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such weights file")
    if os.path.isdir(path):
        raise ValueError(f"{path}: is a directory, expected a .safetensors file")
    return path


def _read_bytes(path):
    path = _check_file(path)
    with open(path, "rb") as f:
        data = f.read()
    # header: 8-byte little-endian length, then that many bytes of JSON starting with "{"
    if len(data) < 8:
        raise ValueError(f"{path}: not a safetensors file (only {len(data)} bytes)")
    header_len = int.from_bytes(data[:8], "little")
    if header_len > len(data) - 8 or data[8:9] != b"{":
        raise ValueError(f"{path}: not a safetensors file, or truncated (header says "
                         f"{header_len} bytes, file has {len(data) - 8} after the length)")
    return path, data


def load(path):
    """Read a safetensors file into an OrderedDict name -> ndarray, in the file's order
    of data offsets (which is the order the arrays were written).

    Raises FileNotFoundError for a missing file and ValueError naming the file for anything
    that is not a complete safetensors file (corrupt header, truncated data).
    """
    import json

    from safetensors.numpy import load as _deserialize

    path, data = _read_bytes(path)
    try:
        arrays = _deserialize(data)
        header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    except Exception as exc:  # safetensors raises its own error types; report them uniformly
        raise ValueError(f"{path}: corrupt or truncated safetensors file "
                         f"({type(exc).__name__}: {exc})") from None
    order = sorted((k for k in header if k != "__metadata__"),
                   key=lambda k: header[k]["data_offsets"][0])
    return OrderedDict((k, arrays[k]) for k in order)


def load_metadata(path):
    """The string metadata stored in a safetensors header (an empty dict if none)."""
    import json

    path, data = _read_bytes(path)
    try:
        header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    except ValueError as exc:
        raise ValueError(f"{path}: corrupt safetensors header ({exc})") from None
    return dict(header.get("__metadata__") or {})
