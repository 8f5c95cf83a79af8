"""The doctor's recipe checks: what a careful practitioner
verifies before a long training run, each ending in pass / warn / fail and, when it does
not pass, a one-line suggested fix.

Every check receives a `Patient` (the model, loss, optimizer and training arrays of a built
run) and works on deep copies, so the checks never change the run and never depend on
each other's side effects. `run_checks(run)` runs them all in the order of the recipe:
the data first (`data_checks`), then the untrained model (`init_checks`), then short
training experiments (`training_checks`).
"""
from __future__ import annotations

from typing import IO, Callable, Iterable, Optional

import numpy as np

from .data_checks import (check_class_balance, check_feature_scale, check_finite,
                          check_labels, check_output_layer)
from .init_checks import (check_dead_relus, check_gradient_flow, check_gradients_numerically,
                          check_initial_loss)
from .patient import FAIL, CheckResult, Patient, expected_initial_loss
from .training_checks import check_lr_range, check_overfit_batch, check_overfit_handful

__all__ = ["CheckResult", "Patient", "CHECKS", "run_checks", "expected_initial_loss"]

#: every check by its command-line name, in the order of the recipe
CHECKS: dict[str, Callable[[Patient], CheckResult]] = {
    "finite": check_finite, "balance": check_class_balance, "scale": check_feature_scale,
    "labels": check_labels, "output": check_output_layer, "initial-loss": check_initial_loss,
    "gradcheck": check_gradients_numerically, "gradient-flow": check_gradient_flow,
    "dead-relu": check_dead_relus, "overfit-4": check_overfit_handful,
    "overfit-batch": check_overfit_batch, "lr-range": check_lr_range,
}


def run_checks(patient: Patient, names: Optional[Iterable[str]] = None,
               stream: Optional[IO[str]] = None) -> list[CheckResult]:
    """Run the named checks (all by default) in recipe order; print each line to `stream`
    as it finishes; return the list of CheckResult. A check that raises becomes a FAIL."""
    results = []
    for key in names or CHECKS:
        if key not in CHECKS:
            raise ValueError(f"doctor: unknown check {key!r}; known: {', '.join(CHECKS)}")
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # divergence
                result = CHECKS[key](patient)                                 # is reported
        except (ValueError, IndexError, TypeError, FloatingPointError) as exc:
            result = CheckResult(key, FAIL, f"raised {type(exc).__name__}: {exc}",
                                 "fix the error above first (data, labels or model shapes)")
        results.append(result)
        if stream is not None:
            print(result.line(), file=stream, flush=True)
    return results
