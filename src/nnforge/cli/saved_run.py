"""A finished run read back from its folder: the config, the trained model, the scaler
and the class names, for `nnforge evaluate`, `nnforge predict` and `nnforge report`.

The model is rebuilt from the run's resolved config.json through the config factory and
loaded from model.safetensors; the saved scaler and class names are applied, so new data
goes through exactly the training preprocessing.
"""
import argparse
import json
import os

import numpy as np

from .. import data as D
from .. import optim
from ..runs import resolve_run
from ..serialization import load_metadata
from ..train import Trainer

__all__ = ["run_dir", "load_run_model", "prepare", "evaluation_trainer"]


def run_dir(args: argparse.Namespace) -> str:
    """The run folder `args.run` names (a folder, or an id in `args.root`'s index)."""
    path, _ = resolve_run(args.run, args.root)
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise FileNotFoundError(f"{path}: not a run folder (no config.json)")
    return path


def load_run_model(folder: str) -> tuple:
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
    import nnforge

    from ..config import parse_config          # pydantic: loaded by the commands that need it
    from ..config.factory import build_model

    config_path = os.path.join(folder, "config.json")
    with open(config_path, encoding="utf-8") as f:
        config = parse_config(json.load(f), source=config_path)
    weights = os.path.join(folder, "model.safetensors")
    if not os.path.isfile(weights):
        raise FileNotFoundError(f"{weights}: the run has no trained weights (did it finish?)")
    model = build_model(config.model, np.random.default_rng(0))
    model.load_state_dict(nnforge.load(weights))
    model.eval()
    labels_path = os.path.join(folder, "labels.json")
    labels = {"task": None, "class_names": None, "scaler": None}
    if os.path.isfile(labels_path):
        with open(labels_path, encoding="utf-8") as f:
            labels.update(json.load(f))
    scaler = None
    scaler_path = os.path.join(folder, "scaler.safetensors")
    if os.path.isfile(scaler_path):
        kind = load_metadata(scaler_path).get("scaler") or labels.get("scaler")
        scaler = {s.__name__: s for s in D.SCALERS.values()}[kind]()
        scaler.load_state_dict(nnforge.load(scaler_path))
    return config, model, scaler, labels


def prepare(X: np.ndarray, config: object, scaler: object) -> np.ndarray:
    """Rows `X` as the model saw them in training: float32, flattened, scaled."""
    X = np.asarray(X, dtype=np.float32)
    if config.data.flatten and X.ndim > 2:
        X = X.reshape(len(X), -1)
    if scaler is not None:
        X = scaler.transform(X.reshape(len(X), -1)).reshape(X.shape).astype(np.float32)
    return X


def evaluation_trainer(config: object, model: object) -> Trainer:
    """A Trainer that evaluates and predicts with the run's loss and metrics."""
    from ..config.factory import build_loss

    loss_fn = build_loss(config.loss)
    return Trainer(model, optim.SGD(model.parameters(), lr=0.0), loss_fn,
                   metrics=tuple(config.train.metrics))


