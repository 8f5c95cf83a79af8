"""Training: the `Trainer` loop, its `History`, metrics, callbacks (early stopping with
Prechelt's criteria, checkpoints, gradient-norm recording, progress output) and the NaN/Inf
guard."""
from .callbacks import Callback, CallbackList, LambdaCallback
from .checkpoint import Checkpoint, CheckpointError, TrainingInterrupted, load_checkpoint
from .early_stopping import EarlyStopping, generalization_loss, training_progress
from .grad_norms import GradNormRecorder
from .guards import NonFiniteGuard, TrainingDivergedError
from .history import History
from .max_norm import MaxNormConstraint
from .metrics import (accuracy, confusion_matrix, f1, get_metric, mae, metric_names, mse,
                      precision, r2, recall, top_k_accuracy)
from .progress import IntervalProgressLog, ProgressBar, ProgressLog
from .stop_conditions import ThresholdStopping, TimeStopping
from .trainer import Trainer

__all__ = ["Callback", "CallbackList", "Checkpoint", "CheckpointError", "EarlyStopping",
           "GradNormRecorder", "History", "LambdaCallback", "TrainingInterrupted",
           "load_checkpoint",
           "NonFiniteGuard", "IntervalProgressLog", "ProgressBar", "ProgressLog", "Trainer",
           "TrainingDivergedError", "accuracy", "confusion_matrix", "f1",
           "generalization_loss", "get_metric", "mae", "metric_names", "mse", "precision",
           "r2", "recall", "top_k_accuracy", "training_progress", "ThresholdStopping",
           "TimeStopping", "MaxNormConstraint"]
