"""The folder a new run writes into: its default name, the refusal to write over something
that would be lost, and the swap that replaces an old run only once the new one finished."""
import json
import os
import shutil
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from .serialization import atomic_write_bytes

if TYPE_CHECKING:                     # the schema needs pydantic
    from .config import Config
    from .runs import RunSession

__all__ = ["default_out_dir", "check_new_run_folder", "staging_dir", "swap_in", "write_json"]


def default_out_dir(config: "Config", root: str = "runs") -> str:
    """runs/<name>-<YYYYmmdd-HHMMSS>, with -2, -3 ... appended if that already exists."""
    base = os.path.join(root, f"{config.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    path, k = base, 1
    while os.path.exists(path):
        k += 1
        path = f"{base}-{k}"
    return path


def write_json(path: str, payload: dict[str, Any]) -> None:
    """Write `payload` as indented JSON, atomically (NumPy values as plain numbers)."""
    text = json.dumps(payload, indent=2, sort_keys=False, default=_json_default) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def check_new_run_folder(path: str, overwrite: bool = False) -> None:
    """Refuse to write a new run into `path` when that would destroy something: an
    existing file, an existing run folder with results (unless `overwrite`; a run killed
    before its first checkpoint may start again in place) or a non-empty folder that is not
    a run.

    Raises
    ------
    FileExistsError
        One line naming the path and the options.
    """
    if os.path.lexists(path) and not os.path.isdir(path):
        raise FileExistsError(f"--out {path}: is a file, not a run folder; give the path of "
                              "a new folder")
    parent = os.path.dirname(os.path.abspath(path))
    while parent and parent != os.path.dirname(parent):
        if os.path.lexists(parent) and not os.path.isdir(parent):
            raise FileExistsError(f"--out {path}: {parent} is a file, not a folder; give a "
                                  "path made of folders")
        if os.path.isfile(os.path.join(parent, "config.json")) and \
                os.path.isdir(os.path.join(parent, "checkpoints")):
            raise FileExistsError(f"--out {path}: is inside the run folder {parent}; give a "
                                  "folder outside it")
        parent = os.path.dirname(parent)
    if not os.path.isdir(path) or not os.listdir(path):
        return
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise FileExistsError(f"--out {path}: the folder exists and is not an nnforge run "
                              "folder; give the path of a new folder")
    if not overwrite and not _nothing_to_lose(path):
        raise FileExistsError(f"--out {path}: a run folder already exists there; give a new "
                              f"folder, continue it with `--resume {path}`, or replace it "
                              "with `--overwrite`")


def _nothing_to_lose(run_dir: str) -> bool:
    """Whether a run folder holds no result yet: no weights, no checkpoint, no metrics (a
    run killed before its first checkpoint), so a new run may start there again."""
    kept = ("model.safetensors", "metrics.json", os.path.join("checkpoints", "last.json"),
            os.path.join("checkpoints", "best.json"))
    return not any(os.path.lexists(os.path.join(run_dir, name)) for name in kept)


def staging_dir(final_dir: str) -> str:
    """A fresh folder beside `final_dir` where a run that replaces it is built."""
    final_dir = os.path.normpath(final_dir)
    base = f"{final_dir}.overwrite-{os.getpid()}"
    path, k = base, 1
    while os.path.lexists(path):
        k += 1
        path = f"{base}-{k}"
    return path


def swap_in(work_dir: str, final_dir: str, session: "RunSession") -> None:
    """Replace the run in `final_dir` with the finished run in `work_dir`."""
    old = staging_dir(final_dir).replace(".overwrite-", ".replaced-")
    os.rename(final_dir, old)
    try:
        os.rename(work_dir, final_dir)
    except OSError:
        os.rename(old, final_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
    report = os.path.join(final_dir, "report.html")
    if os.path.isfile(report):        # the report names its folder
        with open(report, encoding="utf-8") as f:
            text = f.read()
        atomic_write_bytes(report, text.replace(os.path.abspath(work_dir),
                                                os.path.abspath(final_dir)).encode("utf-8"))
    session.index.rename(session.id, os.path.basename(os.path.abspath(final_dir)), final_dir)
