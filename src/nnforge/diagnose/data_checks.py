"""The doctor's checks on the data, before any model runs: non-finite values, class
balance, feature scale, labels against the model's outputs, and the last layer against
what the loss expects."""
from __future__ import annotations

import numpy as np

from ..nn import LogSoftmax, Sigmoid, Softmax
from .patient import FAIL, PASS, WARN, CheckResult, Patient, _output_size, _target_kind

__all__ = ["check_finite", "check_class_balance", "check_feature_scale", "check_labels",
           "check_output_layer"]


def check_finite(patient: Patient) -> CheckResult:
    """Fails when inputs or targets hold NaN or Inf."""
    bad_x = int((~np.isfinite(patient.X)).sum()) if patient.X.dtype.kind == "f" else 0
    bad_y = int((~np.isfinite(patient.y)).sum()) if patient.y.dtype.kind == "f" else 0
    if bad_x or bad_y:
        return CheckResult("data: NaN/Inf", FAIL, f"{bad_x} non-finite inputs, {bad_y} "
                           "non-finite targets", "drop or impute those rows before training")
    return CheckResult("data: NaN/Inf", PASS, f"all {patient.X.size} inputs and "
                       f"{patient.y.size} targets are finite")


def check_class_balance(patient: Patient) -> CheckResult:
    """Warns when the rarest class has under a tenth of the commonest's rows."""
    name = "data: class balance"
    if _target_kind(patient.loss_fn) not in ("class", "binary") or \
            patient.y.dtype.kind not in "iub":
        return CheckResult(name, PASS, "not a classification loss: skipped")
    labels, counts = np.unique(patient.y, return_counts=True)
    ratio = counts.min() / counts.max()
    detail = f"{len(labels)} classes, smallest/largest = {counts.min()}/{counts.max()}"
    if ratio < 0.1:
        return CheckResult(name, WARN, detail, "imbalanced: use class weights (weight=), "
                           "a stratified split and F1 or balanced accuracy", {"ratio": ratio})
    return CheckResult(name, PASS, detail, details={"ratio": ratio})


def check_feature_scale(patient: Patient) -> CheckResult:
    """Fails on unscaled inputs (pixel values), warns on uncentred or wide features."""
    name = "data: feature scale"
    X = patient.X.reshape(len(patient.X), -1).astype(np.float64)
    typical = float(np.percentile(np.abs(X), 99))
    centre = float(np.abs(X.mean(axis=0)).max())
    detail = f"99th percentile of |x| = {typical:.3g}, largest |feature mean| = {centre:.3g}"
    details = {"p99": typical, "max_mean": centre}
    if typical > 20:
        return CheckResult(name, FAIL, detail, "inputs are unscaled (pixel values 0-255?): "
                           "divide by 255 or set data.scaler = \"standard\"", details)
    if typical > 5 or centre > 3:
        return CheckResult(name, WARN, detail, "standardize the inputs (data.scaler = "
                           "\"standard\") so every feature has mean 0 and std 1", details)
    return CheckResult(name, PASS, detail, details=details)


def check_labels(patient: Patient) -> CheckResult:
    """Labels against the model's outputs: the range of class indices (1-based?), 0/1
    targets for binary losses, integer targets for a regression loss."""
    name = "data: labels vs output"
    n_out, y, loss = _output_size(patient), patient.y, patient.loss_name
    kind = _target_kind(patient.loss_fn)
    if kind == "class":
        if y.dtype.kind not in "iu":
            return CheckResult(name, FAIL, f"{loss} needs integer class labels, got dtype "
                               f"{y.dtype}", "convert y to int64 class indices 0..C-1")
        low, high = int(y.min()), int(y.max())
        detail = f"labels {low}..{high}, {n_out} outputs"
        if low >= 1 and high == n_out:
            return CheckResult(name, FAIL, detail + " (class 0 never occurs, label "
                               f"{high} has no output)", "labels are 1-based: subtract 1 from y")
        if low < 0 or high >= n_out:
            return CheckResult(name, FAIL, detail, f"labels must be in 0..{n_out - 1}: give "
                               f"the last layer {high + 1} outputs or re-encode y")
        if low >= 1 and high == n_out - 1:
            return CheckResult(name, WARN, detail + " (class 0 never occurs)",
                               f"labels look 1-based: subtract 1 and use {n_out - 1} outputs")
        if high < n_out - 1:
            return CheckResult(name, WARN, detail, f"outputs {high + 1}..{n_out - 1} are "
                               f"never a target: use {high + 1} outputs")
        return CheckResult(name, PASS, detail)
    if kind == "binary":
        values = np.unique(y)
        if values.min() < 0 or values.max() > 1:
            return CheckResult(name, FAIL, f"{loss} targets in [{values.min()}, "
                               f"{values.max()}]", "binary losses need 0/1 targets; for more "
                               "classes use CrossEntropyLoss")
        return CheckResult(name, PASS, f"targets in [0, 1], {n_out} output(s)")
    if kind == "real" and y.dtype.kind not in "f":
        return CheckResult(name, WARN, f"{loss} with integer targets (dtype {y.dtype})",
                           "for class labels use CrossEntropyLoss")
    return CheckResult(name, PASS, f"{loss} with {y.dtype} targets, {n_out} output(s)")


def check_output_layer(patient: Patient) -> CheckResult:
    """The last layer against what the loss expects (logits, log-probabilities)."""
    name = "output layer vs loss"
    modules = [m for _, m in patient.model.named_modules() if not m._modules]
    last = type(modules[-1]).__name__ if modules else ""
    expects = getattr(patient.loss_fn, "expects", None)
    if expects == "logits" and _target_kind(patient.loss_fn) in ("class", "binary") and \
            isinstance(modules[-1], (Softmax, Sigmoid)):
        return CheckResult(name, FAIL, f"the model ends with {last} but {patient.loss_name} "
                           "expects logits (it applies the softmax/sigmoid itself)",
                           f"remove the final {last} layer (apply it only for predictions)")
    if expects == "log_probabilities" and not (modules and isinstance(modules[-1], LogSoftmax)):
        return CheckResult(name, WARN, f"{patient.loss_name} after {last}: it expects "
                           "log-probabilities",
                           "end the model with LogSoftmax or use CrossEntropyLoss")
    return CheckResult(name, PASS, f"{last or 'model'} -> {patient.loss_name}")
