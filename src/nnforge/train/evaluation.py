"""The Trainer's passes that do not train: evaluation (mean loss and metrics over a
loader) and prediction (outputs, or Monte-Carlo dropout summaries), both in eval mode and
without a graph, leaving the model in the mode it was in."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd import no_grad
from ..nn.dropout import MCDropoutPrediction
from .batches import batch_array, model_dtype
from .prediction import forward_in_chunks, mc_dropout_in_chunks, prediction_inputs

if TYPE_CHECKING:
    from .trainer import Trainer

__all__ = ["evaluate_batches", "predict_outputs"]


def evaluate_batches(trainer: Trainer, loader: Iterable[Sequence[Any]]) -> dict[str, float]:
    """{"loss": mean loss, <metric>: value, ...} of `trainer.eval_step` over `loader`."""
    model = trainer.model
    trainer._dtype = model_dtype(model)
    was_training = model.training
    model.eval()
    loss_sum, count = 0.0, 0
    outputs: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    try:
        with no_grad():
            for batch in loader:
                loss, out = trainer.eval_step(batch)
                n = len(batch[0])
                loss_sum += float(loss._data) * n
                count += n
                outputs.append(out._data)
                targets.append(batch_array(batch[1]))
    finally:
        model.train(was_training)
    results = {"loss": loss_sum / count}
    results.update(trainer._metrics(outputs, targets))
    return results


def predict_outputs(trainer: Trainer, x: Any, batch_size: int | None,
                    mc_samples: int | None) -> np.ndarray | MCDropoutPrediction:
    """What `Trainer.predict` returns: outputs in eval mode, or with `mc_samples` the
    Monte-Carlo dropout summary over that many stochastic passes."""
    X = prediction_inputs(x)
    model = trainer.model
    trainer._dtype = model_dtype(model)
    if mc_samples is not None:
        output = None if not trainer.outputs_are_logits else \
            {"class": "softmax", "binary": "sigmoid"}.get(str(trainer._target_kind))
        return mc_dropout_in_chunks(model, X, batch_size, mc_samples, output, trainer._input)
    was_training = model.training
    model.eval()
    try:
        return forward_in_chunks(model, X, batch_size, trainer._input)
    finally:
        model.train(was_training)
