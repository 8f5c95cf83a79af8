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

`[model].layers` entries name a registered layer class by `type` (`config.registry`); the
other keys are its constructor's keyword arguments (checked against its signature), and
containers (Sequential, ModuleList, Residual) take a nested `layers` list. `[loss]`,
`[optimizer]`, `[scheduler]` and `[[data.augmentation]]` work the same way with losses,
optimizers, LR schedulers and transforms. This module is the schema (pydantic, unknown
keys forbidden); `config.checks` checks names and keys against the registry, and
`config.factory` builds the objects, where a value a constructor refuses (a negative lr,
momentum 1.5) is reported with its key path in the library's own words.

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
import os
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, Union

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field,
                      PrivateAttr, field_validator, model_validator)

from ..train.early_stopping import EarlyStopping
from ..train.stop_conditions import ThresholdStopping
from ..mistake_warnings import CODES
from .datasets import DATASET_SOURCES

__all__ = ["Config", "DataConfig", "ModelConfig", "TrainConfig", "EarlyStoppingConfig",
           "ComponentSpec", "LossSpec", "OptimizerSpec", "SchedulerSpec",
           "MomentumScheduleConfig", "BatchSizeScheduleConfig", "DATASETS", "LIMITS",
           "limit"]

DATASETS = tuple(DATASET_SOURCES)
if TYPE_CHECKING:
    DatasetName = str
else:     # pydantic reads a Literal built from the table at run time; mypy cannot
    DatasetName = Literal[DATASETS]

#: Upper bounds of counts and sizes. A value beyond one is almost surely a typo (10^12
#: epochs would run for ever); the environment variable NNFORGE_MAX_<KIND> lifts one.
LIMITS = {"epochs": 100_000, "steps": 10_000_000, "size": 10_000_000}

#: the largest seed: the run index stores it as a signed 64-bit integer
MAX_SEED = 2**63 - 1


def limit(kind: str) -> int:
    """The upper bound of `kind` ("epochs", "steps", "size"), NNFORGE_MAX_<KIND> if set."""
    text = os.environ.get(f"NNFORGE_MAX_{kind.upper()}", "")
    return int(text) if text.strip().isdigit() else LIMITS[kind]


def _at_most(kind: str) -> AfterValidator:
    def check(value: Optional[int]) -> Optional[int]:
        bound = limit(kind)
        if value is not None and value > bound:
            raise ValueError(f"{value} is above the limit of {bound} {kind}; if you mean it, "
                             f"lift the limit with the environment variable "
                             f"NNFORGE_MAX_{kind.upper()}")
        return value
    return AfterValidator(check)


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()} (a boolean)")
    return value


# integers are never booleans, and counts and sizes have bounds
Epochs = Annotated[int, BeforeValidator(_not_bool), Field(gt=0), _at_most("epochs")]
Steps = Annotated[int, BeforeValidator(_not_bool), Field(gt=0), _at_most("steps")]
StepsOrZero = Annotated[int, BeforeValidator(_not_bool), Field(ge=0), _at_most("steps")]
Size = Annotated[int, BeforeValidator(_not_bool), Field(gt=0), _at_most("size")]
Seed = Annotated[int, BeforeValidator(_not_bool), Field(ge=0, le=MAX_SEED)]
# rates and factors are finite numbers, never booleans
PositiveFloat = Annotated[float, BeforeValidator(_not_bool), Field(gt=0, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, BeforeValidator(_not_bool),
                             Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, BeforeValidator(_not_bool), Field(ge=0, lt=1, allow_inf_nan=False)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class ComponentSpec(BaseModel):
    """A component a config names: `type` is a registered class, every other key a
    keyword argument of its constructor (checked against its signature later).

    Examples
    --------
    >>> ComponentSpec(type="Linear", in_features=4, out_features=2).args
    {'in_features': 4, 'out_features': 2}
    """

    model_config = ConfigDict(extra="allow")
    type: str

    @property
    def args(self) -> dict[str, Any]:
        """The constructor's keyword arguments: every key but `type`."""
        return dict(self.model_extra or {})


class LossSpec(ComponentSpec):
    """The ``[loss]`` section: a registered loss and its arguments.

    Examples
    --------
    >>> LossSpec().type, LossSpec(type="MSELoss", reduction="sum").args
    ('CrossEntropyLoss', {'reduction': 'sum'})
    """

    type: str = "CrossEntropyLoss"


class OptimizerSpec(ComponentSpec):
    """The ``[optimizer]`` section: a registered optimizer, its arguments, and the L1/L2
    penalties, which regularize weights only unless `regularize_biases` (see
    `optim.regularized_param_groups`).

    Examples
    --------
    >>> spec = OptimizerSpec(type="SGD", lr=0.1, l2=1e-4)
    >>> spec.l2, spec.args
    (0.0001, {'lr': 0.1})
    """

    type: str = "Adam"
    l1: Optional[NonNegativeFloat] = None
    l2: Optional[NonNegativeFloat] = None
    regularize_biases: bool = False


class SchedulerSpec(ComponentSpec):
    """The ``[scheduler]`` section: a registered LR scheduler and its arguments.

    `interval` None: the scheduler's own (per batch for CyclicLR and OneCycleLR);
    `monitor`: what ReduceLROnPlateau watches (default val_loss, else loss).

    Examples
    --------
    >>> spec = SchedulerSpec(type="StepLR", step_size=5)
    >>> spec.interval, spec.args
    (None, {'step_size': 5})
    """

    interval: Optional[Literal["epoch", "step"]] = None
    monitor: Optional[str] = None


class MomentumScheduleConfig(_Section):
    """The ``[momentum_schedule]`` section: momentum (SGD, RMSprop) or beta1 (Adam) per
    epoch, a linear ramp start -> end over `total_steps` steps, or `values[i]` from
    `milestones[i-1]` on.

    Examples
    --------
    >>> schedule = MomentumScheduleConfig(start=0.5, end=0.95, total_steps=20)
    >>> schedule.end, schedule.interval
    (0.95, 'epoch')
    """

    start: Fraction = 0.5
    end: Fraction = 0.9
    total_steps: StepsOrZero = 10
    values: Optional[list[Fraction]] = None
    milestones: Optional[list[StepsOrZero]] = None
    interval: Literal["epoch", "step"] = "epoch"


class BatchSizeScheduleConfig(_Section):
    """The ``[batch_size_schedule]`` section: batch size `initial` (default
    train.batch_size) times `factor` at each milestone epoch, at most `max_batch_size`
    (then the LR shrinks instead).

    Examples
    --------
    >>> BatchSizeScheduleConfig(milestones=[10, 20], factor=5).factor
    5.0
    """

    initial: Optional[Size] = None
    milestones: list[StepsOrZero]
    factor: Annotated[float, BeforeValidator(_not_bool),
                      Field(ge=1, allow_inf_nan=False)] = 2.0
    max_batch_size: Optional[Size] = None


class DataConfig(_Section):
    """The ``[data]`` section: which dataset, how it is split, scaled and augmented.

    Examples
    --------
    >>> data = DataConfig(dataset="iris")
    >>> data.split, data.scaler
    ([0.6, 0.2, 0.2], 'standard')
    """

    dataset: DatasetName = "digits"
    path: Optional[str] = None
    target: Optional[Union[int, str]] = None
    task: Optional[Literal["classification", "regression"]] = None
    x_key: str = "X"
    y_key: str = "y"
    split: list[NonNegativeFloat] = Field(default_factory=lambda: [0.6, 0.2, 0.2])
    split_seed: Optional[Seed] = None
    stratify: bool = True
    scaler: Literal["standard", "minmax", "pca", "zca", "none"] = "standard"
    flatten: bool = False
    options: dict[str, Any] = Field(default_factory=dict)
    augmentation: list[ComponentSpec] = Field(default_factory=list)
    batch_augment: Optional[Annotated[int, BeforeValidator(_not_bool), Field(gt=0, le=1000)]] = None

    @field_validator("split")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        if len(value) != 3 or any(f < 0 for f in value) or value[0] <= 0 or \
                abs(sum(value) - 1) > 1e-6:
            raise ValueError(f"expected three train/val/test fractions >= 0 summing to 1 "
                             f"with a non-empty train part, got {list(value)}")
        return value

    @model_validator(mode="after")
    def _needs_path(self) -> "DataConfig":
        if self.dataset in ("csv", "npz") and not self.path:
            raise ValueError(f"dataset {self.dataset!r} needs `path`")
        if self.dataset == "csv" and self.target is None:
            raise ValueError("dataset 'csv' needs `target` (the label column's name or index)")
        return self


class ModelConfig(_Section):
    """The ``[model]`` section: the layers, in order, and the parameters' dtype.

    Examples
    --------
    >>> model = ModelConfig(layers=[{"type": "Linear", "in_features": 4, "out_features": 3}])
    >>> model.layers[0].type, model.dtype
    ('Linear', 'float32')
    """

    layers: list[ComponentSpec] = Field(min_length=1)
    dtype: Literal["float32", "float64"] = "float32"


class EarlyStoppingConfig(_Section):
    """``train.early_stopping``: the arguments of `train.EarlyStopping`, checked by it.

    Examples
    --------
    >>> EarlyStoppingConfig(patience=5).monitor
    'val_loss'
    """

    monitor: str = "val_loss"
    patience: StepsOrZero = 0
    min_delta: NonNegativeFloat = 0.0
    mode: Literal["auto", "min", "max"] = "auto"
    restore_best_weights: bool = True
    criterion: Literal["patience", "GL", "PQ", "UP", "none"] = "patience"
    alpha: Optional[NonNegativeFloat] = None
    strip: Steps = 5
    s: Optional[Steps] = None

    @model_validator(mode="after")
    def _consistent(self) -> "EarlyStoppingConfig":
        EarlyStopping(**self.model_dump())          # raises ValueError naming the problem
        return self


class TrainConfig(_Section):
    """The ``[train]`` section: epochs, batch size, metrics and the training loop's options.

    Examples
    --------
    >>> TrainConfig(batch_size="full").batch_size is None      # full-batch descent
    True
    """

    epochs: Epochs = 10
    batch_size: Optional[Size] = 32
    shuffle: bool = True
    metrics: list[str] = Field(default_factory=lambda: ["accuracy"])
    early_stopping: Optional[EarlyStoppingConfig] = None
    nan_guard: bool = True
    guards: bool = True                 # dead-ReLU / exploding-gradient / label guards
    silence: list[str] = Field(default_factory=list)   # guard codes silenced during fit
    eval_batch_size: Size = 256
    log_interval: Optional[Steps] = None      # a progress line every N batches
    accumulate_steps: Steps = 1
    clip_grad_norm: Optional[PositiveFloat] = None
    clip_grad_value: Optional[PositiveFloat] = None
    time_budget: Optional[PositiveFloat] = None     # seconds: stop after the epoch using it up
    stop_threshold: Optional[dict[str, Any]] = None  # {monitor = "loss", threshold = 0.01}

    @field_validator("stop_threshold")
    @classmethod
    def _threshold(cls, value: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
        if value is not None:
            try:
                ThresholdStopping(**value)          # raises naming the bad argument
            except TypeError as error:
                raise ValueError(f"expected keys monitor, threshold, mode ({error})") from None
        return value

    @field_validator("batch_size", mode="before")
    @classmethod
    def _full_batch(cls, value: object) -> object:
        return None if value == "full" else value      # "full": full-batch gradient descent

    @field_validator("silence")
    @classmethod
    def _guard_codes(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in CODES]
        if unknown:
            raise ValueError(f"unknown guard code(s) {unknown}; known: {', '.join(CODES)}")
        return value


class Config(_Section):
    """A whole experiment: data, model, loss, optimizer, schedules and training loop.

    Examples
    --------
    >>> config = Config(model={"layers": [{"type": "Linear", "in_features": 64,
    ...                                    "out_features": 10}]})
    >>> config.data.dataset, config.optimizer.type, config.train.epochs
    ('digits', 'Adam', 10)
    """

    name: str = "run"
    seed: Seed = 0
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig
    loss: LossSpec = Field(default_factory=LossSpec)
    optimizer: OptimizerSpec = Field(default_factory=OptimizerSpec)
    scheduler: Optional[SchedulerSpec] = None
    momentum_schedule: Optional[MomentumScheduleConfig] = None
    batch_size_schedule: Optional[BatchSizeScheduleConfig] = None
    train: TrainConfig = Field(default_factory=TrainConfig)
    _source: Optional[str] = PrivateAttr(default=None)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not value or value in (".", "..") or "/" in value or "\\" in value or \
                "\0" in value or len(value) > 200:
            raise ValueError(f"{value!r} cannot name a run folder: use letters, digits, "
                             "'-', '_' and '.', without '/', at most 200 characters")
        return value

    @property
    def source(self) -> Optional[str]:
        """The file (or other origin) this config was read from; build errors name it."""
        return self._source
