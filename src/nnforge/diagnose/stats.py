"""Activation and gradient statistics: per-layer histograms, means,
standard deviations and saturation, collected with forward hooks; a training callback
that records them over epochs; and the classic initialization demonstration — a deep
tanh network whose activations collapse to 0 with N(0, 0.01^2) weights, saturate at +-1
with N(0, 1) and stay spread out with Xavier initialization.

Which layers count as activations is decided by class (`isinstance`), never by name:
`ACTIVATIONS` holds nnforge's activation layers, and an activation layer of your own joins
them with ``kinds=ACTIVATIONS + (MyActivation,)``.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Optional, Union

import numpy as np

from .. import nn
from ..autograd import Tensor, no_grad
from ..random import GeneratorLike
from ..nn import Module
from ..nn import init as nn_init
from ..random import resolve_generator
from ..train.callbacks import Callback

__all__ = ["LayerStats", "activation_statistics", "gradient_statistics",
           "StatisticsRecorder", "deep_tanh_network", "initialization_demo",
           "plot_histograms", "ACTIVATIONS"]

#: nnforge's activation layers: the modules whose outputs `activation_statistics` records
ACTIVATIONS: tuple[type[Module], ...] = (
    nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.ELU, nn.SiLU, nn.Softplus, nn.Hardtanh,
    nn.PReLU, nn.Swish)


class LayerStats:
    """Summary of one array: mean, std, fraction of zeros and of |x| > 0.99 (saturation for
    tanh), and a histogram (counts over `bins` equal bins between edges[0] and edges[-1]).

    Parameters
    ----------
    name : str
        The layer or parameter the values come from.
    values : array_like
        The values (any shape; flattened).
    bins : int
        Number of histogram bins.
    value_range : (float, float), optional
        The histogram's range; default the values' own range.

    Examples
    --------
    >>> import numpy as np
    >>> stats = LayerStats("tanh", np.array([0.0, 0.0, 0.5, -1.0]), bins=4,
    ...                    value_range=(-1, 1))
    >>> stats
    LayerStats('tanh', mean=-0.125, std=0.545, saturated=0.25)
    >>> stats.zero_fraction, stats.counts.tolist()
    (0.5, [1, 0, 2, 1])
    """

    __slots__ = ("name", "mean", "std", "zero_fraction", "saturated_fraction", "counts",
                 "edges")

    def __init__(self, name: str, values: Any, bins: int = 50,
                 value_range: Optional[tuple[float, float]] = None) -> None:
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        self.name = name
        self.mean, self.std = float(values.mean()), float(values.std())
        self.zero_fraction = float(np.mean(values == 0))
        self.saturated_fraction = float(np.mean(np.abs(values) > 0.99))
        if value_range is None:
            low, high = float(values.min()), float(values.max())
            value_range = (low, high) if high > low else (low - 0.5, high + 0.5)
        self.counts, self.edges = np.histogram(values, bins=bins, range=value_range)

    def __repr__(self) -> str:
        return (f"LayerStats({self.name!r}, mean={self.mean:.3g}, std={self.std:.3g}, "
                f"saturated={self.saturated_fraction:.2f})")


def _check_kinds(kinds: Sequence[type[Module]], caller: str) -> tuple[type[Module], ...]:
    kinds = tuple(kinds)
    wrong = [k for k in kinds if not isinstance(k, type)]
    if wrong:
        raise TypeError(f"{caller}(kinds): expected layer classes such as nn.Tanh, got "
                        f"{wrong[0]!r} ({type(wrong[0]).__name__})")
    return kinds


def _activation_layers(model: Module, kinds: tuple[type[Module], ...]
                       ) -> list[tuple[str, Module]]:
    return [(name, m) for name, m in model.named_modules() if isinstance(m, kinds)]


def activation_statistics(model: Module, x: Any,
                          kinds: Sequence[type[Module]] = ACTIVATIONS, bins: int = 50,
                          value_range: Optional[tuple[float, float]] = None
                          ) -> list[LayerStats]:
    """Forward `x` (no graph, the model's current mode) and return one `LayerStats` per
    module that is an instance of one of the classes `kinds` (nnforge's activation layers
    by default; add your own with ``ACTIVATIONS + (MyActivation,)``), in forward order."""
    kinds = _check_kinds(kinds, "activation_statistics")
    outputs: list[tuple[str, np.ndarray]] = []

    def recorder(name: str) -> Callable[[Module, Any, Tensor], None]:
        return lambda module, args, out: outputs.append((name, out._data.copy()))

    handles = [m.register_forward_hook(recorder(name))
               for name, m in _activation_layers(model, kinds)]
    try:
        with no_grad():
            model(x if isinstance(x, Tensor) else Tensor(np.asarray(x)))
    finally:
        for h in handles:
            h.remove()
    return [LayerStats(name, values, bins, value_range) for name, values in outputs]


def gradient_statistics(model: Module, bins: int = 50) -> list[LayerStats]:
    """One `LayerStats` per parameter that has a gradient (after `backward`)."""
    return [LayerStats(name, p._grad, bins) for name, p in model.named_parameters()
            if p._grad is not None]


class StatisticsRecorder(Callback):
    """Records activation and gradient histograms during training.

    At the end of every `every`-th epoch: the activations of a forward of the fixed sample
    `x` in eval mode (via forward hooks), and the gradients of the last batch (still on the
    parameters). `records` is a list of {"epoch", "activations": [LayerStats],
    "gradients": [LayerStats]}.

    Parameters
    ----------
    x : array_like
        The fixed inputs whose activations are recorded.
    every : int
        Record every `every`-th epoch.
    kinds : sequence of Module classes
        The layers whose outputs count as activations (`ACTIVATIONS` by default).
    bins : int
        Histogram bins.

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge import nn, optim
    >>> from nnforge.train import Trainer
    >>> X = np.random.default_rng(0).standard_normal((32, 3)).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    >>> recorder = StatisticsRecorder(X[:8], every=2)
    >>> trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1),
    ...                   nn.CrossEntropyLoss(), callbacks=[recorder])
    >>> _ = trainer.fit((X, y), epochs=4, batch_size=16, verbose=0)
    >>> [r["epoch"] for r in recorder.records]
    [2, 4]
    >>> [s.name for s in recorder.records[0]["activations"]]
    ['1']
    """

    def __init__(self, x: Any, every: int = 1, kinds: Sequence[type[Module]] = ACTIVATIONS,
                 bins: int = 50) -> None:
        self.x, self.every, self.bins = np.asarray(x), int(every), bins
        self.kinds = _check_kinds(kinds, "StatisticsRecorder")
        self.records: list[dict[str, Any]] = []

    def on_train_begin(self, logs: Optional[dict[str, Any]] = None) -> None:
        self.records = []

    def on_epoch_end(self, epoch: int, logs: Optional[dict[str, Any]] = None) -> None:
        if (epoch + 1) % self.every:
            return
        model = self.trainer.model
        gradients = gradient_statistics(model, self.bins)
        was_training = model.training
        model.eval()
        try:
            activations = activation_statistics(model, self.x, self.kinds, self.bins)
        finally:
            model.train(was_training)
        self.records.append({"epoch": epoch + 1, "gradients": gradients,
                             "activations": activations})


def deep_tanh_network(depth: int = 10, width: int = 500, in_features: Optional[int] = None,
                      init: str = "xavier", std: Optional[float] = None,
                      generator: GeneratorLike = None
                      ) -> nn.Sequential:
    """`depth` Linear(width, width) + Tanh blocks with zero biases; weights N(0, std^2)
    when `std` is given, else the named `init` from nn.init ("xavier" = xavier_normal_)."""
    rng = resolve_generator(generator)
    layers: list[Module] = []
    for i in range(depth):
        linear = nn.Linear(in_features if (i == 0 and in_features) else width, width,
                           generator=rng)
        if std is not None:
            nn_init.normal_(linear.weight, 0.0, std, generator=rng)
        elif init == "xavier":
            nn_init.xavier_normal_(linear.weight, generator=rng)
        else:
            nn_init.get_initializer(init)(linear.weight, generator=rng)
        if linear.bias is not None:
            nn_init.zeros_(linear.bias)
        layers += [linear, nn.Tanh()]
    return nn.Sequential(*layers)


def initialization_demo(depth: int = 10, width: int = 500, n_samples: int = 1000, seed: int = 0,
                        bins: int = 50) -> dict[str, list[LayerStats]]:
    """Per-layer tanh activation statistics at initialization for N(0, 0.01^2),
    N(0, 1) and Xavier weights, on N(0, 1) inputs. Returns {label: [LayerStats per layer]}."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, width)).astype(np.float32)
    setups: dict[str, dict[str, Any]] = {"N(0, 0.01^2)": {"std": 0.01}, "N(0, 1)": {"std": 1.0},
              "Xavier normal": {"init": "xavier"}}
    return {label: activation_statistics(
                deep_tanh_network(depth, width, generator=np.random.default_rng(seed),
                                  **kwargs), x, (nn.Tanh,), bins, (-1.0, 1.0))
            for label, kwargs in setups.items()}


def plot_histograms(stats_by_label: Mapping[str, Sequence[LayerStats]],
                    path: Union[str, os.PathLike[str]],
                    title: str = "tanh activations per layer") -> Union[str, os.PathLike[str]]:
    """One row per label, one column per layer: the histograms of `initialization_demo`
    (or any {label: [LayerStats]}); saved to `path`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(stats_by_label)
    columns = max(len(v) for v in stats_by_label.values())
    fig, axes = plt.subplots(len(labels), columns, figsize=(1.6 * columns, 1.8 * len(labels)),
                             sharey="row", squeeze=False)
    for r, label in enumerate(labels):
        for c, stats in enumerate(stats_by_label[label]):
            ax = axes[r][c]
            ax.bar(stats.edges[:-1], stats.counts / max(stats.counts.sum(), 1),
                   width=np.diff(stats.edges), align="edge")
            ax.set_title(f"layer {c + 1}\nstd {stats.std:.2g}", fontsize=7)
            ax.tick_params(labelsize=6)
        axes[r][0].set_ylabel(label, fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
