"""Training: the `Trainer` loop (subclass it and override `train_step` / `eval_step` to
change one step), its `TrainingCursor` and `History`, metrics, callbacks (early stopping
with Prechelt's criteria, crash-safe checkpoints, gradient-norm recording, progress output)
and the NaN/Inf guard."""
from .callbacks import Callback, CallbackList, LambdaCallback
from .checkpoint import Checkpoint, CheckpointError, TrainingInterrupted, load_checkpoint
from .cursor import TrainingCursor
from .divergence import NonFiniteGuard, TrainingDivergedError
from .early_stopping import EarlyStopping, generalization_loss, training_progress
from .grad_norms import GradNormRecorder
from .history import History
from .max_norm import MaxNormConstraint
from .metrics import (accuracy, confusion_matrix, f1, get_metric, mae, metric_names, mse,
                      precision, r2, recall, top_k_accuracy)
from .progress import IntervalProgressLog, ProgressBar, ProgressLog
from .stop_conditions import ThresholdStopping, TimeStopping
from .trainer import StepOutput, Trainer

__all__ = ["Callback", "CallbackList", "Checkpoint", "CheckpointError", "EarlyStopping",
           "GradNormRecorder", "History", "IntervalProgressLog", "LambdaCallback",
           "MaxNormConstraint", "NonFiniteGuard", "ProgressBar", "ProgressLog", "StepOutput",
           "ThresholdStopping", "TimeStopping", "Trainer", "TrainingCursor",
           "TrainingDivergedError", "TrainingInterrupted", "accuracy", "confusion_matrix", "f1",
           "generalization_loss", "get_metric", "load_checkpoint", "mae", "metric_names", "mse",
           "precision", "r2", "recall", "top_k_accuracy", "training_progress"]
