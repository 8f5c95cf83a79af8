"""The guards' public face: the table of codes, and `check_eval_mode(model)`, the explicit
question a user (or a tool) asks before evaluating on held-out data.

The guards themselves live where the mistakes happen (`nn.functional`, `nn.Module`,
`optim.lr_scheduler`, `train.mistake_checks`, `data.leakage`) and warn through
`nnforge.mistake_warnings`; this module only describes them and adds the explicit check.

What each guard can see (honestly):
- NF-GUARD-001: the loss input was produced by Softmax/Sigmoid *with the graph on* (the
  op is recorded on the tensor); under no_grad there is no record and nothing fires.
- NF-GUARD-002: a model containing Dropout/BatchNorm is called under no_grad() while it
  and such a layer are in training mode (evaluation that forgot model.eval()). Held-out
  arrays carry no tag once turned into Tensors, so a train-mode forward *with* the graph
  on held-out data is not detected; `check_eval_mode(model)` asks explicitly.
- NF-GUARD-003: labels vs output size, once per fit on the whole training label array
  (1-based labels, unused outputs) and per call for BCE targets outside [0, 1].
- NF-GUARD-004: scheduler.step() before the first optimizer.step() (PyTorch's rule).
- NF-GUARD-005 / 006: sampled every 50 steps during Trainer.fit (train.TrainingGuards).
- NF-LEAK-001: a scaler fitted on rows tagged val/test or on a whole array that was split.
"""
from __future__ import annotations

from ..mistake_warnings import CODES, TrainModeEvaluationWarning, guard_warn
from ..nn import Module

__all__ = ["check_eval_mode", "guard_codes"]

def guard_codes() -> dict[str, tuple[str, str]]:
    """{code: (warning class name, one-line description)} for every guard, NF-LEAK-001 too."""
    table = {code: (cls.__name__, (cls.__doc__ or "").strip().splitlines()[0])
             for code, cls in CODES.items()}
    table["NF-LEAK-001"] = ("DataLeakageWarning", "A scaler was fitted on validation/test "
                            "rows (nnforge.data.leakage).")
    return table


def check_eval_mode(model: Module, warn: bool = True) -> list[str]:
    """Names of the Dropout/BatchNorm layers of `model` that are in training mode; warns
    NF-GUARD-002 (once per run) when there are any and `warn`. Call it before evaluating
    on held-out data: an empty list means the model is ready."""
    active = [name or "<model>" for name, m in model.named_modules()
              if m.training and m.mode_dependent]
    if active and warn:
        guard_warn(TrainModeEvaluationWarning,
                   f"{type(model).__name__} is in training mode with {', '.join(active)} "
                   "active; call model.eval() before evaluating on held-out data",
                   stacklevel=2)
    return active
