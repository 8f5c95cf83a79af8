"""`nnforge predict RUN --input FILE.csv|.npy --out preds.csv`: a trained run's predictions
(class and class probabilities for a classifier, values for a regressor)."""
import argparse
import csv
import os
import sys
from typing import Any

import numpy as np

from ..config.registry import loss_expects
from .saved_run import (check_width, evaluation_trainer, load_npy, load_run_model,
                        match_columns, prepare, run_dir)

__all__ = ["add_subparser", "probabilities"]


def add_subparser(commands: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register `predict` on the `nnforge` command's subparsers.

    Parameters
    ----------
    commands : argparse subparsers object

    Returns
    -------
    argparse.ArgumentParser
    """
    predict = commands.add_parser("predict", help="predictions of a trained run")
    predict.add_argument("run", metavar="RUN", help="run folder or id")
    predict.add_argument("--input", required=True, metavar="FILE",
                         help="a CSV of feature columns (a target column is ignored) or .npy")
    predict.add_argument("--out", required=True, metavar="CSV", help="predictions file")
    predict.add_argument("--root", default="runs", help="folder holding runs.db")
    predict.set_defaults(handler=_predict)
    return predict


def _read_input(path: str, config: Any, labels: dict) -> np.ndarray:
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npy":
        X = load_npy(path)
        return check_width(X if X.ndim > 1 else X[:, None], labels, path)
    if ext != ".csv":
        raise ValueError(f"--input {path}: expected a .csv or .npy file")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = [r for r in csv.reader(f) if any(c.strip() for c in r)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path}: not a readable text CSV ({exc})") from None
    if len(rows) < 2:
        raise ValueError(f"{path}: expected a header row and at least one data row")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    target = labels.get("target") or (None if config.data.target is None
                                      else str(config.data.target))
    keep = [i for i, h in enumerate(header) if h != target]
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ValueError(f"{path}, data row {line - 1}: {len(row)} fields but the header "
                             f"has {len(header)}")
    try:
        X = np.array([[float(r[i]) for i in keep] for r in body], dtype=np.float32)
    except ValueError as exc:
        raise ValueError(f"{path}: every feature cell must be a number ({exc})") from None
    if not np.isfinite(X).all():
        raise ValueError(f"{path}: the features contain NaN or Inf; clean them first")
    return match_columns([header[i] for i in keep], X, labels, path)


def probabilities(output: np.ndarray, expects: str) -> np.ndarray:
    """Class probabilities (n, classes) from a classifier's outputs.

    Parameters
    ----------
    output : numpy.ndarray
        The model's outputs, (n,) or (n, k).
    expects : str
        What the loss expects the outputs to be (its ``expects`` attribute): "logits",
        "probabilities" or "log_probabilities". One output column is a binary classifier.

    Returns
    -------
    numpy.ndarray
    """
    logits = output if output.ndim == 2 else output[:, None]
    if logits.shape[1] == 1:
        p1 = logits[:, 0] if expects == "probabilities" else \
            1.0 / (1.0 + np.exp(-logits[:, 0]))
        return np.stack([1.0 - p1, p1], axis=1)
    if expects == "log_probabilities":
        return np.exp(logits)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _predict(args: argparse.Namespace) -> int:
    config, model, scaler, labels = load_run_model(run_dir(args))
    X = prepare(_read_input(args.input, config, labels), config, scaler)
    output = np.asarray(evaluation_trainer(config, model).predict(X), dtype=np.float64)
    names = labels.get("class_names")
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        if labels.get("task") == "classification":
            probs = probabilities(output, loss_expects(config.loss.type, "loss"))
            names = names or [str(i) for i in range(probs.shape[1])]
            writer.writerow(["prediction", *[f"p_{n}" for n in names]])
            for row, k in zip(probs, probs.argmax(axis=1)):
                writer.writerow([names[k], *[repr(float(v)) for v in row]])
        else:
            flat = output.reshape(len(output), -1)
            cols = ["prediction"] if flat.shape[1] == 1 else \
                [f"prediction_{i}" for i in range(flat.shape[1])]
            writer.writerow(cols)
            writer.writerows([[repr(float(v)) for v in row] for row in flat])
    print(f"{len(X)} predictions written to {args.out}", file=sys.stderr)
    return 0
