"""Saving and loading state dicts as safetensors files, the format PyTorch and others read.

A safetensors file is a JSON header (names, dtypes, shapes, byte offsets) followed by raw
little-endian buffers: nothing in it is executed on load, unlike pickle. Names are the
state dict's dotted PyTorch names ("0.weight", "bn.running_var"), so a file written here
loads into the equivalent `torch.nn` model with `safetensors.torch.load_file` and
`load_state_dict`, and the reverse. Files are written atomically (temporary file in the
same folder, fsync, `os.replace`), so a crash never leaves a half-written file behind.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, TypeGuard, Union, cast

import numpy as np

from .autograd import Tensor

__all__ = ["save", "load", "load_metadata", "atomic_write_bytes"]

#: A file path as `open` takes it.
PathLike = Union[str, "os.PathLike[str]"]


def _as_array(name: str, value: object) -> np.ndarray:
    """A C-contiguous ndarray from an ndarray, an nnforge Tensor/Parameter or a torch tensor."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):       # torch.Tensor
        value = value.detach().cpu().numpy()
    elif isinstance(value, Tensor):                              # nnforge Tensor / Parameter
        value = value._data
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"save(): entry {name!r} has dtype {array.dtype}; only bool, integer "
                        "and floating-point arrays can be stored")
    # NOTE: np.ascontiguousarray would turn a 0-d buffer (num_batches_tracked) into shape (1,)
    return array if array.flags.c_contiguous else np.array(array, order="C")


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same folder, fsync and rename, so
    readers see either the old file or the complete new one."""
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = target                   # a full disk: say which file
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


def save(state_dict: Mapping[str, Any], path: PathLike,
         metadata: Mapping[str, str] | None = None) -> None:
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
    header = None
    if metadata is not None:
        bad = [k for k, v in metadata.items() if not isinstance(k, str) or not isinstance(v, str)]
        if bad:
            raise TypeError(f"save(): metadata must map str -> str; offending keys {bad}")
        header = dict(metadata)
    atomic_write_bytes(path, _sorted_metadata(_serialize(tensors, metadata=header)))


def _sorted_metadata(data: bytes) -> bytes:
    """The same file with the header's metadata keys sorted.

    safetensors writes `__metadata__` in hash-map order, which changes from process to
    process; sorting it makes identical state dicts give identical bytes (a seeded run's
    weights file can then be compared byte for byte). Reordering keys keeps the compact
    JSON's length, so the data offsets stay valid; if it ever did not, the original bytes
    are kept.
    """
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_len])
    if len(header.get("__metadata__") or {}) < 2:
        return data
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(text) > header_len or data[8:8 + len(text)].strip() == text:
        return data
    return data[:8] + text + b" " * (header_len - len(text)) + data[8 + header_len:]


def _check_file(path: PathLike) -> str:
    name = os.fspath(path)
    if not os.path.exists(name):
        raise FileNotFoundError(f"{name}: no such weights file")
    if os.path.isdir(name):
        raise ValueError(f"{name}: is a directory, expected a .safetensors file")
    return name


def _read_bytes(path: PathLike) -> tuple[str, bytes]:
    name = _check_file(path)
    with open(name, "rb") as f:
        data = f.read()
    # header: 8-byte little-endian length, then that many bytes of JSON starting with "{"
    if len(data) < 8:
        raise ValueError(f"{name}: not a safetensors file (only {len(data)} bytes)")
    header_len = int.from_bytes(data[:8], "little")
    if header_len > len(data) - 8 or data[8:9] != b"{":
        raise ValueError(f"{name}: not a safetensors file, or truncated (header says "
                         f"{header_len} bytes, file has {len(data) - 8} after the length)")
    return name, data


def load(path: PathLike) -> OrderedDict[str, np.ndarray]:
    """Read a safetensors file into an OrderedDict name -> ndarray, in the file's order
    of data offsets (which is the order the arrays were written).

    Raises FileNotFoundError for a missing file and ValueError naming the file for anything
    that is not a complete safetensors file (corrupt header, truncated data).
    """
    from safetensors.numpy import load as _deserialize

    name, data = _read_bytes(path)
    try:
        arrays = _deserialize(data)
        header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    except Exception as exc:  # safetensors raises its own error types; report them uniformly
        raise ValueError(f"{name}: corrupt or truncated safetensors file "
                         f"({type(exc).__name__}: {exc})") from None
    order = sorted((k for k in header if k != "__metadata__"),
                   key=lambda k: header[k]["data_offsets"][0])
    return OrderedDict((k, arrays[k]) for k in order)


def load_metadata(path: PathLike) -> dict[str, str]:
    """The string metadata stored in a safetensors header (an empty dict if none)."""
    name, data = _read_bytes(path)
    try:
        header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    except ValueError as exc:
        raise ValueError(f"{name}: corrupt safetensors header ({exc})") from None
    return dict(header.get("__metadata__") or {})


# --- whole objects: checkpoints as tutorials write them with torch.save -------------------
_STRUCTURE_KEY = "nnforge.structure"
_SCALARS = (bool, int, float, str, type(None))


def _is_flat_state_dict(obj: object) -> TypeGuard[Mapping[str, Any]]:
    """A mapping of str -> array-like: stored as a plain safetensors file, as before."""
    if not hasattr(obj, "items"):
        return False
    mapping = cast(Mapping[str, Any], obj)
    return (len(mapping) > 0 and all(isinstance(k, str) for k in mapping)
            and all(_is_array(v) for v in mapping.values()))


def _is_array(value: object) -> bool:
    return (isinstance(value, (np.ndarray, Tensor))
            or (hasattr(value, "detach") and hasattr(value, "cpu")))      # a torch tensor


def _describe(obj: object, where: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """The JSON-able description of `obj`; arrays are appended to `arrays` and named by
    their position there."""
    if isinstance(obj, _SCALARS):
        return {"value": obj}
    if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
        return {"value": obj.item()}
    if _is_array(obj):
        name = str(len(arrays))
        array = obj.numpy() if isinstance(obj, Tensor) else obj
        arrays[name] = _as_array(where, array)
        if isinstance(obj, np.ndarray):
            return {"ndarray": name}
        return {"tensor": name, "requires_grad": bool(getattr(obj, "requires_grad", False))}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if not isinstance(key, _SCALARS):
                raise TypeError(f"save(): cannot store a dict key of type "
                                f"{type(key).__name__} at {where} (keys must be str, int, "
                                f"float, bool or None)")
            items.append([key, _describe(value, f"{where}[{key!r}]", arrays)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {kind: [_describe(v, f"{where}[{i}]", arrays) for i, v in enumerate(obj)]}
    raise TypeError(f"save(): cannot store a {type(obj).__name__} at {where}; only Tensors, "
                    f"NumPy arrays, numbers, strings, bools, None and dicts, lists and tuples "
                    f"of them can be saved (no pickle)")


def save_object(obj: object, path: PathLike, metadata: Mapping[str, Any] | None = None) -> None:
    """Write a Tensor, an array, or nested dicts/lists/tuples of them with numbers,
    strings, bools and None (e.g. a checkpoint {"epoch": 3, "model": model.state_dict(),
    "optimizer": optimizer.state_dict()}) to `path`.

    The arrays go into a safetensors file; the structure is a JSON description in its
    metadata, so nothing is pickled. A flat name -> array mapping (a state dict) is
    written exactly as `save` writes it, a plain safetensors file PyTorch can read.
    Anything else raises TypeError naming the type and where it sits in `obj`.
    """
    from safetensors.numpy import save as _serialize

    if _is_flat_state_dict(obj):
        return save(obj, path, metadata)
    arrays: dict[str, np.ndarray] = {}
    structure = _describe(obj, "obj", arrays)
    header = {str(k): str(v) for k, v in (metadata or {}).items()}
    header[_STRUCTURE_KEY] = json.dumps(structure, separators=(",", ":"))
    atomic_write_bytes(path, _sorted_metadata(_serialize(arrays, metadata=header)))


def _rebuild(node: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> object:
    if "value" in node:
        return node["value"]
    if "ndarray" in node:
        return arrays[node["ndarray"]]
    if "tensor" in node:
        return Tensor._make(arrays[node["tensor"]], bool(node.get("requires_grad")), None)
    if "dict" in node:
        return {key: _rebuild(value, arrays) for key, value in node["dict"]}
    if "list" in node:
        return [_rebuild(v, arrays) for v in node["list"]]
    if "tuple" in node:
        return tuple(_rebuild(v, arrays) for v in node["tuple"])
    raise ValueError(f"load(): unknown entry {sorted(node)} in the stored structure")


def load_object(path: PathLike) -> Any:
    """Read what `save_object` wrote: the saved structure with Tensors where Tensors were
    saved and arrays where arrays were. A plain safetensors file (a state dict written by
    `save`, or by PyTorch) comes back as an OrderedDict name -> Tensor, as torch.load
    gives a state dict of tensors."""
    arrays = load(path)
    metadata = load_metadata(path)
    if _STRUCTURE_KEY not in metadata:
        return OrderedDict((k, Tensor._make(v, False, None)) for k, v in arrays.items())
    try:
        structure = json.loads(metadata[_STRUCTURE_KEY])
        return _rebuild(structure, arrays)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{os.fspath(path)}: corrupt structure description in the "
                         f"safetensors metadata ({exc})") from None
