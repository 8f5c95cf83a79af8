"""The one way to build a run's objects from a config: model, loss, optimizer (with its
l1/l2 groups), LR scheduler, momentum and batch-size schedules, augmentation, callbacks
and the Trainer. `nnforge train`, the tuner and the scikit-learn estimators all build
through these functions.

Each component is constructed once, on the real model, inside `constructing(path)`: the
constructor validates its own arguments, and a refusal becomes a one-line ConfigError
naming the dotted key (``optimizer.lr: SGD(lr=-0.1): lr must be ...``).
"""
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .. import data as D
from .. import optim
from ..nn import Module, ModuleList, Residual, Sequential
from ..optim import BatchSizeSchedule, MomentumScheduler, schedules
from ..optim.lr_scheduler import LRScheduler
from ..train import Callback, EarlyStopping, ThresholdStopping, TimeStopping, Trainer
from ..train.stepping import cycles_momentum, lr_scale_conflict
from .errors import ConfigError, constructing
from .registry import CONTAINERS, lookup, lookup_scheduler

if TYPE_CHECKING:                    # the schema needs pydantic; the factory does not
    from .schema import ComponentSpec, Config, ModelConfig, OptimizerSpec

__all__ = ["Training", "build_training", "build_model", "build_loss", "build_optimizer",
           "scheduler_with_length", "build_batch_size_schedule", "build_momentum_scheduler",
           "build_transform", "build_callbacks", "build_layers", "construct",
           "updates_per_epoch"]


def construct(cls: type, args: dict[str, Any], path: str, generator: Any = None,
              owner: bool = False) -> Any:
    """``cls(**args)`` (plus ``generator=`` when it takes one), refusals as ConfigError.

    Parameters
    ----------
    cls : type
        The class to build.
    args : dict
        Its keyword arguments, from the config.
    path : str
        Dotted config path of the component, named in the error.
    generator : numpy.random.Generator, optional
        Passed when the constructor has a ``generator`` parameter.
    owner : bool
        Name the class after the path in errors that name no argument (layers, losses).

    Returns
    -------
    object
        The new instance.
    """
    kwargs = dict(args)
    if generator is not None and "generator" in inspect.signature(cls).parameters:
        kwargs["generator"] = generator
    with constructing(path, cls.__name__ if owner else None):
        return cls(**kwargs)


def build_layers(specs: list, path: str, generator: Any) -> list[Module]:
    """The layers of a ``layers`` list (specs or ``{"type": ..., **args}`` dicts).

    Parameters
    ----------
    specs : list
        ComponentSpec objects or plain dicts; containers hold a nested ``layers`` list.
    path : str
        Dotted path of the list, e.g. ``"model.layers"``.
    generator : numpy.random.Generator
        Handed to every layer that takes one.

    Returns
    -------
    list of Module
    """
    layers = []
    for i, spec in enumerate(specs):
        name, args = (spec["type"], {k: v for k, v in spec.items() if k != "type"}) \
            if isinstance(spec, dict) else (spec.type, spec.args)
        where = f"{path}.{i}"
        cls = lookup("layer", name, where)
        if cls not in CONTAINERS:
            layers.append(construct(cls, args, where, generator, owner=True))
            continue
        children = build_layers(args["layers"], f"{where}.layers", generator)
        container: Callable[..., Module] = cls      # a container class from the registry
        if issubclass(cls, Residual):
            layers.append(container(children[0] if len(children) == 1
                                    else Sequential(*children)))
        elif issubclass(cls, ModuleList):
            layers.append(container(children))
        else:
            layers.append(container(*children))
    return layers


def build_model(model: "ModelConfig", generator: Any) -> Sequential:
    """A `Sequential` of the ``[model].layers`` specs, in the configured dtype.

    Parameters
    ----------
    model : ModelConfig
        The ``[model]`` section.
    generator : numpy.random.Generator
        Handed to every layer that draws random numbers (initialization, dropout).

    Returns
    -------
    Sequential
    """
    built = Sequential(*build_layers(model.layers, "model.layers", generator))
    if model.dtype == "float64":
        built.to(np.float64)
    return built


def build_loss(spec: "ComponentSpec", generator: Any = None) -> Module:
    """The ``[loss]`` object.

    Parameters
    ----------
    spec : ComponentSpec
        The ``[loss]`` section.
    generator : numpy.random.Generator, optional

    Returns
    -------
    Module
    """
    return construct(lookup("loss", spec.type, "loss"), spec.args, "loss", generator,
                     owner=True)


def build_optimizer(spec: "OptimizerSpec", model: Module, path: str = "optimizer"
                    ) -> optim.Optimizer:
    """The ``[optimizer]`` over `model`'s parameters.

    With ``l1``/``l2`` the parameters are split by `optim.regularized_param_groups`:
    weights get the penalty, biases and normalization parameters do not (unless
    ``regularize_biases``).

    Parameters
    ----------
    spec : OptimizerSpec
        The ``[optimizer]`` section.
    model : Module
        The model whose parameters are optimized.
    path : str
        Dotted path named in errors.

    Returns
    -------
    Optimizer
    """
    cls, args = lookup("optimizer", spec.type, path), dict(spec.args)
    params: Any = model.parameters()
    if spec.l1 or spec.l2:
        exempt = () if spec.regularize_biases else ("bias", "norm")
        with constructing(path):
            params = optim.regularized_param_groups(
                model, weight_decay=args.pop("weight_decay", 0.0), l1=spec.l1 or 0.0,
                exempt=exempt, l2=spec.l2 or None)
    return construct(cls, {"params": params, **args}, path)


def updates_per_epoch(config: "Config", n_train: int,
                      schedule: Optional[BatchSizeSchedule]) -> Callable[[int], int]:
    """epoch -> parameter updates in that epoch (batches / accumulate_steps, rounded up).

    Parameters
    ----------
    config : Config
    n_train : int
        Training rows.
    schedule : BatchSizeSchedule or None
        The batch-size schedule, if any.

    Returns
    -------
    callable
    """
    def updates(epoch: int) -> int:
        size = config.train.batch_size if schedule is None else schedule.batch_size(epoch)
        batches = 1 if size is None else -(-n_train // size)
        return -(-batches // config.train.accumulate_steps)
    return updates


def build_batch_size_schedule(config: "Config") -> Optional[BatchSizeSchedule]:
    """The ``[batch_size_schedule]`` (initial size: ``train.batch_size`` unless given)."""
    bss = config.batch_size_schedule
    if bss is None:
        return None
    initial = bss.initial if bss.initial is not None else config.train.batch_size
    return construct(BatchSizeSchedule, dict(initial=initial, milestones=bss.milestones,
                                             factor=bss.factor,
                                             max_batch_size=bss.max_batch_size),
                     "batch_size_schedule")


def scheduler_with_length(cls: type[LRScheduler], optimizer: optim.Optimizer, args: dict[str, Any],
                          length: Callable[[str], int], interval: Optional[str] = None
                          ) -> LRScheduler:
    """An LR scheduler, its length filled in when the arguments leave it out.

    A scheduler class names the argument that holds its length (``length_argument``:
    OneCycleLR's ``total_steps``); when it is missing (and OneCycleLR's alternative
    ``steps_per_epoch`` is too), it is set to ``length(interval)``: the run's epochs for
    a per-epoch scheduler, its parameter updates for a per-batch one.

    Parameters
    ----------
    cls : type
        The scheduler class.
    optimizer : Optimizer
    args : dict
        Keyword arguments from the config or estimator.
    length : callable
        ``length("epoch" | "step")`` -> the run's epochs or updates.
    interval : {"epoch", "step"} or None
        How it will be stepped (None: the class's own ``interval``).

    Returns
    -------
    LRScheduler
        Errors are the constructor's own (ValueError, TypeError).
    """
    args = dict(args)
    name = getattr(cls, "length_argument", None)
    if name and name not in args and "steps_per_epoch" not in args:
        args[name] = length(interval or cls.interval)
    return cls(optimizer, **args)


def build_momentum_scheduler(config: "Config", optimizer: optim.Optimizer,
                             scheduler: Any) -> Optional[MomentumScheduler]:
    """The ``[momentum_schedule]``: a linear ramp, or piecewise ``values``."""
    ms = config.momentum_schedule
    if ms is None:
        return None
    if config.scheduler is not None and cycles_momentum(scheduler):
        raise ConfigError(f"momentum_schedule: {config.scheduler.type} already cycles the "
                          "momentum; set scheduler.cycle_momentum = false or drop "
                          "[momentum_schedule]")
    ramp = None
    if ms.values is not None or ms.milestones is not None:
        with constructing("momentum_schedule"):
            ramp = schedules.piecewise_constant(ms.values or [], ms.milestones or [])
    return construct(MomentumScheduler, dict(optimizer=optimizer, schedule=ramp,
                                             start=ms.start, end=ms.end,
                                             total_steps=ms.total_steps),
                     "momentum_schedule")


def build_transform(section: Any) -> Optional[D.Transform]:
    """The ``[data].augmentation`` transforms composed (and batch-augmented), or None."""
    if not section.augmentation:
        return None
    transforms = [construct(lookup("transform", spec.type, f"data.augmentation.{i}"),
                            spec.args, f"data.augmentation.{i}")
                  for i, spec in enumerate(section.augmentation)]
    transform: Any = D.Compose(transforms)
    if section.batch_augment is not None:
        transform = D.BatchAugment(transform, section.batch_augment)
    return transform


def build_callbacks(config: "Config", has_val: bool) -> list[Callback]:
    """EarlyStopping, TimeStopping and ThresholdStopping from ``[train]``, as configured."""
    callbacks: list[Callback] = []
    train = config.train
    es = train.early_stopping
    if es is not None:
        if not has_val and es.monitor.startswith("val_"):
            raise ConfigError(f"train.early_stopping.monitor: {es.monitor!r} needs a "
                              "validation split")
        callbacks.append(EarlyStopping(**es.model_dump()))
    if train.time_budget is not None:
        callbacks.append(TimeStopping(train.time_budget))
    if train.stop_threshold is not None:
        callbacks.append(ThresholdStopping(**train.stop_threshold))
    return callbacks


@dataclass
class Training:
    """What `build_training` makes for a model: everything but the data.

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge.config import parse_config
    >>> config = parse_config({"model": {"layers": [{"type": "Linear", "in_features": 4,
    ...                                              "out_features": 3}]},
    ...                        "optimizer": {"type": "SGD", "lr": 0.1}})
    >>> generator = np.random.default_rng(0)
    >>> parts = build_training(config, build_model(config.model, generator), 100, True,
    ...                        generator)
    >>> type(parts.loss_fn).__name__, type(parts.optimizer).__name__, parts.scheduler
    ('CrossEntropyLoss', 'SGD', None)
    >>> parts.trainer.optimizer is parts.optimizer
    True
    """

    loss_fn: Module
    optimizer: optim.Optimizer
    scheduler: Any
    momentum_scheduler: Optional[MomentumScheduler]
    batch_size_schedule: Optional[BatchSizeSchedule]
    transform: Optional[D.Transform]
    callbacks: list[Callback]
    trainer: Trainer


def _schedules(config: "Config", optimizer: optim.Optimizer, n_train: int) -> tuple:
    batch_schedule = build_batch_size_schedule(config)
    scheduler = None
    if config.scheduler is not None:
        spec = config.scheduler
        updates = updates_per_epoch(config, n_train, batch_schedule)
        epochs = config.train.epochs
        with constructing("scheduler"):
            scheduler = scheduler_with_length(
                lookup_scheduler(spec.type, "scheduler"), optimizer, spec.args,
                lambda interval: epochs if interval == "epoch" else
                sum(updates(e) for e in range(epochs)), spec.interval)
        if batch_schedule is not None and lr_scale_conflict(batch_schedule, epochs):
            raise ConfigError(
                "batch_size_schedule.max_batch_size: the batch stops growing at "
                f"{batch_schedule.max_batch_size} and the LR takes the rest of the factor, "
                f"which [scheduler] ({spec.type}) would overwrite; raise max_batch_size or "
                "drop one of the two schedules")
    momentum = build_momentum_scheduler(config, optimizer, scheduler)
    return scheduler, momentum, batch_schedule


def build_training(config: "Config", model: Module, n_train: int, has_val: bool,
                   generator: Any) -> Training:
    """Loss, optimizer, schedules, augmentation, callbacks and the Trainer for `model`.

    Parameters
    ----------
    config : Config
    model : Module
        The model `build_model` made.
    n_train : int
        Training rows (to count the updates a OneCycleLR spans).
    has_val : bool
        Whether there is a validation split.
    generator : numpy.random.Generator
        The run's generator (dropout masks, batch order).

    Returns
    -------
    Training
    """
    tc = config.train
    batches = 1 if tc.batch_size is None else -(-n_train // tc.batch_size)
    if tc.accumulate_steps > batches:
        raise ConfigError(f"train.accumulate_steps: {tc.accumulate_steps} is more than the "
                          f"{batches} batch{'es' if batches > 1 else ''} of an epoch "
                          f"({n_train} training rows, batch_size {tc.batch_size or 'full'}); "
                          f"use at most {batches}")
    loss_fn = build_loss(config.loss, generator)
    optimizer = build_optimizer(config.optimizer, model)
    scheduler, momentum, batch_schedule = _schedules(config, optimizer, n_train)
    transform = build_transform(config.data)
    callbacks = build_callbacks(config, has_val)
    trainer = Trainer(
        model, optimizer, loss_fn, metrics=tuple(tc.metrics), callbacks=callbacks,
        generator=generator, scheduler=scheduler,
        scheduler_interval=config.scheduler.interval if config.scheduler else None,
        nan_guard=tc.nan_guard,
        scheduler_monitor=config.scheduler.monitor if config.scheduler else None,
        momentum_scheduler=momentum,
        momentum_interval=(config.momentum_schedule.interval if config.momentum_schedule
                           else "epoch"),
        batch_size_schedule=batch_schedule, accumulate_steps=tc.accumulate_steps,
        clip_grad_norm=tc.clip_grad_norm, clip_grad_value=tc.clip_grad_value,
        guards=tc.guards)
    return Training(loss_fn, optimizer, scheduler, momentum, batch_schedule,
                    transform, callbacks, trainer)
