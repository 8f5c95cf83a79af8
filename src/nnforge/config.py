"""TOML experiment configs: read, validate (pydantic v2, unknown keys forbidden) and report
every mistake as one line naming the file, the dotted key and the problem.

    seed = 0
    name = "digits-mlp"
    [data]
    dataset = "digits"             # iris, wine, breast_cancer, diabetes, fashion_mnist, mnist,
    scaler = "standard"            # csv, npz, xor, spirals, circles, blobs, sine
    [model]
    layers = [{type = "Linear", in_features = 64, out_features = 10}]
    [loss]
    type = "CrossEntropyLoss"
    [optimizer]
    type = "Adam"
    lr = 1e-3
    [train]
    epochs = 30
    batch_size = 32
    early_stopping = {monitor = "val_loss", patience = 5}

`[model].layers` entries name any `nnforge.nn` class by `type`; the other keys are its
constructor's keyword arguments (checked against its signature), and containers
(Sequential, ModuleList, Residual) take a nested `layers` list. `[loss]`, `[optimizer]`,
`[scheduler]` and `[[data.augmentation]]` work the same way with `nnforge.nn` losses,
`nnforge.optim` optimizers, `nnforge.optim.lr_scheduler` classes and `nnforge.data`
transforms. The schema is pydantic; the class/argument checks need the library itself and
run after it (`check_components`), and they build each optimizer, scheduler, schedule and
transform once on a dummy parameter so a bad value (a negative lr, momentum 1.5) is
reported with its key path in the library's own words.

Training-loop options (see `train.stepping`):

    [optimizer]
    type = "SGD"
    lr = 0.1
    momentum = 0.9
    l2 = 1e-4                      # penalty l2*||w||^2 (weight_decay = 2*l2), weights only
    l1 = 1e-5                      # penalty l1*||w||_1, weights only
    regularize_biases = false      # true: biases and normalization parameters too
    [scheduler]                    # any optim.lr_scheduler class; interval inferred
    type = "OneCycleLR"            # (per batch for CyclicLR/OneCycleLR), total_steps too
    max_lr = 0.5
    [momentum_schedule]            # linear ramp, or piecewise `values`/`milestones`
    start = 0.5
    end = 0.9
    total_steps = 10
    [batch_size_schedule]          # batch x factor at each milestone epoch
    milestones = [10, 20]
    factor = 5
    [train]
    accumulate_steps = 4           # 4 micro-batches per update
    clip_grad_norm = 1.0
    [data]
    augmentation = [{type = "RandomCrop", size = 8, padding = 1}]
    batch_augment = 2              # two augmented copies of each sample per batch
"""
import difflib
import inspect
import os
import re
import tomllib
from typing import Any, Literal, Optional, Union

from pydantic import (BaseModel, ConfigDict, Field, NonNegativeFloat, NonNegativeInt,
                      PositiveFloat, PositiveInt, ValidationError, field_validator,
                      model_validator)

__all__ = ["ConfigError", "Config", "DataConfig", "ModelConfig", "TrainConfig",
           "EarlyStoppingConfig", "ComponentSpec", "load_config", "parse_config",
           "check_components", "module_classes", "loader_function", "training_components",
           "DATASETS"]

DATASETS = ("digits", "iris", "wine", "breast_cancer", "diabetes", "fashion_mnist", "mnist",
            "csv", "npz", "xor", "spirals", "circles", "blobs", "sine")
CONTAINERS = ("Sequential", "ModuleList", "Residual")


class ConfigError(ValueError):
    """A config mistake; the message is one line: "<file>: <dotted.key>: <problem>"."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class ComponentSpec(BaseModel):
    """`type` names a class; every other key is a constructor argument of it."""

    model_config = ConfigDict(extra="allow")
    type: str

    @property
    def args(self):
        return dict(self.model_extra or {})


class LossSpec(ComponentSpec):
    type: str = "CrossEntropyLoss"


class OptimizerSpec(ComponentSpec):
    """`l1`/`l2` regularize weights only unless `regularize_biases`; see
    `optim.regularized_param_groups`."""

    type: str = "Adam"
    l1: Optional[NonNegativeFloat] = None
    l2: Optional[NonNegativeFloat] = None
    regularize_biases: bool = False


class SchedulerSpec(ComponentSpec):
    """`interval` None: the scheduler's own (per batch for CyclicLR and OneCycleLR);
    `monitor`: what ReduceLROnPlateau watches (default val_loss, else loss)."""

    interval: Optional[Literal["epoch", "step"]] = None
    monitor: Optional[str] = None


class MomentumScheduleConfig(_Section):
    """Momentum (SGD, RMSprop) or beta1 (Adam) per epoch: a linear ramp start -> end over
    `total_steps` steps, or `values[i]` from `milestones[i-1]` on."""

    start: float = Field(0.5, ge=0, lt=1)
    end: float = Field(0.9, ge=0, lt=1)
    total_steps: NonNegativeInt = 10
    values: Optional[list[float]] = None
    milestones: Optional[list[NonNegativeInt]] = None
    interval: Literal["epoch", "step"] = "epoch"


class BatchSizeScheduleConfig(_Section):
    """Batch size `initial` (default train.batch_size) times `factor` at each milestone
    epoch, at most `max_batch_size` (then the LR shrinks instead)."""

    initial: Optional[PositiveInt] = None
    milestones: list[NonNegativeInt]
    factor: float = Field(2.0, ge=1)
    max_batch_size: Optional[PositiveInt] = None


class DataConfig(_Section):
    dataset: Literal[DATASETS] = "digits"
    path: Optional[str] = None
    target: Optional[Union[int, str]] = None
    task: Optional[Literal["classification", "regression"]] = None
    x_key: str = "X"
    y_key: str = "y"
    split: list[float] = Field(default_factory=lambda: [0.6, 0.2, 0.2])
    split_seed: Optional[NonNegativeInt] = None
    stratify: bool = True
    scaler: Literal["standard", "minmax", "none"] = "standard"
    flatten: bool = False
    options: dict[str, Any] = Field(default_factory=dict)
    augmentation: list[ComponentSpec] = Field(default_factory=list)
    batch_augment: Optional[PositiveInt] = None

    @field_validator("split")
    @classmethod
    def _fractions(cls, value):
        if len(value) != 3 or any(f < 0 for f in value) or value[0] <= 0 or \
                abs(sum(value) - 1) > 1e-6:
            raise ValueError(f"expected three train/val/test fractions >= 0 summing to 1 "
                             f"with a non-empty train part, got {list(value)}")
        return value

    @model_validator(mode="after")
    def _needs_path(self):
        if self.dataset in ("csv", "npz") and not self.path:
            raise ValueError(f"dataset {self.dataset!r} needs `path`")
        if self.dataset == "csv" and self.target is None:
            raise ValueError("dataset 'csv' needs `target` (the label column's name or index)")
        return self


class ModelConfig(_Section):
    layers: list[ComponentSpec] = Field(min_length=1)
    dtype: Literal["float32", "float64"] = "float32"


class EarlyStoppingConfig(_Section):
    monitor: str = "val_loss"
    patience: NonNegativeInt = 0
    min_delta: NonNegativeFloat = 0.0
    mode: Literal["auto", "min", "max"] = "auto"
    restore_best_weights: bool = True
    criterion: Literal["patience", "GL", "PQ", "UP", "none"] = "patience"
    alpha: Optional[NonNegativeFloat] = None
    strip: PositiveInt = 5
    s: Optional[PositiveInt] = None

    @model_validator(mode="after")
    def _consistent(self):
        from .train.early_stopping import EarlyStopping

        EarlyStopping(**self.model_dump())          # raises ValueError naming the problem
        return self


class TrainConfig(_Section):
    epochs: PositiveInt = 10
    batch_size: Optional[PositiveInt] = 32
    shuffle: bool = True
    metrics: list[str] = Field(default_factory=lambda: ["accuracy"])
    early_stopping: Optional[EarlyStoppingConfig] = None
    nan_guard: bool = True
    guards: bool = True                 # dead-ReLU / exploding-gradient / label guards
    silence: list[str] = Field(default_factory=list)   # guard codes silenced during fit
    eval_batch_size: PositiveInt = 256
    log_interval: Optional[PositiveInt] = None      # a progress line every N batches
    accumulate_steps: PositiveInt = 1
    clip_grad_norm: Optional[PositiveFloat] = None
    clip_grad_value: Optional[PositiveFloat] = None

    @field_validator("batch_size", mode="before")
    @classmethod
    def _full_batch(cls, value):
        return None if value == "full" else value      # "full": full-batch gradient descent

    @field_validator("silence")
    @classmethod
    def _guard_codes(cls, value):
        from .mistake_warnings import CODES

        unknown = [code for code in value if code not in CODES]
        if unknown:
            raise ValueError(f"unknown guard code(s) {unknown}; known: {', '.join(CODES)}")
        return value


class Config(_Section):
    name: str = "run"
    seed: NonNegativeInt = 0
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig
    loss: LossSpec = Field(default_factory=LossSpec)
    optimizer: OptimizerSpec = Field(default_factory=OptimizerSpec)
    scheduler: Optional[SchedulerSpec] = None
    momentum_schedule: Optional[MomentumScheduleConfig] = None
    batch_size_schedule: Optional[BatchSizeScheduleConfig] = None
    train: TrainConfig = Field(default_factory=TrainConfig)


# --- reading and error reporting ------------------------------------------------------------
def load_config(path):
    """Read and validate the TOML file at `path`; ConfigError (one line) on any mistake."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ConfigError(f"{path}: no such config file")
    if os.path.isdir(path):
        raise ConfigError(f"{path}: is a directory, expected a .toml config file")
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a text file ({exc.reason})") from None
    if "name" not in raw:
        raw["name"] = os.path.splitext(os.path.basename(path))[0]
    return parse_config(raw, source=path)


def parse_config(mapping, source="<config>"):
    """Validate a config mapping (parsed TOML or a resolved config.json)."""
    if not isinstance(mapping, dict):
        raise ConfigError(f"{source}: expected a table of settings, got "
                          f"{type(mapping).__name__}")
    try:
        config = Config.model_validate(mapping)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc)}") from None
    check_components(config, source)
    return config


def _describe(exc):
    errors = exc.errors(include_url=False)
    first = errors[0]
    path, model = _dotted(first["loc"])
    kind, msg = first["type"], first["msg"]
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields) if model is not None else "?"
        problem = f"unknown key (allowed: {allowed})"
    elif kind == "missing":
        problem = "required key is missing"
    else:
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        shown = first.get("input")
        problem = msg if kind == "value_error" or isinstance(shown, dict) else \
            f"{msg} (got {shown!r})"
    more = len({_dotted(e["loc"])[0] for e in errors} - {path})
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{path or '<top level>'}: {problem}{suffix}"


def _dotted(loc):
    """(dotted path, model class owning the last key) for a pydantic error location,
    dropping the union-member tags pydantic inserts."""
    parts, model = [], Config
    owner = Config
    for part in loc:
        if isinstance(part, int):
            parts.append(str(part))
            continue
        if model is not None and part in model.model_fields:
            parts.append(part)
            owner = model
            model = _inner_model(model.model_fields[part].annotation)
        elif model is not None and model.model_config.get("extra") == "allow":
            parts.append(part)
        elif model is not None:              # an unknown key of `model`
            parts.append(part)
            owner = model
            model = None
        # else: a tag inside a leaf (e.g. "int" of Union[int, str]); not part of the path
    return ".".join(parts), owner


def _inner_model(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


# --- checking classes and their arguments -----------------------------------------------------
def loader_function(dataset):
    """The `nnforge.data` function that loads `data.dataset` (e.g. "digits" -> load_digits,
    "xor" -> make_xor, "npz" -> load_arrays)."""
    from . import data

    name = {"npz": "load_arrays"}.get(dataset)
    if name is None:
        name = f"make_{dataset}" if hasattr(data, f"make_{dataset}") else f"load_{dataset}"
    return getattr(data, name)


def _signature_keys(cls, skip, signature_of=None):
    """(allowed keyword names, required names, accepts **kwargs) of `cls.__init__` (or of
    the function `signature_of`)."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:] \
        if signature_of is None else list(inspect.signature(signature_of).parameters.values())
    allowed, required, var_kw = [], [], False
    for p in params:
        if p.kind is p.VAR_KEYWORD:
            var_kw = True
        elif p.kind is p.VAR_POSITIONAL or p.name in skip:
            continue
        else:
            allowed.append(p.name)
            if p.default is p.empty:
                required.append(p.name)
    return allowed, required, var_kw


def _suggest(name, choices):
    """The choice a typo most likely meant: same name up to case, then a choice the name
    starts (e.g. "acc" -> "accuracy"), then the closest by difflib; None if nothing fits."""
    lowered = str(name).lower()
    for test in (lambda c: c.lower() == lowered, lambda c: c.lower().startswith(lowered)):
        found = [c for c in choices if test(c)]
        if found:
            return found[0]
    close = difflib.get_close_matches(str(name), list(choices), n=1)
    return close[0] if close else None


def _lookup(namespace, name, path, what, choices):
    """The class `name` from `namespace` (a module or a dict), or a ConfigError suggesting
    the closest of `choices`."""
    get = namespace.get if isinstance(namespace, dict) else \
        (lambda key, default: getattr(namespace, key, default))
    cls = get(name, None) if name in choices else None
    if cls is None:
        close = _suggest(name, choices)
        hint = f" (did you mean {close!r}?)" if close else ""
        raise ConfigError(f"{path}.type: unknown {what} {name!r}{hint}")
    return cls


def _check_args(cls, args, path, skip=("generator",), extra_allowed=(), signature_of=None):
    allowed, required, var_kw = _signature_keys(cls, skip, signature_of)
    for key in args:
        if key not in allowed and key not in extra_allowed and not var_kw:
            names = ", ".join(([] if signature_of else ["type"]) + [*allowed, *extra_allowed])
            names = names or f"none: {getattr(signature_of or cls, '__name__', '?')} takes none"
            raise ConfigError(f"{path}.{key}: unknown key (allowed: {names})")
    missing = [k for k in required if k not in args and k not in extra_allowed]
    if missing and signature_of is None:
        raise ConfigError(f"{path}: {cls.__name__} needs {', '.join(missing)}")


def module_classes():
    """name -> Module subclass for every public class of `nnforge.nn` and of its conv,
    pooling and normalization modules (layers and losses a config may name)."""
    import importlib

    from .nn import Module

    found = {}
    for module_name in ("nnforge.nn", "nnforge.nn.conv", "nnforge.nn.pooling",
                        "nnforge.nn.normalization"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for n in dir(module):
            obj = getattr(module, n)
            if not n.startswith("_") and isinstance(obj, type) and issubclass(obj, Module) \
                    and obj is not Module:
                found.setdefault(n, obj)
    return found


def _check_layers(layers, path, nn, names):
    for i, spec in enumerate(layers):
        where = f"{path}.{i}"
        if isinstance(spec, dict):
            if "type" not in spec:
                raise ConfigError(f"{where}.type: required key is missing")
            spec = ComponentSpec.model_validate(spec)
        cls = _lookup(nn, spec.type, where, "layer", names)
        args = spec.args
        if spec.type in CONTAINERS:
            nested = args.get("layers")
            if not isinstance(nested, list) or not nested:
                raise ConfigError(f"{where}.layers: {spec.type} needs a non-empty list of "
                                  "layers")
            unknown = sorted(set(args) - {"layers"})
            if unknown:
                raise ConfigError(f"{where}.{unknown[0]}: unknown key (allowed: type, layers)")
            _check_layers(nested, f"{where}.layers", nn, names)
        else:
            _check_args(cls, args, where)


def check_components(config, source="<config>"):
    """Check that every `type` names a real class and its keys fit the constructor, that
    metric names exist and that early stopping monitors a logged quantity."""
    try:
        _check_components(config)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _check_components(config):
    from . import data as data_module
    from . import optim
    from .data import Transform
    from .optim import Optimizer, lr_scheduler
    from .train.metrics import METRICS, metric_names

    classes = module_classes()
    layer_names = sorted(n for n in classes if not n.endswith("Loss"))
    _check_layers(config.model.layers, "model.layers", classes, layer_names)

    losses = sorted(n for n in classes if n.endswith("Loss"))
    _check_args(_lookup(classes, config.loss.type, "loss", "loss", losses), config.loss.args,
                "loss")

    optimizers = sorted(n for n in dir(optim) if isinstance(getattr(optim, n), type)
                        and issubclass(getattr(optim, n), Optimizer) and n != "Optimizer")
    _check_args(_lookup(optim, config.optimizer.type, "optimizer", "optimizer", optimizers),
                config.optimizer.args, "optimizer", skip=("params",))

    if config.scheduler is not None:
        schedulers = sorted(n for n in dir(lr_scheduler) if not n.startswith("_")
                            and isinstance(getattr(lr_scheduler, n), type)
                            and hasattr(getattr(lr_scheduler, n), "step"))
        cls = _lookup(lr_scheduler, config.scheduler.type, "scheduler", "scheduler", schedulers)
        _check_args(cls, config.scheduler.args, "scheduler", skip=("optimizer",))

    loader = loader_function(config.data.dataset)
    skip = ("directory", "path", "target", "task", "x_key", "y_key", "flatten", "generator")
    _check_args(loader, config.data.options, "data.options", skip=skip, signature_of=loader)

    transforms = sorted(n for n in dir(data_module) if isinstance(getattr(data_module, n), type)
                        and issubclass(getattr(data_module, n), Transform)
                        and n not in ("Transform", "Compose"))
    for i, spec in enumerate(config.data.augmentation):
        cls = _lookup(data_module, spec.type, f"data.augmentation.{i}", "transform", transforms)
        _check_args(cls, spec.args, f"data.augmentation.{i}")

    for i, metric in enumerate(config.train.metrics):
        if metric not in METRICS:
            close = _suggest(metric, metric_names())
            hint = f"did you mean {close!r}? " if close else ""
            raise ConfigError(f"train.metrics.{i}: unknown metric {metric!r} ({hint}available: "
                              f"{', '.join(metric_names())})")

    es = config.train.early_stopping
    if es is not None:
        logged = ["loss", *config.train.metrics]
        logged += [f"val_{k}" for k in logged]
        if es.monitor not in logged:
            raise ConfigError(f"train.early_stopping.monitor: {es.monitor!r} is not logged "
                              f"(available: {', '.join(logged)})")
        if config.data.split[1] == 0 and es.monitor.startswith("val_"):
            raise ConfigError(f"train.early_stopping.monitor: {es.monitor!r} needs a "
                              "validation split, but data.split gives it 0")

    _check_training(config)


# --- building the training objects once, on a dummy parameter --------------------------------
def _value_error(path, args, exc):
    """ConfigError "<path>.<key>: <message>" for a constructor's ValueError/TypeError,
    naming the argument the message names ("SGD(lr=-1): ..."), else just <path>."""
    message = " ".join(str(exc).split())
    found = re.search(r"\((\w+)(?:=|\))", message)
    key = found.group(1) if found and found.group(1) in args else next(
        (k for k in args if re.search(rf"\b{re.escape(k)}\b", message)), None)
    return ConfigError(f"{path}.{key}: {message}" if key else f"{path}: {message}")


def _build(factory, path, args):
    try:
        return factory()
    except (TypeError, ValueError, KeyError) as exc:
        raise _value_error(path, args, exc) from None


def training_components(config, params, model=None, steps_per_epoch=None):
    """(optimizer, scheduler, momentum scheduler, batch-size schedule) for the config, over
    `params` (or `model`'s parameters, regularized per [optimizer] l1/l2). Used by the
    build (real model) and by the checks (dummy parameter). `steps_per_epoch(epoch)` gives
    the updates of each epoch, to fill OneCycleLR's total_steps when the config omits it."""
    from . import optim
    from .optim import BatchSizeSchedule, MomentumScheduler, lr_scheduler, schedules

    spec = config.optimizer
    args = spec.args
    if spec.l2 and "weight_decay" in args:
        raise ConfigError("optimizer.l2: give l2 (the penalty l2*||w||^2) or weight_decay "
                          "(= 2*l2), not both")
    cls = getattr(optim, spec.type)
    if (spec.l1 or spec.l2) and model is not None:
        exempt = () if spec.regularize_biases else ("bias", "norm")
        params = _build(lambda: optim.regularized_param_groups(
            model, weight_decay=args.get("weight_decay", 0.0), l1=spec.l1 or 0.0,
            exempt=exempt, l2=spec.l2 or None), "optimizer", {"l1": 1, "l2": 1})
        args = {k: v for k, v in args.items() if k != "weight_decay"}
    elif spec.l1 or spec.l2:
        args = dict(args, l1=spec.l1 or 0.0, weight_decay=2.0 * (spec.l2 or 0.0)
                    or args.get("weight_decay", 0))
    optimizer = _build(lambda: cls(params, **args), "optimizer", {**args, "l1": 1, "l2": 1})

    schedule = None
    bss = config.batch_size_schedule
    if bss is not None:
        initial = bss.initial if bss.initial is not None else config.train.batch_size
        if initial is None:
            raise ConfigError("batch_size_schedule.initial: needed when train.batch_size is "
                              "'full' (full-batch training has no batch size to grow)")
        values = bss.model_dump()
        schedule = _build(lambda: BatchSizeSchedule(initial, bss.milestones, bss.factor,
                                                    bss.max_batch_size),
                          "batch_size_schedule", values)

    scheduler = None
    if config.scheduler is not None:
        s_args = dict(config.scheduler.args)
        s_cls = getattr(lr_scheduler, config.scheduler.type)
        if s_cls.__name__ == "OneCycleLR" and "total_steps" not in s_args and \
                "steps_per_epoch" not in s_args:
            epochs = config.train.epochs
            s_args["total_steps"] = (1 if steps_per_epoch is None else
                                     sum(steps_per_epoch(e) for e in range(epochs)))
        scheduler = _build(lambda: s_cls(optimizer, **s_args), "scheduler", s_args)

    momentum = None
    ms = config.momentum_schedule
    if ms is not None:
        ramp = None
        if ms.values is not None or ms.milestones is not None:
            ramp = _build(lambda: schedules.piecewise_constant(ms.values or [],
                                                                ms.milestones or []),
                          "momentum_schedule", {"values": 1})
        momentum = _build(lambda: MomentumScheduler(optimizer, ramp, start=ms.start,
                                                    end=ms.end, total_steps=ms.total_steps),
                          "momentum_schedule", ms.model_dump())
    return optimizer, scheduler, momentum, schedule


def _check_training(config):
    """Build the optimizer, schedules and transforms once on a dummy parameter, and check
    the keys that depend on each other."""
    import numpy as np

    from . import data as data_module
    from .autograd import Tensor
    from .data import BatchAugment

    dummy = [Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)]
    optimizer, scheduler, _, batch_schedule = training_components(config, dummy)
    if batch_schedule is not None and scheduler is not None and \
            any(batch_schedule.lr_scale(e) != 1.0 for e in range(config.train.epochs)):
        raise ConfigError("batch_size_schedule.max_batch_size: the batch stops growing at "
                          f"{batch_schedule.max_batch_size} and the LR takes the rest of the "
                          f"factor, which [scheduler] ({config.scheduler.type}) would overwrite;"
                          " raise max_batch_size or drop one of the two schedules")
    if config.momentum_schedule is not None and getattr(scheduler, "cycle_momentum", False):
        raise ConfigError(f"momentum_schedule: {config.scheduler.type} already cycles the "
                          "momentum; set scheduler.cycle_momentum = false or drop "
                          "[momentum_schedule]")
    if scheduler is not None:
        needs_metric = getattr(scheduler, "needs_metric", False)
        if needs_metric and config.scheduler.interval == "step":
            raise ConfigError(f"scheduler.interval: {config.scheduler.type} needs the monitored "
                              "metric, which exists once per epoch; use interval = \"epoch\"")
        monitor = config.scheduler.monitor
        if monitor is not None:
            if not needs_metric:
                raise ConfigError(f"scheduler.monitor: {config.scheduler.type} does not use a "
                                  "metric (only ReduceLROnPlateau does)")
            logged = ["loss", *config.train.metrics]
            logged += [f"val_{k}" for k in logged]
            if monitor not in logged:
                raise ConfigError(f"scheduler.monitor: {monitor!r} is not logged (available: "
                                  f"{', '.join(logged)})")
            if config.data.split[1] == 0 and monitor.startswith("val_"):
                raise ConfigError(f"scheduler.monitor: {monitor!r} needs a validation split, "
                                  "but data.split gives it 0")
    transforms = []
    for i, spec in enumerate(config.data.augmentation):
        cls = getattr(data_module, spec.type)
        transforms.append(_build(lambda: cls(**spec.args), f"data.augmentation.{i}", spec.args))
    if config.data.batch_augment is not None:
        if not transforms:
            raise ConfigError("data.batch_augment: needs data.augmentation (the transform each "
                              "copy of a sample goes through)")
        BatchAugment(data_module.Compose(transforms), config.data.batch_augment)
    tc = config.train
    if tc.clip_grad_norm is not None or tc.clip_grad_value is not None or \
            tc.accumulate_steps != 1:
        from .train.stepping import UpdatePlan
        _build(lambda: UpdatePlan(optimizer, accumulate_steps=tc.accumulate_steps,
                                  clip_grad_norm=tc.clip_grad_norm,
                                  clip_grad_value=tc.clip_grad_value), "train",
               {"accumulate_steps": 1, "clip_grad_norm": 1, "clip_grad_value": 1})
