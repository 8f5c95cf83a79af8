"""The doctor's short training experiments: memorizing a handful of samples and one batch
(a model that cannot is broken), and the LR range test against the configured rate."""
from __future__ import annotations

import os

import numpy as np

from .lr_finder import lr_range_test
from .patient import FAIL, PASS, WARN, CheckResult, Patient, _loss, _target_kind

__all__ = ["check_overfit_handful", "check_overfit_batch", "check_lr_range"]


def _overfit(patient: Patient, n: int, steps: int, name: str) -> CheckResult:
    model, optimizer, loss_fn = patient.copies()
    X, y = patient.rows(n)
    first = float(_loss(model, loss_fn, X, y)[0]._data)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss, _ = _loss(model, loss_fn, X, y, graph=True)
        value = float(loss._data)
        losses.append(value)
        if not np.isfinite(value):
            break
        loss.backward()
        optimizer.step()
    final_loss, out = _loss(model, loss_fn, X, y)
    final = float(final_loss._data)
    details = {"initial": first, "final": final, "losses": losses}
    detail = f"{len(X)} samples, {len(losses)} steps: loss {first:.4g} -> {final:.4g}"
    if _target_kind(patient.loss_fn) == "class":
        accuracy = float((out._data.argmax(axis=1) == y).mean())
        details["accuracy"] = accuracy
        detail += f", accuracy {accuracy:.0%}"
    if not np.isfinite(final):
        return CheckResult(name, FAIL, detail + " (diverged)", f"the learning rate "
                           f"{patient.lr:g} is too high: lower it (see the LR range test)",
                           details)
    if final < 0.05 * first or final < 1e-2:
        return CheckResult(name, PASS, detail + ": memorized", details=details)
    if final < 0.5 * first:
        return CheckResult(name, WARN, detail + ": still falling", "train longer or raise the "
                           "learning rate a little; it should reach ~0", details)
    return CheckResult(name, FAIL, detail + ": cannot even memorize", "check the learning rate "
                       "(too high or too low), the initialization (not zero) and that labels "
                       "match inputs", details)


def check_overfit_handful(patient: Patient) -> CheckResult:
    """A working model and optimizer memorize 4 samples in 200 steps."""
    return _overfit(patient, 4, 200, "overfit 4 samples")


def check_overfit_batch(patient: Patient) -> CheckResult:
    """A working model and optimizer memorize one batch in 300 steps."""
    return _overfit(patient, patient.batch_size, 300, "overfit one batch")


def check_lr_range(patient: Patient) -> CheckResult:
    """The configured learning rate against an LR range test on copies of the run."""
    name = "LR range test"
    model, optimizer, loss_fn = patient.copies()
    try:
        result = lr_range_test(model, optimizer, loss_fn, patient.X, patient.y,
                               batch_size=patient.batch_size, generator=patient.seed)
    except ValueError as exc:
        return CheckResult(name, FAIL, str(exc), "the loss is not finite even at tiny "
                           "learning rates: check data and initialization")
    details = {"result": result, "lr": patient.lr}
    if patient.plot_dir is not None:
        path = os.path.join(patient.plot_dir, "lr_range_test.png")
        result.plot(path)
        details["plot"] = path
    detail = (f"suggested lr {result.suggested_lr:.2g} (steepest descent at "
              f"{result.steepest_lr:.2g}, minimum loss at {result.min_loss_lr:.2g}); "
              f"configured lr {patient.lr:g}")
    if patient.lr > 3 * result.min_loss_lr:
        return CheckResult(name, FAIL, detail, f"lr {patient.lr:g} is past the loss minimum: "
                           f"use about {result.suggested_lr:.2g}", details)
    if patient.lr < result.suggested_lr / 100:
        return CheckResult(name, WARN, detail, f"lr {patient.lr:g} is very low: training will "
                           f"be slow; try about {result.suggested_lr:.2g}", details)
    return CheckResult(name, PASS, detail, details=details)
