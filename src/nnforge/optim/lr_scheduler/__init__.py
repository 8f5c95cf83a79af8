"""Learning-rate schedulers with PyTorch's names, arguments and step semantics.

Each class is a thin wrapper around a closed-form function from `nnforge.optim.schedules`:
``scheduler.step()`` advances ``last_epoch`` and writes ``f(last_epoch)`` into every
parameter group's ``"lr"``. Consequences:

* ``scheduler.schedule_values(n)`` previews the LR curve (no optimizer steps taken), and
  `preview` does it without any optimizer of yours — plot before you train;
* the LR sequences equal PyTorch's (PyTorch mostly recurses from the previous LR; the values
  agree to rounding). PyTorch's `CosineAnnealingLR` is recursive and not clamped at
  ``T_max``: past it the LR rises again along the cosine — and so it does here.
* a scheduler owns the LR: editing ``group["lr"]`` by hand is overwritten at the next step
  (PyTorch's recursive forms would build on it). `MultiplicativeLR` and `ReduceLROnPlateau`
  are recursive by definition and do build on the current LR.

As in PyTorch: constructing a scheduler performs step 0 (sets the initial LR), then call
``scheduler.step()`` after each ``optimizer.step()`` (per batch or per epoch, as you
choose). ``InverseTimeLR`` (alpha0 / (1 + gamma t)) is nnforge's addition.

The modules: `base` (the `LRScheduler` base class), `multiplier` (factor schedules and
warm-up), `decay` (closed-form decays), `cyclical` (warm restarts, cyclical LR, 1cycle),
`sequential` (chaining), `plateau` (`ReduceLROnPlateau`) and `curves` (`preview`).
"""
from .base import LRScheduler
from .curves import preview
from .cyclical import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from .decay import (CosineAnnealingLR, ExponentialLR, InverseTimeLR, MultiStepLR,
                    PolynomialLR, StepLR)
from .multiplier import ConstantLR, LambdaLR, LinearLR, MultiplicativeLR
from .plateau import ReduceLROnPlateau
from .sequential import SequentialLR

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR",
           "ConstantLR", "LinearLR", "ExponentialLR", "SequentialLR", "PolynomialLR",
           "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR",
           "ReduceLROnPlateau", "InverseTimeLR", "preview"]
