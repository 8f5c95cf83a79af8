"""`NeuralNetClassifier` and `NeuralNetRegressor`: nnforge networks as scikit-learn
estimators, usable in `Pipeline`, `GridSearchCV` and `cross_val_score`.

scikit-learn's own `MLPClassifier` is frozen by design: no dropout, no batch norm, no
convolutions, no learning-rate schedules beyond three fixed ones, no L1. These estimators
keep scikit-learn's contract (`__init__` only stores its keyword arguments, `fit` returns
self, learned state ends in `_`) and build, at `fit` time, an nnforge network trained by the
library's `Trainer`, so every layer, optimizer, schedule, regularizer and early-stopping
criterion of nnforge is one keyword away:

    from nnforge.sklearn import NeuralNetClassifier
    clf = NeuralNetClassifier(hidden_layer_sizes=(256, 128), dropout=0.5, input_dropout=0.2,
                              batch_norm=True, init="he_normal", optimizer="adam", lr=1e-3,
                              lr_scheduler="CosineAnnealingLR", l1=1e-5,
                              early_stopping=True, stopping_criterion="GL",
                              stopping_alpha=2.0, max_epochs=50, random_state=0)
    clf.fit(X_train, y_train).score(X_test, y_test)
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Optional, Union

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .. import nn
from ..autograd import Tensor, no_grad
from ..data import DataLoader, TensorDataset, Transform
from ..nn.loss import _Loss
from ..random import resolve_generator
from ..train import EarlyStopping, Trainer
from .network import build_network, build_optimizer, build_scheduler

__all__ = ["NeuralNetClassifier", "NeuralNetRegressor"]

_DTYPES: dict[str, type[np.floating[Any]]] = {"float32": np.float32, "float64": np.float64}


#: what `random_state` may be, as in scikit-learn (None: the library's default generator)
RandomState = Union[None, int, np.random.Generator, np.random.RandomState]


def _generator(owner: str, random_state: RandomState) -> np.random.Generator:
    """A fresh numpy Generator for one fit: int seed, Generator, RandomState or None (the
    library default generator, like scikit-learn's "None = global random state")."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2 ** 31 - 1))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"{owner}(random_state={random_state!r}): expected None, an "
                             "integer >= 0 or a numpy Generator")
        return np.random.default_rng(int(random_state))
    try:
        return resolve_generator(random_state)
    except TypeError:
        raise ValueError(f"{owner}(random_state={random_state!r}): expected None, an integer "
                         ">= 0 or a numpy Generator") from None


class _NeuralNetBase(BaseEstimator):
    """Shared parameters and fit/predict plumbing (see the subclasses for the docs)."""

    _loss: ClassVar[type[_Loss]]     # the nnforge loss class the estimator trains with

    def __init__(self, hidden_layer_sizes: Union[int, Sequence[int]] = (100,),
                 activation: str = "relu", *, dropout: float = 0.0,
                 input_dropout: float = 0.0, batch_norm: bool = False,
                 init: Optional[str] = None,
                 module: Union[None, Sequence[dict[str, Any]], Callable[..., nn.Module]] = None,
                 input_shape: Optional[Sequence[int]] = None,
                 augmentation: Optional[Transform] = None, optimizer: str = "adam",
                 lr: float = 1e-3, momentum: float = 0.9, nesterov: bool = False,
                 betas: tuple[float, float] = (0.9, 0.999), weight_decay: float = 0.0,
                 l1: float = 0.0, l2: float = 0.0, regularize_bias: bool = False,
                 lr_scheduler: Optional[str] = None,
                 lr_scheduler_kwargs: Optional[dict[str, Any]] = None,
                 scheduler_interval: Optional[str] = None, batch_size: int = 64,
                 max_epochs: int = 100, shuffle: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, monitor: str = "val_loss",
                 patience: int = 10, min_delta: float = 0.0,
                 stopping_criterion: str = "patience", stopping_alpha: Optional[float] = None,
                 stopping_strip: int = 5, stopping_s: Optional[int] = None,
                 dtype: str = "float32", random_state: RandomState = None,
                 verbose: int = 0) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.batch_norm = batch_norm
        self.init = init
        self.module = module
        self.input_shape = input_shape
        self.augmentation = augmentation
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.nesterov = nesterov
        self.betas = betas
        self.weight_decay = weight_decay
        self.l1 = l1
        self.l2 = l2
        self.regularize_bias = regularize_bias
        self.lr_scheduler = lr_scheduler
        self.lr_scheduler_kwargs = lr_scheduler_kwargs
        self.scheduler_interval = scheduler_interval
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.stopping_criterion = stopping_criterion
        self.stopping_alpha = stopping_alpha
        self.stopping_strip = stopping_strip
        self.stopping_s = stopping_s
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose

    # --- input handling -------------------------------------------------------------------
    def _dtype(self) -> type[np.floating[Any]]:
        if self.dtype not in _DTYPES:
            raise ValueError(f"{type(self).__name__}(dtype={self.dtype!r}): expected "
                             "'float32' or 'float64'")
        return _DTYPES[self.dtype]

    def _shape_inputs(self, X: ArrayLike) -> np.ndarray:
        """Rows as the network's input: cast to `dtype`, reshaped to `input_shape`."""
        X = np.asarray(X, dtype=self._dtype())
        if self.input_shape is None:
            return X
        shape = tuple(int(s) for s in np.atleast_1d(self.input_shape))
        per_row = int(np.prod(shape))
        if int(np.prod(X.shape[1:])) != per_row:
            raise ValueError(f"{type(self).__name__}(input_shape={shape}): each row of X has "
                             f"{int(np.prod(X.shape[1:]))} values, expected {per_row}")
        return X.reshape((len(X),) + shape)

    def _check_scalars(self) -> None:
        owner = type(self).__name__
        for name, low in (("batch_size", 1), ("max_epochs", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or \
                    value < low:
                raise ValueError(f"{owner}({name}={value!r}): expected an integer >= {low}")
        if self.early_stopping and not 0 < self.validation_fraction < 1:
            raise ValueError(f"{owner}(validation_fraction={self.validation_fraction!r}): "
                             "expected a fraction in (0, 1) with early_stopping=True")

    # --- fitting ---------------------------------------------------------------------------
    def _split(self, X: np.ndarray, y: np.ndarray, generator: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(X_train, y_train, X_val, y_val): a shuffled, stratified-when-possible hold-out
        of `validation_fraction` of the rows for early stopping (like MLPClassifier)."""
        seed = int(generator.integers(2 ** 31 - 1))
        stratify = y if self._loss.target_kind == "class" else None
        if stratify is not None:
            counts = np.bincount(y)
            n_val = int(np.ceil(self.validation_fraction * len(y)))
            if counts[counts > 0].min() < 2 or n_val < len(counts[counts > 0]):
                stratify = None
        parts = train_test_split(X, y, test_size=self.validation_fraction, random_state=seed,
                                 stratify=stratify)
        return parts[0], parts[2], parts[1], parts[3]

    def _callbacks(self) -> list[EarlyStopping]:
        if not self.early_stopping:
            return []
        try:
            return [EarlyStopping(monitor=self.monitor, patience=self.patience,
                                  min_delta=self.min_delta, restore_best_weights=True,
                                  criterion=self.stopping_criterion,
                                  alpha=self.stopping_alpha, strip=self.stopping_strip,
                                  s=self.stopping_s)]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{type(self).__name__}: {exc}") from None

    def _metrics(self) -> tuple[str, ...]:
        name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
        if name == "loss":
            return ("accuracy",) if self._loss.target_kind == "class" else ()
        return (name,)

    def _fit_network(self, X: np.ndarray, y: np.ndarray, n_outputs: int) -> _NeuralNetBase:
        self._check_scalars()
        owner = type(self).__name__
        generator = _generator(owner, self.random_state)
        X = self._shape_inputs(X)
        if self.early_stopping:
            X_train, y_train, X_val, y_val = self._split(X, y, generator)
            val = (X_val, y_val)
        else:
            X_train, y_train, val = X, y, None
        model = build_network(self, X_train[:2], n_outputs, generator)
        if self._dtype() == np.float64:
            model.to(np.float64)
        optimizer = build_optimizer(self, model)
        steps = -(-len(X_train) // int(self.batch_size))
        scheduler, interval = build_scheduler(self, optimizer, steps)
        trainer = Trainer(model, optimizer, self._loss(),
                          metrics=self._metrics(), callbacks=self._callbacks(),
                          generator=generator, scheduler=scheduler,
                          scheduler_interval=interval)
        train: Union[tuple[np.ndarray, np.ndarray], DataLoader] = (X_train, y_train)
        if self.augmentation is not None:
            train = DataLoader(TensorDataset(X_train, y_train),
                               batch_size=int(self.batch_size), shuffle=bool(self.shuffle),
                               generator=generator, transform=self.augmentation)
        history = trainer.fit(train, val, epochs=int(self.max_epochs),
                              batch_size=int(self.batch_size), shuffle=bool(self.shuffle),
                              verbose=self.verbose)
        self.model_ = model
        self.history_ = history
        self.n_iter_ = len(history)
        self.best_epoch_ = history.best_epoch
        return self

    def _forward(self, X: ArrayLike, batch_size: int = 1024) -> np.ndarray:
        """Network outputs for the rows of X, in eval mode and without a graph."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, allow_nd=True,
                          dtype=(np.float64, np.float32))
        X = self._shape_inputs(X)
        model = self.model_
        was_training = model.training
        model.eval()
        try:
            with no_grad():
                outputs = [model(Tensor(X[i:i + batch_size]))._data
                           for i in range(0, len(X), batch_size)]
        finally:
            model.train(was_training)
        return np.concatenate(outputs) if outputs else np.empty((0, self.n_outputs_))


_PARAMETERS_DOC = """
    Network (one of two ways):
        hidden_layer_sizes (tuple, default (100,)), activation ("relu", "tanh",
        "logistic", "identity", "leaky_relu", "elu", "silu", "softplus"), dropout (p after
        each hidden activation), input_dropout (p on the inputs), batch_norm
        (BatchNorm1d before each activation), init (an `nnforge.nn.init` name such as
        "he_normal"; None = PyTorch's default);
        or module: a list of layer specs in the config format ({"type": "Conv2d",
        "in_channels": 1, ...}) forming the body, to which the output Linear is appended,
        or a callable `module(n_features_in, n_outputs[, generator=])` returning the whole
        Module. input_shape (e.g. (1, 28, 28)) reshapes each row of X for conv layers.
        augmentation: an `nnforge.data` transform applied to training batches.
    Optimizer: optimizer ("adam", "sgd", "adamw", "rmsprop", "adagrad", "adadelta"), lr,
        momentum and nesterov (SGD/RMSprop), betas (Adam/AdamW).
    Regularization: weight_decay (coupled L2 in the optimizer), or l2 (the penalty
        lambda*||w||^2, = weight_decay 2*lambda), l1 (lambda*||w||_1); biases and
        normalization parameters are exempt unless regularize_bias=True.
    Schedule: lr_scheduler (a class name of `nnforge.optim.lr_scheduler`, e.g. "StepLR",
        "CosineAnnealingLR" (T_max defaults to max_epochs), "OneCycleLR", "ReduceLROnPlateau"),
        lr_scheduler_kwargs (dict), scheduler_interval ("epoch", "step" or None = per
        scheduler default).
    Training: batch_size (64), max_epochs (100), shuffle (True), dtype ("float32" or
        "float64"), random_state (None, int or numpy Generator), verbose (0).
    Early stopping: early_stopping (False), validation_fraction (0.1), monitor
        ("val_loss"), patience (10), min_delta, stopping_criterion ("patience", "GL", "PQ",
        "UP", "none"), stopping_alpha (GL/PQ threshold), stopping_strip (k = 5),
        stopping_s (UP); the best epoch's weights are restored.

    Attributes: model_ (the trained nnforge Module), history_ (its `History`), n_iter_
    (epochs trained), best_epoch_, n_features_in_ (and feature_names_in_ for DataFrames)."""

class NeuralNetClassifier(ClassifierMixin, _NeuralNetBase):
    __doc__ = ("""A neural-network classifier trained with nnforge (softmax + cross-entropy).

    Labels may be any sortable values (strings too): they are encoded by their position in
    `classes_`; `predict_proba` gives the softmax of the network's outputs.
""" + _PARAMETERS_DOC + """ classes_ (the labels, sorted), n_outputs_ (= number of classes).

    Examples
    --------
    >>> from nnforge.data import make_xor
    >>> data = make_xor(n_samples=64, seed=0)
    >>> clf = NeuralNetClassifier(hidden_layer_sizes=(8,), max_epochs=3, random_state=0)
    >>> clf.fit(data.X, data.y).predict(data.X[:4]).shape
    (4,)
    >>> clf.n_iter_, clf.classes_.tolist(), clf.predict_proba(data.X[:2]).shape
    (3, [0, 1], (2, 2))
    """)

    _loss = nn.CrossEntropyLoss

    def fit(self, X: ArrayLike, y: ArrayLike) -> NeuralNetClassifier:
        """Train a fresh network on X (n_samples, n_features) or images, labels y."""
        rows, labels = validate_data(self, X, y, allow_nd=True, dtype=(np.float64, np.float32))
        check_classification_targets(labels)
        labels = column_or_1d(labels, warn=True)
        self.classes_, encoded = np.unique(labels, return_inverse=True)
        self.n_outputs_ = len(self.classes_)
        self._fit_network(rows, encoded.astype(np.int64), self.n_outputs_)
        return self

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in `classes_` order."""
        logits = self._forward(X).astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Log of `predict_proba`, computed stably from the logits."""
        logits = self._forward(X).astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable label of each row."""
        logits = self._forward(X)
        return self.classes_[np.argmax(logits, axis=1)]


class NeuralNetRegressor(RegressorMixin, _NeuralNetBase):
    __doc__ = ("""A neural-network regressor trained with nnforge (mean squared error).

    y may be (n_samples,) or (n_samples, n_targets); the network has one output per target.
""" + _PARAMETERS_DOC + """ n_outputs_ (number of targets).

    Examples
    --------
    >>> from nnforge.data import make_sine
    >>> data = make_sine(n_samples=64, seed=0)
    >>> reg = NeuralNetRegressor(hidden_layer_sizes=(16,), max_epochs=3, random_state=0)
    >>> reg.fit(data.X, data.y).predict(data.X[:3]).shape, reg.n_outputs_
    ((3,), 1)
    """)

    _loss = nn.MSELoss

    def fit(self, X: ArrayLike, y: ArrayLike) -> NeuralNetRegressor:
        """Train a fresh network on X (n_samples, n_features) or images, targets y."""
        rows, values = validate_data(self, X, y, allow_nd=True, multi_output=True,
                                     y_numeric=True, dtype=(np.float64, np.float32))
        self._y_ndim = values.ndim
        target = np.asarray(values, dtype=self._dtype())
        if target.ndim == 1:
            target = target[:, None]
        self.n_outputs_ = target.shape[1]
        self._fit_network(rows, target, self.n_outputs_)
        return self

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted targets, shaped like the y given to fit."""
        out = self._forward(X).astype(np.float64, copy=False)
        return out.ravel() if self._y_ndim == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
