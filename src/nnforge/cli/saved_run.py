"""A finished run read back from its folder: the config, the trained model, the scaler
and the class names, for `nnforge evaluate`, `nnforge predict` and `nnforge report`.

The model is rebuilt from the run's resolved config.json through the config factory and
loaded from model.safetensors; the saved scaler and class names are applied, so new data
goes through exactly the training preprocessing.
"""
import argparse
import os
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .. import data as D
from .. import load
from .. import optim
from ..config.factory import build_loss, build_model
from ..nn import Module
from ..runs import read_run_json, resolve_run
from ..serialization import load_metadata
from ..train import Trainer

if TYPE_CHECKING:                     # the schema needs pydantic
    from ..config import Config
    from ..run_data import RowScaler

__all__ = ["run_dir", "load_run_model", "prepare", "evaluation_trainer", "match_columns",
           "check_width", "load_npy"]


def run_dir(args: argparse.Namespace) -> str:
    """The run folder `args.run` names (a folder, or an id in `args.root`'s index)."""
    path, _ = resolve_run(args.run, args.root)
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise FileNotFoundError(f"{path}: not a run folder (no config.json)")
    return path


def load_run_model(folder: str
                   ) -> tuple["Config", Module, "Optional[RowScaler]", dict[str, Any]]:
    """(config, model, scaler, labels) of a finished run, the model in eval mode.

    Parameters
    ----------
    folder : str
        The run folder.

    Returns
    -------
    tuple
        The Config, the model, the fitted scaler (or None) and the labels dict (task,
        class_names, scaler).
    """
    from ..config import parse_config          # loads pydantic

    config_path = os.path.join(folder, "config.json")
    config = parse_config(read_run_json(config_path), source=config_path)
    weights = os.path.join(folder, "model.safetensors")
    if not os.path.isfile(weights):
        raise FileNotFoundError(f"{weights}: the run has no trained weights (did it finish?)")
    model = build_model(config.model, np.random.default_rng(0))
    model.load_state_dict(load(weights))
    model.eval()
    labels_path = os.path.join(folder, "labels.json")
    labels = {"task": None, "class_names": None, "scaler": None}
    if os.path.isfile(labels_path):
        saved = read_run_json(labels_path)
        if not isinstance(saved, dict):
            raise ValueError(f"{labels_path}: expected a JSON object; re-create the run or "
                             "restore the file")
        labels.update(saved)
    scaler = None
    scaler_path = os.path.join(folder, "scaler.safetensors")
    if os.path.isfile(scaler_path):
        kind = load_metadata(scaler_path).get("scaler") or labels.get("scaler")
        known = {s.__name__: s for s in D.SCALERS.values()}
        if kind not in known:
            raise ValueError(f"{scaler_path}: unknown scaler {kind!r} in its metadata "
                             f"(known: {', '.join(sorted(known))})")
        scaler = known[kind]()
        scaler.load_state_dict(load(scaler_path))
    return config, model, scaler, labels


def prepare(X: np.ndarray, config: "Config", scaler: "Optional[RowScaler]") -> np.ndarray:
    """Rows `X` as the model saw them in training: float32, flattened, scaled."""
    X = np.asarray(X, dtype=np.float32)
    if config.data.flatten and X.ndim > 2:
        X = X.reshape(len(X), -1)
    if scaler is not None:
        X = scaler.transform(X.reshape(len(X), -1)).reshape(X.shape).astype(np.float32)
    return X


def evaluation_trainer(config: "Config", model: Module) -> Trainer:
    """A Trainer that evaluates and predicts with the run's loss and metrics."""
    loss_fn = build_loss(config.loss)
    return Trainer(model, optim.SGD(model.parameters(), lr=0.0), loss_fn,
                   metrics=tuple(config.train.metrics))




def match_columns(header: list, X: np.ndarray, labels: dict, path: str) -> np.ndarray:
    """The feature columns `X` (named by `header`) in the order the run was trained on.

    Columns are matched by name when the run saved its feature names: a missing or an
    unknown column is refused, naming them, because matching by position would silently
    feed one feature into another's weights.
    """
    names = labels.get("feature_names")
    if not names:
        return check_width(X, labels, path)
    names = [str(n) for n in names]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise ValueError(f"{path}: column(s) {', '.join(map(repr, duplicated))} appear more "
                         "than once in the header")
    missing = [n for n in names if n not in header]
    unknown = [h for h in header if h not in names]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(map(repr, missing))}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(map(repr, unknown))}")
        raise ValueError(f"{path}: {' and '.join(parts)}; the run was trained on the columns "
                         f"{', '.join(map(repr, names))} (matched by name, in any order)")
    return X[:, [header.index(n) for n in names]]


def check_width(X: np.ndarray, labels: dict, path: str) -> np.ndarray:
    """`X` if each row has the shape the run was trained on, else ValueError naming it."""
    expected = labels.get("input_shape")
    if expected is None:
        return X
    expected = tuple(int(d) for d in expected)
    got = tuple(X.shape[1:])
    if got != expected and not (len(expected) == 1 and int(np.prod(got)) == expected[0]
                                and len(got) > 1):
        width = (f"{expected[0]} feature columns" if len(expected) == 1 else
                 f"rows of shape {expected}")
        raise ValueError(f"{path}: expected {width} per sample (what the run was trained "
                         f"on), got shape {tuple(X.shape)}")
    return X


def load_npy(path: str) -> np.ndarray:
    """A numeric array from an .npy file; one line naming the file for anything else."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such file")
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise ValueError(f"{path}: holds Python objects (an object array), which nnforge "
                             "does not load (that would need pickle); save a numeric array"
                             ) from None
        raise ValueError(f"{path}: not a readable .npy file ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - NumPy parses a damaged header in many ways
        text = " ".join(str(exc).split())[:200]
        raise ValueError(f"{path}: not a readable .npy file ({type(exc).__name__}: "
                         f"{text})") from None
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf" or array.ndim < 1:
        raise ValueError(f"{path}: expected a numeric array, got dtype "
                         f"{getattr(array, 'dtype', type(array).__name__)} with shape "
                         f"{getattr(array, 'shape', '?')}")
    return array
