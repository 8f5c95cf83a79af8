"""Guard warnings: one class and one stable code per common mistake,
emitted at most once per run and silenceable.

This module sits at the very bottom of the package (it imports nothing of nnforge) so that
`nn`, `optim` and `train` can warn about a mistake at the place where it happens without
importing `diagnose` (nothing low imports anything high).

Codes (also listed in `CODES`):

    NF-GUARD-001  ProbabilitiesAsLogitsWarning  a Softmax/Sigmoid output reached a loss that
                                                expects logits (CrossEntropyLoss, BCEWithLogitsLoss)
    NF-GUARD-002  TrainModeEvaluationWarning    a model with Dropout/BatchNorm ran in training
                                                mode without a graph (evaluation without eval())
    NF-GUARD-003  LabelMismatchWarning          labels that do not match the output layer
    NF-GUARD-004  SchedulerOrderWarning         scheduler.step() before optimizer.step()
    NF-GUARD-005  DeadReLUWarning               more than half of a ReLU layer's units are dead
    NF-GUARD-006  ExplodingGradientWarning      gradient norms grow steeply across layers
    NF-LEAK-001   (nnforge.data.DataLeakageWarning) a scaler fitted on validation/test rows

"Once per run": each code warns once until `new_run()` is called (the Trainer calls it at
the start of every `fit`), so a mistake repeated at every step prints one line.
Silence with the standard filter (`warnings.filterwarnings("ignore", category=
GuardWarning)` or one subclass), with the context manager `silence("NF-GUARD-001", ...)`
(no argument: every guard), or for a whole process with `silence_codes(...)`.
Make them errors in a test suite with pytest's
`filterwarnings = ["error::nnforge.mistake_warnings.GuardWarning"]`.
"""
from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Hashable, Iterator
from typing import Union

__all__ = ["GuardWarning", "ProbabilitiesAsLogitsWarning", "TrainModeEvaluationWarning",
           "LabelMismatchWarning", "SchedulerOrderWarning", "DeadReLUWarning",
           "ExplodingGradientWarning", "CODES", "guard_warn", "new_run", "silence",
           "silence_codes", "unsilence_codes", "is_silenced", "would_warn"]


class GuardWarning(UserWarning):
    """Base class of every nnforge guard warning; `.code` is its stable code."""

    code = "NF-GUARD-000"


class ProbabilitiesAsLogitsWarning(GuardWarning):
    """Probabilities (the output of Softmax/Sigmoid) passed to a loss that expects logits."""

    code = "NF-GUARD-001"


class TrainModeEvaluationWarning(GuardWarning):
    """Dropout/BatchNorm in training mode during a forward pass without a graph."""

    code = "NF-GUARD-002"


class LabelMismatchWarning(GuardWarning):
    """Labels that do not match the output layer (1-based, unused outputs, non-0/1 targets)."""

    code = "NF-GUARD-003"


class SchedulerOrderWarning(GuardWarning):
    """`scheduler.step()` called before the first `optimizer.step()`."""

    code = "NF-GUARD-004"


class DeadReLUWarning(GuardWarning):
    """More than half of the units of a ReLU layer output 0 for every input of a batch."""

    code = "NF-GUARD-005"


class ExplodingGradientWarning(GuardWarning):
    """Per-layer gradient norms grow (or shrink) geometrically across the network."""

    code = "NF-GUARD-006"


CODES = {cls.code: cls for cls in (ProbabilitiesAsLogitsWarning, TrainModeEvaluationWarning,
                                   LabelMismatchWarning, SchedulerOrderWarning,
                                   DeadReLUWarning, ExplodingGradientWarning)}

_state = threading.local()
_emitted: set[tuple[str, Hashable]] = set()   # codes (and keys) already reported in this run
_process_silenced: set[str] = set()            # codes silenced with silence_codes()
#: A guard named by its code ("NF-GUARD-001") or its warning class.
GuardCode = Union[str, type[GuardWarning]]


def _local_silenced() -> list[frozenset[str]]:
    if not hasattr(_state, "silenced"):
        _state.silenced = []
    silenced: list[frozenset[str]] = _state.silenced
    return silenced


def _code_of(item: GuardCode) -> str:
    if isinstance(item, type) and issubclass(item, GuardWarning):
        return item.code
    if isinstance(item, str) and item in CODES:
        return item
    raise ValueError(f"silence: expected a guard code ({', '.join(CODES)}) or a GuardWarning "
                     f"class, got {item!r}")


def is_silenced(code: str) -> bool:
    """True when `code` is silenced by `silence()` in this thread or by `silence_codes()`."""
    if code in _process_silenced or "*" in _process_silenced:
        return True
    return any(code in s or "*" in s for s in _local_silenced())


def new_run() -> None:
    """Start a new run: every guard may warn once again."""
    _emitted.clear()


def would_warn(category: type[GuardWarning], key: Hashable = None) -> bool:
    """True when `guard_warn(category, ..., key)` would warn now: lets a guard skip the
    work of detecting a mistake it would not report."""
    return not is_silenced(category.code) and (category.code, key) not in _emitted


def guard_warn(category: type[GuardWarning], message: str, key: Hashable = None,
               stacklevel: int = 2) -> bool:
    """Warn `f"{category.code}: {message}"` unless silenced or already warned in this run.

    `key` narrows "once" (e.g. one warning per layer name); returns True when it warned.
    """
    code = category.code
    if is_silenced(code) or (code, key) in _emitted:
        return False
    _emitted.add((code, key))
    warnings.warn(f"{code}: {message}", category, stacklevel=stacklevel + 1)
    return True


@contextlib.contextmanager
def silence(*codes: GuardCode) -> Iterator[None]:
    """Context manager: no guard warning with these codes (classes) inside; all if none."""
    names = frozenset(_code_of(c) for c in codes) if codes else frozenset({"*"})
    stack = _local_silenced()
    stack.append(names)
    try:
        yield
    finally:
        stack.remove(names)


def silence_codes(*codes: GuardCode) -> None:
    """Silence these codes (all guards if none) for the rest of the process."""
    if codes:
        _process_silenced.update(_code_of(c) for c in codes)
    else:
        _process_silenced.add("*")


def unsilence_codes(*codes: GuardCode) -> None:
    """Undo `silence_codes` for these codes (all if none)."""
    if codes:
        _process_silenced.difference_update(_code_of(c) for c in codes)
    else:
        _process_silenced.clear()
