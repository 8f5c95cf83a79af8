"""The optimizer playground: the library's real optimizer
classes (`nnforge.optim`, the very objects that train networks) minimizing 2-D functions,
with their trajectories drawn on contour plots.

A surface is written once, with Tensor operations, so autograd supplies its gradient: the
point being optimized is a float64 `Tensor` of shape (2,) handed to the optimizer like any
parameter, and `run_optimizer` is the ordinary zero_grad / backward / step loop. There is
no second implementation of any update rule here.

Surfaces: an ill-conditioned quadratic (a narrow valley, condition number 50), the saddle
y = x1^4 - 2 x1^2 + x2^2 (saddle at the origin, minima at (+-1, 0)) and Rosenbrock's
banana (minimum at (1, 1)).
"""
from dataclasses import dataclass

import numpy as np

from ..autograd import Tensor

__all__ = ["Surface", "SURFACES", "run_optimizer", "gradient", "hessian", "plot_trajectories"]


def _parts(x):
    return x[0], x[1]


def _valley(x):
    x1, x2 = _parts(x)
    return 0.5 * (x1 * x1) + 25.0 * (x2 * x2)


def _saddle(x):
    x1, x2 = _parts(x)
    return x1 ** 4 - 2.0 * (x1 * x1) + x2 * x2


def _rosenbrock(x):
    x1, x2 = _parts(x)
    return (1.0 - x1) ** 2 + 100.0 * (x2 - x1 * x1) ** 2


@dataclass(frozen=True)
class Surface:
    """A 2-D test function `fn(x) -> scalar Tensor` for a (2,) Tensor x, with its minima, a
    default start and the box (x1_min, x1_max, x2_min, x2_max) to draw."""

    name: str
    fn: object
    minima: tuple
    start: tuple
    box: tuple

    def __call__(self, x):
        return self.fn(x)

    def grid(self, n=200):
        """(X1, X2, values) on an n x n grid of the box (the same Tensor code, vectorized)."""
        x1 = np.linspace(self.box[0], self.box[1], n)
        x2 = np.linspace(self.box[2], self.box[3], n)
        X1, X2 = np.meshgrid(x1, x2)
        values = self.fn(Tensor(np.stack([X1, X2])))._data
        return X1, X2, values


SURFACES = {
    "valley": Surface("ill-conditioned quadratic 0.5 x1^2 + 25 x2^2", _valley, ((0.0, 0.0),),
                      (-4.5, 1.0), (-5.0, 5.0, -1.5, 1.5)),
    "saddle": Surface("saddle x1^4 - 2 x1^2 + x2^2", _saddle, ((-1.0, 0.0), (1.0, 0.0)),
                      (0.01, 1.5), (-1.8, 1.8, -1.6, 1.6)),
    "rosenbrock": Surface("Rosenbrock (1 - x1)^2 + 100 (x2 - x1^2)^2", _rosenbrock,
                          ((1.0, 1.0),), (-1.5, 2.0), (-2.0, 2.0, -1.0, 3.0)),
}


def _surface(surface):
    if isinstance(surface, Surface):
        return surface
    if surface in SURFACES:
        return SURFACES[surface]
    raise ValueError(f"playground: unknown surface {surface!r}; known: {', '.join(SURFACES)}")


def run_optimizer(optimizer_cls, surface, start=None, steps=100, **hyperparameters):
    """Minimize `surface` (a Surface or a SURFACES name) from `start` with
    `optimizer_cls([point], **hyperparameters)` — any nnforge.optim class — for `steps`
    steps; returns the trajectory, a float64 array of shape (steps + 1, 2)."""
    surface = _surface(surface)
    point = Tensor(np.array(surface.start if start is None else start, dtype=np.float64),
                   requires_grad=True)
    optimizer = optimizer_cls([point], **hyperparameters)
    path = np.empty((steps + 1, 2))
    path[0] = point._data
    for i in range(steps):
        optimizer.zero_grad()
        surface(point).backward()
        optimizer.step()
        path[i + 1] = point._data
    return path


def gradient(surface, x):
    """Autograd gradient of `surface` at x (float64 (2,) array)."""
    point = Tensor(np.array(x, dtype=np.float64), requires_grad=True)
    _surface(surface)(point).backward()
    return point._grad.copy()


def hessian(surface, x, eps=1e-5):
    """Hessian at x by central differences of the autograd gradient (symmetrized)."""
    x = np.array(x, dtype=np.float64)
    columns = []
    for i in range(2):
        step = np.zeros(2)
        step[i] = eps
        columns.append((gradient(surface, x + step) - gradient(surface, x - step)) / (2 * eps))
    H = np.stack(columns, axis=1)
    return (H + H.T) / 2


def plot_trajectories(surface, trajectories, path=None, ax=None, levels=30):
    """Contours of `surface` (log-spaced levels) with one line per {label: trajectory}."""
    import matplotlib
    if ax is None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    surface = _surface(surface)
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(6, 4.5))
    X1, X2, values = surface.grid()
    shifted = values - values.min() + 1e-3
    ax.contour(X1, X2, shifted, levels=np.geomspace(shifted.min(), shifted.max(), levels),
               colors="0.75", linewidths=0.6)
    for label, trajectory in trajectories.items():
        inside = trajectory[np.all(np.isfinite(trajectory), axis=1)]
        ax.plot(inside[:, 0], inside[:, 1], marker=".", markersize=2, lw=1, label=label)
    for m in surface.minima:
        ax.plot(*m, "k*", markersize=9)
    ax.set_xlim(surface.box[0], surface.box[1])
    ax.set_ylim(surface.box[2], surface.box[3])
    ax.set_title(surface.name, fontsize=9)
    ax.legend(fontsize=7)
    if own:
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=100)
        plt.close(fig)
    return ax
