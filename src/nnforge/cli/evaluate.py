"""`nnforge evaluate RUN --data CONFIG|CSV|NPZ|NPY`: a trained run's metrics on new data
(a config's test split, a CSV with the target column, an .npz with X and y, or an .npy
whose last column is the target)."""
import argparse
import os
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .. import data as D
from ..config import ConfigError
from ..run_data import split_data
from .runs import format_table

if TYPE_CHECKING:                     # the schema needs pydantic
    from ..config import Config
from .saved_run import (check_width, evaluation_trainer, load_npy, load_run_model,
                        match_columns, prepare, run_dir)

__all__ = ["add_subparser"]


def add_subparser(commands: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register `evaluate` on the `nnforge` command's subparsers.

    Parameters
    ----------
    commands : argparse subparsers object

    Returns
    -------
    argparse.ArgumentParser
    """
    evaluate = commands.add_parser("evaluate", help="metrics of a trained run on new data")
    evaluate.add_argument("run", metavar="RUN", help="run folder or id")
    evaluate.add_argument("--data", required=True, metavar="CONFIG|CSV|NPZ|NPY",
                          help="a TOML config (its test split), a CSV with the target "
                               "column, an .npz with X and y, or an .npy whose last column "
                               "is the target")
    evaluate.add_argument("--target", default=None,
                          help="target column of a CSV (default: the run's data.target)")
    evaluate.add_argument("--root", default="runs", help="folder holding runs.db")
    evaluate.set_defaults(handler=_evaluate)
    return evaluate


def _evaluation_data(args: argparse.Namespace, config: "Config", labels: dict[str, Any]
                     ) -> tuple[np.ndarray, Optional[np.ndarray], str]:
    from ..config import load_config               # loads pydantic

    path = args.data
    ext = os.path.splitext(path)[1].lower()
    if ext == ".toml":
        other = load_config(path)
        try:
            _, _, test = split_data(other.data, other.seed)
        except ConfigError as exc:
            raise exc.in_file(path) from None
        if test is None:
            raise ValueError(f"{path}: its data.split has no test part to evaluate on")
        return check_width(test.X, labels, path), test.y, f"{path} (test split)"
    if ext == ".csv":
        target = args.target or labels.get("target") or config.data.target
        if target is None:
            raise ValueError(f"{path}: give --target, the CSV's label column (the run was "
                             "not trained on a CSV)")
        data = D.load_csv(path, str(target), task=labels.get("task"),
                          class_names=labels.get("class_names"))
        return match_columns(list(data.feature_names or ()), data.X, labels, path), data.y, path
    if ext == ".npz":
        data = D.load_arrays(path, x_key=config.data.x_key, y_key=config.data.y_key,
                             mmap=False, task=labels.get("task"))
        return check_width(data.X, labels, path), data.y, path
    if ext == ".npy":
        array = load_npy(path)
        if array.ndim != 2 or array.shape[1] < 2:
            raise ValueError(f"{path}: expected a 2-D array whose last column is the target, "
                             f"got shape {array.shape}")
        y = array[:, -1]
        y = y.astype(np.int64) if labels.get("task") == "classification" else \
            y.astype(np.float32)
        return check_width(array[:, :-1], labels, path), y, path
    raise ValueError(f"--data {path}: expected a .toml config, a .csv, an .npz or an .npy "
                     "file")


def _evaluate(args: argparse.Namespace) -> int:
    folder = run_dir(args)
    config, model, scaler, labels = load_run_model(folder)
    X, y, source = _evaluation_data(args, config, labels)
    results = evaluation_trainer(config, model).evaluate(
        (prepare(X, config, scaler), y), batch_size=config.train.eval_batch_size)
    print(f"{os.path.basename(os.path.abspath(folder))} on {source}: {len(X)} samples")
    print(format_table(["metric", "value"], sorted(results.items())))
    return 0
