"""The files of a checkpoint folder, read as untrusted input: paths read from a sidecar
must stay inside the folder, and what an interrupted writer left behind (temporary files,
array files no sidecar refers to) is removed before the next write."""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any

__all__ = ["CheckpointError", "FORMAT", "VERSION", "inside", "is_temp_name",
           "remove_temp_files", "file_sha256", "checkpoint_path", "referenced_file",
           "remove_orphans"]

FORMAT = "nnforge-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that is missing, damaged or does not fit the run (one-line message)."""


def inside(folder: str, name: Any, source: str, key: str) -> str:
    """The path of file `name`, read from key `key` of file `source`, inside `folder`.

    A run folder is untrusted input: its JSON files may have been edited or crafted, and a
    path read from them must never lead nnforge to read, overwrite or delete a file
    elsewhere. Only a plain file name (no folder part, no "..", not absolute) whose
    resolved path stays inside `folder` is accepted; anything else raises CheckpointError
    naming the file and the key.
    """
    if not isinstance(name, str) or not name or name in (".", "..") or \
            os.path.basename(name) != name or "/" in name or "\\" in name or "\0" in name:
        raise CheckpointError(f"{source}: key {key!r} must name a file inside "
                              f"{folder} (got {name!r}); refusing to use it")
    path = os.path.join(folder, name)
    real_folder = os.path.realpath(folder)
    if os.path.dirname(os.path.realpath(path)) != real_folder:
        raise CheckpointError(f"{source}: key {key!r} names {name!r}, which resolves outside "
                              f"{folder}; refusing to use it")
    return path


def is_temp_name(name: str) -> bool:
    """Whether `name` is a temporary file of an atomic write (".<file>.<random>.tmp")."""
    return name.startswith(".") and name.endswith(".tmp") and name.count(".") >= 3


def remove_temp_files(directory: str | os.PathLike[str]) -> list[str]:
    """Delete the temporary files an interrupted atomic write left in `directory` (not
    below it); returns the removed names. Only one process writes a run folder, so any
    such file is a leftover."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        return []
    removed = []
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if is_temp_name(name) and os.path.isfile(path) and not os.path.islink(path):
            try:
                os.unlink(path)
                removed.append(name)
            except FileNotFoundError:
                pass
    return removed


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checkpoint_path(directory: str | os.PathLike[str], kind: str = "last") -> str:
    """Path of the JSON sidecar of checkpoint `kind` in `directory`."""
    return os.path.join(os.fspath(directory), f"{kind}.json")


def referenced_file(sidecar: str) -> Any:
    """The `weights` value of a sidecar (unchecked), or None if it has none."""
    try:
        with open(sidecar, encoding="utf-8") as f:
            return json.load(f).get("weights")
    except (OSError, ValueError, AttributeError):
        return None


def remove_orphans(directory: str | os.PathLike[str]) -> list[str]:
    """Delete what a killed writer left behind in `directory`: temporary files and array
    files no sidecar refers to. Returns the removed names."""
    if not os.path.isdir(directory):
        return []
    names = os.listdir(directory)
    keep = {referenced_file(os.path.join(directory, n)) for n in names if n.endswith(".json")}
    removed = []
    for name in names:
        if os.path.islink(os.path.join(directory, name)):
            continue
        if is_temp_name(name) or (name.endswith(".safetensors") and name not in keep):
            try:
                os.unlink(os.path.join(directory, name))
                removed.append(name)
            except FileNotFoundError:
                pass
    return removed
