"""Diagnostics: the doctor's recipe checks, the
LR range test, guards against common mistakes, activation/gradient statistics, the
optimizer playground and the computation-graph view. Sits on top of nn/optim/train."""
from ..mistake_warnings import (CODES, DeadReLUWarning, ExplodingGradientWarning,
                                GuardWarning, LabelMismatchWarning, ProbabilitiesAsLogitsWarning,
                                SchedulerOrderWarning, TrainModeEvaluationWarning, new_run,
                                silence, silence_codes, unsilence_codes)
from .checks import CHECKS, CheckResult, Patient, expected_initial_loss, run_checks
from .lr_finder import (LRFinderResult, lr_range_test, lr_sweep, suggest_cyclic_bounds,
                        suggest_lr)
from .mistakes import check_eval_mode, guard_codes

__all__ = ["CHECKS", "CODES", "CheckResult", "DeadReLUWarning", "ExplodingGradientWarning",
           "GuardWarning", "LRFinderResult", "LabelMismatchWarning", "Patient",
           "ProbabilitiesAsLogitsWarning", "SchedulerOrderWarning",
           "TrainModeEvaluationWarning", "check_eval_mode", "expected_initial_loss",
           "guard_codes", "lr_range_test", "lr_sweep", "new_run", "run_checks", "silence",
           "silence_codes", "suggest_cyclic_bounds", "suggest_lr", "unsilence_codes"]
