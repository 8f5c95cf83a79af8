"""Activation and gradient statistics: per-layer histograms, means,
standard deviations and saturation, collected with forward hooks; a training callback
that records them over epochs; and the classic initialization demonstration — a deep
tanh network whose activations collapse to 0 with N(0, 0.01^2) weights, saturate at +-1
with N(0, 1) and stay spread out with Xavier initialization.
"""
import numpy as np

from .. import nn
from ..autograd import Tensor, no_grad
from ..nn import init as nn_init
from ..random import resolve_generator
from ..train.callbacks import Callback

__all__ = ["LayerStats", "activation_statistics", "gradient_statistics",
           "StatisticsRecorder", "deep_tanh_network", "initialization_demo",
           "plot_histograms", "ACTIVATIONS"]

ACTIVATIONS = ("ReLU", "LeakyReLU", "Tanh", "Sigmoid", "ELU", "GELU", "SiLU", "Softplus",
               "Hardtanh", "PReLU", "Swish")


class LayerStats:
    """Summary of one array: mean, std, fraction of zeros and of |x| > 0.99 (saturation for
    tanh), and a histogram (counts over `bins` equal bins between edges[0] and edges[-1])."""

    __slots__ = ("name", "mean", "std", "zero_fraction", "saturated_fraction", "counts",
                 "edges")

    def __init__(self, name, values, bins=50, value_range=None):
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        self.name = name
        self.mean, self.std = float(values.mean()), float(values.std())
        self.zero_fraction = float(np.mean(values == 0))
        self.saturated_fraction = float(np.mean(np.abs(values) > 0.99))
        if value_range is None:
            low, high = float(values.min()), float(values.max())
            value_range = (low, high) if high > low else (low - 0.5, high + 0.5)
        self.counts, self.edges = np.histogram(values, bins=bins, range=value_range)

    def __repr__(self):
        return (f"LayerStats({self.name!r}, mean={self.mean:.3g}, std={self.std:.3g}, "
                f"saturated={self.saturated_fraction:.2f})")


def _activation_layers(model, kinds):
    return [(name, m) for name, m in model.named_modules() if type(m).__name__ in kinds]


def activation_statistics(model, x, kinds=ACTIVATIONS, bins=50, value_range=None):
    """Forward `x` (no graph, the model's current mode) and return one `LayerStats` per
    module whose class name is in `kinds` (the activation layers by default), in order."""
    outputs = []
    handles = [m.register_forward_hook(
        lambda module, args, out, name=name: outputs.append((name, out._data.copy())))
        for name, m in _activation_layers(model, kinds)]
    try:
        with no_grad():
            model(x if isinstance(x, Tensor) else Tensor(np.asarray(x)))
    finally:
        for h in handles:
            h.remove()
    return [LayerStats(name, values, bins, value_range) for name, values in outputs]


def gradient_statistics(model, bins=50):
    """One `LayerStats` per parameter that has a gradient (after `backward`)."""
    return [LayerStats(name, p._grad, bins) for name, p in model.named_parameters()
            if p._grad is not None]


class StatisticsRecorder(Callback):
    """Records activation histograms (a forward of the fixed sample `x` in eval mode, via
    forward hooks) and gradient histograms (the last batch's gradients, still on the
    parameters) at the end of every `every`-th epoch. `records` is a list of
    {"epoch", "activations": [LayerStats], "gradients": [LayerStats]}."""

    def __init__(self, x, every=1, kinds=ACTIVATIONS, bins=50):
        self.x, self.every, self.kinds, self.bins = np.asarray(x), int(every), kinds, bins
        self.records = []

    def on_train_begin(self, logs=None):
        self.records = []

    def on_epoch_end(self, epoch, logs=None):
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


def deep_tanh_network(depth=10, width=500, in_features=None, init="xavier", std=None,
                      generator=None):
    """`depth` Linear(width, width) + Tanh blocks with zero biases; weights N(0, std^2)
    when `std` is given, else the named `init` from nn.init ("xavier" = xavier_normal_)."""
    rng = resolve_generator(generator)
    layers = []
    for i in range(depth):
        linear = nn.Linear(in_features if (i == 0 and in_features) else width, width,
                           generator=rng)
        if std is not None:
            nn_init.normal_(linear.weight, 0.0, std, generator=rng)
        elif init == "xavier":
            nn_init.xavier_normal_(linear.weight, generator=rng)
        else:
            nn_init.get_initializer(init)(linear.weight, generator=rng)
        nn_init.zeros_(linear.bias)
        layers += [linear, nn.Tanh()]
    return nn.Sequential(*layers)


def initialization_demo(depth=10, width=500, n_samples=1000, seed=0, bins=50):
    """Per-layer tanh activation statistics at initialization for N(0, 0.01^2),
    N(0, 1) and Xavier weights, on N(0, 1) inputs. Returns {label: [LayerStats per layer]}."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, width)).astype(np.float32)
    setups = {"N(0, 0.01^2)": {"std": 0.01}, "N(0, 1)": {"std": 1.0},
              "Xavier normal": {"init": "xavier"}}
    return {label: activation_statistics(
                deep_tanh_network(depth, width, generator=np.random.default_rng(seed),
                                  **kwargs), x, ("Tanh",), bins, (-1.0, 1.0))
            for label, kwargs in setups.items()}


def plot_histograms(stats_by_label, path, title="tanh activations per layer"):
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
