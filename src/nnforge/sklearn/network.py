"""From estimator hyperparameters to nnforge objects: the network, the optimizer with its
regularization groups, and the learning-rate scheduler.

These are plain functions of the estimator's parameters (scikit-learn's rule: `__init__`
stores, `fit` builds), kept apart from the estimator classes so each piece can be read and
tested on its own. Three ways to describe the network:

* `hidden_layer_sizes` (scikit-learn's MLP): Linear → [BatchNorm1d] → activation →
  [Dropout] per hidden layer, optional input dropout, then the output Linear;
* `module` as a list of layer specs (the TOML config's `[model].layers` format, e.g.
  `{"type": "Conv2d", "in_channels": 1, "out_channels": 32, "kernel_size": 3}`): the body
  of the network; the estimator appends the output Linear, sizing it with one forward pass;
  the MLP arguments (hidden_layer_sizes, activation, dropout, ...) are then not used;
* `module` as a callable `module(n_features_in, n_outputs)` (or with a `generator=`
  keyword) returning a complete Module.
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Optional, cast

import numpy as np

from .. import nn
from ..autograd import Tensor, no_grad
from ..config.errors import ConfigError
from ..config.factory import build_layers, scheduler_with_length
from ..config.registry import classes
from ..optim import Optimizer
from ..optim.lr_scheduler import LRScheduler
from ..optim.regularization import regularized_param_groups

if TYPE_CHECKING:
    from .estimators import _NeuralNetBase

__all__ = ["ACTIVATIONS", "OPTIMIZERS", "build_network", "build_optimizer",
           "build_scheduler"]

#: activation name (scikit-learn's names and nnforge's) -> nnforge.nn class name
ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "logistic": "Sigmoid", "sigmoid": "Sigmoid",
               "identity": "Identity", "leaky_relu": "LeakyReLU", "elu": "ELU",
               "silu": "SiLU", "swish": "SiLU", "softplus": "Softplus"}



def _optimizers() -> dict[str, type[Optimizer]]:
    """Lower-case name -> class of every registered optimizer (the config's registry)."""
    # the registry files a class under "optimizer" only when it subclasses Optimizer
    return {name.lower(): cast("type[Optimizer]", cls)
            for name, cls in classes("optimizer").items()}


def __getattr__(name: str) -> Any:
    """`OPTIMIZERS`, read from the registry when asked (a user may register more)."""
    if name == "OPTIMIZERS":        # optimizer name (case-insensitive) -> class name
        return {key: cls.__name__ for key, cls in _optimizers().items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _takes(callable_: Callable[..., Any], name: str) -> bool:
    try:
        return name in inspect.signature(callable_).parameters
    except (TypeError, ValueError):
        return False


def _check_probability(owner: str, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or \
            not 0 <= value < 1:
        raise ValueError(f"{owner}({name}={value!r}): expected a probability in [0, 1)")
    return float(value)


def _hidden_sizes(owner: str, sizes: Any) -> tuple[int, ...]:
    if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
        sizes = (sizes,)
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise ValueError(f"{owner}(hidden_layer_sizes={sizes!r}): expected a tuple of "
                         "positive integers") from None
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise ValueError(f"{owner}(hidden_layer_sizes={sizes!r}): expected a tuple of "
                             f"positive integers, got {s!r}")
    return tuple(int(s) for s in sizes)


def _mlp_body(est: _NeuralNetBase, n_features: int, generator: np.random.Generator
              ) -> list[nn.Module]:
    owner = type(est).__name__
    sizes = _hidden_sizes(owner, est.hidden_layer_sizes)
    if est.activation not in ACTIVATIONS:
        raise ValueError(f"{owner}(activation={est.activation!r}): expected one of "
                         f"{', '.join(sorted(ACTIVATIONS))}")
    dropout = _check_probability(owner, "dropout", est.dropout)
    input_dropout = _check_probability(owner, "input_dropout", est.input_dropout)
    if est.init is not None:
        nn.init.get_initializer(est.init)          # raises ValueError naming the choices
    activation = getattr(nn, ACTIVATIONS[est.activation])
    layers: list[nn.Module] = [nn.Dropout(input_dropout, generator=generator)] \
        if input_dropout else []
    width = n_features
    for size in sizes:
        layers.append(nn.Linear(width, size, init=est.init, generator=generator))
        if est.batch_norm:
            layers.append(nn.BatchNorm1d(size))
        layers.append(activation())
        if dropout:
            layers.append(nn.Dropout(dropout, generator=generator))
        width = size
    return layers


def _spec_body(est: _NeuralNetBase, specs: Sequence[Any], generator: np.random.Generator
               ) -> list[nn.Module]:
    owner = type(est).__name__
    layers = classes("layer")
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
            raise ValueError(f"{owner}(module): item {i} should be a dict with a 'type' key "
                             f"naming an nnforge.nn layer, got {spec!r}")
        if spec["type"] not in layers:
            raise ValueError(f"{owner}(module): item {i} has unknown layer type "
                             f"{spec['type']!r}")
    try:
        return build_layers(list(specs), "module", generator)
    except ConfigError as exc:
        raise ValueError(f"{owner}(module): {exc}") from None


def build_network(est: _NeuralNetBase, sample: np.ndarray, n_outputs: int,
                  generator: np.random.Generator) -> nn.Module:
    """The network for estimator `est`: a Module mapping a batch shaped like `sample`
    (a few input rows) to `n_outputs` outputs (logits or regression values)."""
    owner = type(est).__name__
    n_features = int(np.prod(sample.shape[1:]))
    module = est.module
    if callable(module) and not isinstance(module, nn.Module):
        kwargs = {"generator": generator} if _takes(module, "generator") else {}
        model = module(n_features, n_outputs, **kwargs)
        if not isinstance(model, nn.Module):
            raise TypeError(f"{owner}(module): the factory should return an nnforge Module, "
                            f"got {type(model).__name__}")
        return model
    if isinstance(module, nn.Module):
        raise TypeError(f"{owner}(module): pass a factory (e.g. a function returning the "
                        "Module) or a list of layer specs, not a Module instance, so that "
                        "every fit starts from fresh weights (clone() cannot copy a Module)")
    if module is None:
        body = _mlp_body(est, n_features, generator)
    elif isinstance(module, (list, tuple)):
        body = _spec_body(est, module, generator)
    else:
        raise TypeError(f"{owner}(module): expected None, a list of layer specs or a "
                        f"factory, got {type(module).__name__}")
    body_model = nn.Sequential(*body)
    body_model.eval()
    # the layers are still in their build dtype (the estimator casts the model afterwards)
    build_dtype = next((p.dtype for p in body_model.parameters()), np.dtype(np.float32))
    with no_grad():
        out = body_model(Tensor(np.asarray(sample[:2], dtype=build_dtype)))  # size the head
    if out.ndim != 2:
        body.append(nn.Flatten())
    width = int(np.prod(out.shape[1:]))
    head_init = est.init if module is None else None
    body.append(nn.Linear(width, n_outputs, init=head_init, generator=generator))
    return nn.Sequential(*body)


def build_optimizer(est: _NeuralNetBase, model: nn.Module) -> Optimizer:
    """The optimizer named by `est.optimizer`, over parameter groups that exempt biases
    and normalization parameters from L1/L2 unless `est.regularize_bias`."""
    owner = type(est).__name__
    name = est.optimizer
    key = name.lower() if isinstance(name, str) else None
    optimizers = _optimizers()
    if key not in optimizers:
        raise ValueError(f"{owner}(optimizer={name!r}): expected one of "
                         f"{', '.join(sorted(optimizers))}")
    cls = optimizers[key]
    for arg in ("lr", "weight_decay", "l1", "l2"):
        value = getattr(est, arg)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or \
                value < 0 or not math.isfinite(value) or (arg == "lr" and value == 0):
            expect = "a positive number" if arg == "lr" else "a number >= 0"
            raise ValueError(f"{owner}({arg}={value!r}): expected {expect}")
    if est.weight_decay and est.l2:
        raise ValueError(f"{owner}: give l2 (the penalty lambda*||w||^2) or weight_decay "
                         f"(= 2*lambda), not both (got l2={est.l2}, "
                         f"weight_decay={est.weight_decay})")
    decay = float(est.weight_decay) + 2.0 * float(est.l2)
    exempt = () if est.regularize_bias else ("bias", "norm")
    groups = regularized_param_groups(model, weight_decay=decay, l1=float(est.l1),
                                      exempt=exempt)
    kwargs: dict[str, Any] = {"lr": float(est.lr)}
    if _takes(cls, "momentum"):
        kwargs["momentum"] = float(est.momentum)
    if _takes(cls, "nesterov"):
        kwargs["nesterov"] = bool(est.nesterov)
    if _takes(cls, "betas"):
        kwargs["betas"] = tuple(float(b) for b in est.betas)
    try:
        return cls(groups, **kwargs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{owner}(optimizer={name!r}): {exc}") from None


def build_scheduler(est: _NeuralNetBase, optimizer: Optimizer, steps_per_epoch: int
                    ) -> tuple[Optional[LRScheduler], str]:
    """(scheduler or None, interval) for `est.lr_scheduler` and `est.lr_scheduler_kwargs`.

    Conveniences: a scheduler's length (CosineAnnealingLR's T_max, OneCycleLR's
    total_steps) defaults to max_epochs, or max_epochs x steps_per_epoch for one stepped
    per batch; max_lr defaults to lr; the interval defaults to the scheduler's own (per
    batch for OneCycleLR and CyclicLR).
    """
    owner = type(est).__name__
    name = est.lr_scheduler
    if name is None:
        return None, "epoch"
    # the registry files a class under "scheduler" only when it subclasses LRScheduler
    schedulers = cast("dict[str, type[LRScheduler]]", classes("scheduler"))
    cls = schedulers.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"{owner}(lr_scheduler={name!r}): expected one of "
                         f"{', '.join(sorted(schedulers))}")
    kwargs = dict(est.lr_scheduler_kwargs or {})
    if _takes(cls, "max_lr"):
        kwargs.setdefault("max_lr", float(est.lr))
    interval = est.scheduler_interval
    if interval is None:
        interval = cls.interval
    if interval not in ("epoch", "step"):
        raise ValueError(f"{owner}(scheduler_interval={interval!r}): expected 'epoch', "
                         "'step' or None")
    epochs = int(est.max_epochs)
    try:
        return scheduler_with_length(
            cls, optimizer, kwargs,
            lambda every: epochs if every == "epoch" else epochs * int(steps_per_epoch),
            interval), interval
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{owner}(lr_scheduler={name!r}, lr_scheduler_kwargs={kwargs}): "
                         f"{exc}") from None
