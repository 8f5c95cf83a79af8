"""Optimizers, learning-rate / momentum / batch-size schedules, regularization, clipping and
weight constraints (max-norm).

PyTorch's names and update rules (`SGD`, `Adam`, `AdamW`, `Adagrad`, `Adadelta`,
`RMSprop`; `lr_scheduler.StepLR` ...); `schedules` holds the pure step -> value functions
the scheduler classes are built on.
"""
from . import lr_scheduler, schedules
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .batch_size_schedule import BatchSizeSchedule, noise_scale
from .clip import clip_grad_norm_, clip_grad_value_, total_grad_norm
from .constraints import MaxNorm, max_norm_
from .momentum_schedule import MomentumScheduler
from .optimizer import Optimizer
from .regularization import l1_penalty, l2_penalty, regularized_param_groups
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adadelta", "Adagrad", "Adam", "AdamW", "BatchSizeSchedule", "MomentumScheduler",
           "Optimizer", "RMSprop", "SGD", "clip_grad_norm_", "clip_grad_value_",
           "MaxNorm", "max_norm_",
           "l1_penalty", "l2_penalty", "lr_scheduler", "noise_scale",
           "regularized_param_groups", "schedules", "total_grad_norm"]
