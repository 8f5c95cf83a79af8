"""Tabular CSV files with a header row: numeric feature columns plus one target column
chosen by name, read with the standard `csv` module into an `ArrayData`.

String labels become class indices in sorted order and the mapping is kept in
`class_names`, so a run can save it and `predict` can apply it again. Every problem
(empty file, missing header, missing target column, ragged row, non-numeric cell, missing
value, a label outside the known classes) raises `CSVFormatError` naming the file, the
line and the column.
"""
from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from typing import Optional, Union

import numpy as np

from .dataset import TASKS, ArrayData

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})


class CSVFormatError(ValueError):
    """A CSV file cannot be turned into a dataset (the message says where and why)."""


def _number(text: str) -> Optional[float]:
    try:
        return float(text)
    except ValueError:
        return None


def _label_key(label: str) -> tuple[int, float, str]:
    value = _number(label)
    return (0, value, "") if value is not None else (1, 0.0, label)


def _canonical(label: str) -> str:
    """'1', '1.0' and ' 1' name the same numeric class."""
    value = _number(label)
    if value is None:
        return label
    return str(int(value)) if value.is_integer() else repr(value)


#: one non-blank row of the file: its 1-based line number and its fields
Row = tuple[int, list[str]]


def _read_rows(path: str, delimiter: str) -> list[Row]:
    """The file's non-blank rows with their line numbers (an error when there are none)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle, delimiter=delimiter))
    except OSError as error:
        raise CSVFormatError(f"CSV file {path}: cannot read it ({error.strerror or error})") \
            from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise CSVFormatError(f"CSV file {path}: not a readable text CSV ({error})") from None
    numbered = [(i + 1, row) for i, row in enumerate(rows) if any(c.strip() for c in row)]
    if not numbered:
        raise CSVFormatError(f"CSV file {path} is empty: expected a header row and data rows")
    return numbered


def _split_header(path: str, numbered: list[Row], target: str
                  ) -> tuple[list[str], list[Row], int]:
    """(column names, data rows, index of the target column), checking the header names
    the target once and leaves at least one feature column and one data row."""
    header_line, header = numbered[0]
    header = [h.strip() for h in header]
    if all(_number(h) is not None for h in header):
        raise CSVFormatError(f"CSV file {path}: line {header_line} is all numbers; a header "
                             "row naming the columns is required")
    if target not in header:
        raise CSVFormatError(f"CSV file {path}: no target column {target!r}; available "
                             f"columns: {', '.join(repr(h) for h in header)}")
    if header.count(target) > 1:
        raise CSVFormatError(f"CSV file {path}: the target column {target!r} appears more "
                             "than once in the header")
    body = numbered[1:]
    if not body:
        raise CSVFormatError(f"CSV file {path}: a header but no data rows")
    if len(header) == 1:
        raise CSVFormatError(f"CSV file {path}: only the target column {target!r}; no feature "
                             "columns")
    return header, body, header.index(target)


def _feature_value(path: str, line: int, column: str, cell: str) -> float:
    """One feature cell as a finite number."""
    cell = cell.strip()
    if cell.lower() in MISSING:
        raise CSVFormatError(f"CSV file {path}, line {line}, column {column!r}: "
                             f"missing value ({cell!r})")
    value = _number(cell)
    if value is None or not np.isfinite(value):
        raise CSVFormatError(f"CSV file {path}, line {line}, column {column!r}: "
                             f"non-numeric value {cell!r} (feature columns must be numbers)")
    return value


def _parse_body(path: str, header: list[str], body: list[Row], t: int
                ) -> tuple[np.ndarray, list[str]]:
    """(X float32 of the feature columns, the target cells as text), row by row."""
    features = [j for j in range(len(header)) if j != t]
    X = np.empty((len(body), len(features)), dtype=np.float32)
    labels = []
    for r, (line, row) in enumerate(body):
        if len(row) != len(header):
            raise CSVFormatError(f"CSV file {path}, line {line}: {len(row)} fields but the "
                                 f"header has {len(header)}")
        for k, j in enumerate(features):
            X[r, k] = _feature_value(path, line, header[j], row[j])
        label = row[t].strip()
        if label.lower() in MISSING:
            raise CSVFormatError(f"CSV file {path}, line {line}, column {header[t]!r}: missing "
                                 f"target value ({label!r})")
        labels.append(label)
    return X, labels


def _infer_task(numeric: list[Optional[float]], class_names: Optional[Sequence[object]]) -> str:
    """Classification when classes are given, any label is text or all are integers."""
    if class_names is not None or any(v is None for v in numeric):
        return "classification"
    return "classification" if all(v.is_integer() for v in numeric if v is not None) \
        else "regression"


def _regression_targets(path: str, target: str, body: list[Row], labels: list[str],
                        numeric: list[Optional[float]]) -> np.ndarray:
    for (line, _), label, value in zip(body, labels, numeric):
        if value is None or not np.isfinite(value):
            raise CSVFormatError(f"CSV file {path}, line {line}, column {target!r}: "
                                 f"non-numeric target {label!r} for a regression task")
    return np.asarray(numeric, dtype=np.float32)


def _class_indices(path: str, target: str, body: list[Row], labels: list[str],
                   class_names: Optional[Sequence[object]]) -> tuple[np.ndarray, list[str]]:
    """(y int64, class names): labels mapped onto `class_names`, or onto the sorted labels."""
    canonical = [_canonical(label) for label in labels]
    if class_names is None:
        classes = sorted(set(canonical), key=_label_key)
    else:
        classes = [str(c) for c in class_names]
    lookup = {_canonical(c): i for i, c in enumerate(classes)}
    y = np.empty(len(labels), dtype=np.int64)
    for r, ((line, _), label) in enumerate(zip(body, canonical)):
        index = lookup.get(label)
        if index is None:
            raise CSVFormatError(f"CSV file {path}, line {line}, column {target!r}: label "
                                 f"{label!r} is not one of the model's classes {classes}")
        y[r] = index
    return y, classes


def load_csv(path: Union[str, os.PathLike[str]], target: str, delimiter: str = ",",
             task: Optional[str] = None, class_names: Optional[Sequence[object]] = None,
             name: Optional[str] = None) -> ArrayData:
    """Read a CSV file with a header row into an `ArrayData`.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file.
    target : str
        Name of the target column; every other column is a numeric feature.
    delimiter : str
        Field separator.
    task : str, optional
        "classification" or "regression"; None infers it - classification when any label
        is not a number or all labels are integers, regression otherwise (pass
        task="regression" for integer-valued regression targets such as counts).
    class_names : sequence, optional
        The classes a model was trained with; labels are mapped onto this list and a label
        outside it is an error (use it when loading data for a saved run).
    name : str, optional
        Dataset name (default: the file name).

    Returns
    -------
    ArrayData
        X float32 (N, D), y int64 (classification) or float32 (regression),
        `feature_names` from the header and `class_names` (sorted labels) for
        classification.
    """
    path = os.fspath(path)
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise CSVFormatError(f"CSV file {path}: the delimiter must be one character, got "
                             f"{delimiter!r}")
    if task is not None and task not in TASKS:
        raise ValueError(f"load_csv(task): expected one of {TASKS} or None, got {task!r}")
    header, body, t = _split_header(path, _read_rows(path, delimiter), target)
    X, labels = _parse_body(path, header, body, t)
    feature_names = [h for j, h in enumerate(header) if j != t]
    name = name or os.path.basename(path)
    numeric = [_number(label) for label in labels]
    if (task or _infer_task(numeric, class_names)) == "regression":
        y = _regression_targets(path, target, body, labels, numeric)
        return ArrayData(X, y, None, "regression", name, feature_names)
    y, classes = _class_indices(path, target, body, labels, class_names)
    return ArrayData(X, y, classes, "classification", name, feature_names)
