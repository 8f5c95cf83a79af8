"""Training: the `Trainer` loop, its `History`, metrics, callbacks (early stopping with
Prechelt's criteria, progress output) and the NaN/Inf guard."""
from .callbacks import Callback, CallbackList, LambdaCallback
from .early_stopping import EarlyStopping, generalization_loss, training_progress
from .guards import NonFiniteGuard, TrainingDivergedError
from .history import History
from .metrics import (accuracy, confusion_matrix, f1, get_metric, mae, metric_names, mse,
                      precision, r2, recall, top_k_accuracy)
from .progress import ProgressBar, ProgressLog
from .trainer import Trainer

__all__ = ["Callback", "CallbackList", "EarlyStopping", "History", "LambdaCallback",
           "NonFiniteGuard", "ProgressBar", "ProgressLog", "Trainer",
           "TrainingDivergedError", "accuracy", "confusion_matrix", "f1",
           "generalization_loss", "get_metric", "mae", "metric_names", "mse", "precision",
           "r2", "recall", "top_k_accuracy", "training_progress"]
