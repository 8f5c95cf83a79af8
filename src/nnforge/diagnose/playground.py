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
from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np
from numpy.typing import ArrayLike

from ..autograd import Tensor
from ..optim.optimizer import Optimizer
from .figures import drawing_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Surface", "SURFACES", "run_optimizer", "gradient", "hessian", "plot_trajectories"]


def _parts(x: Tensor) -> tuple[Tensor, Tensor]:
    return x[0], x[1]


def _valley(x: Tensor) -> Tensor:
    x1, x2 = _parts(x)
    return 0.5 * (x1 * x1) + 25.0 * (x2 * x2)


def _saddle(x: Tensor) -> Tensor:
    x1, x2 = _parts(x)
    return x1 ** 4 - 2.0 * (x1 * x1) + x2 * x2


def _rosenbrock(x: Tensor) -> Tensor:
    x1, x2 = _parts(x)
    return (1.0 - x1) ** 2 + 100.0 * (x2 - x1 * x1) ** 2


@dataclass(frozen=True)
class Surface:
    """A 2-D test function `fn(x) -> scalar Tensor` for a (2,) Tensor x, with its minima, a
    default start and the box (x1_min, x1_max, x2_min, x2_max) to draw.

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge import Tensor
    >>> bowl = Surface("bowl x1^2 + x2^2", lambda x: x[0] * x[0] + x[1] * x[1], ((0.0, 0.0),),
    ...                (1.0, 2.0), (-3.0, 3.0, -3.0, 3.0))
    >>> float(bowl(Tensor(np.array([1.0, 2.0]))).item())
    5.0
    >>> gradient(bowl, [1.0, 2.0]).tolist()
    [2.0, 4.0]
    >>> X1, X2, values = bowl.grid(n=3)
    >>> values.tolist()
    [[18.0, 9.0, 18.0], [9.0, 0.0, 9.0], [18.0, 9.0, 18.0]]
    """

    name: str
    fn: Callable[[Tensor], Tensor]
    minima: tuple[tuple[float, float], ...]
    start: tuple[float, float]
    box: tuple[float, float, float, float]

    def __call__(self, x: Tensor) -> Tensor:
        return self.fn(x)

    def grid(self, n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def _surface(surface: Union[Surface, str]) -> Surface:
    if isinstance(surface, Surface):
        return surface
    if surface in SURFACES:
        return SURFACES[surface]
    raise ValueError(f"playground: unknown surface {surface!r}; known: {', '.join(SURFACES)}")


def run_optimizer(optimizer_cls: type[Optimizer], surface: Union[Surface, str],
                  start: Optional[Sequence[float]] = None, steps: int = 100,
                  **hyperparameters: Any) -> np.ndarray:
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


def gradient(surface: Union[Surface, str], x: ArrayLike) -> np.ndarray:
    """Autograd gradient of `surface` at x (float64 (2,) array)."""
    point = Tensor(np.array(x, dtype=np.float64), requires_grad=True)
    _surface(surface)(point).backward()
    assert point._grad is not None                  # the surface depends on the point
    return point._grad.copy()


def hessian(surface: Union[Surface, str], x: ArrayLike, eps: float = 1e-5) -> np.ndarray:
    """Hessian at x by central differences of the autograd gradient (symmetrized)."""
    point = np.array(x, dtype=np.float64)
    columns = []
    for i in range(2):
        step = np.zeros(2)
        step[i] = eps
        columns.append((gradient(surface, point + step) - gradient(surface, point - step))
                       / (2 * eps))
    H = np.stack(columns, axis=1)
    return (H + H.T) / 2


def plot_trajectories(surface: Union[Surface, str], trajectories: Mapping[str, np.ndarray],
                      path: Union[str, os.PathLike[str], None] = None,
                      ax: Optional[Axes] = None, levels: int = 30) -> Axes:
    """Contours of `surface` (log-spaced levels) with one line per {label: trajectory}."""
    shape = _surface(surface)
    with drawing_axes(ax, (6, 4.5), path) as drawn:
        _draw_trajectories(drawn, shape, trajectories, levels)
    return drawn


def _draw_trajectories(ax: Axes, shape: Surface, trajectories: Mapping[str, np.ndarray],
                       levels: int) -> None:
    X1, X2, values = shape.grid()
    shifted = values - values.min() + 1e-3
    ax.contour(X1, X2, shifted, levels=np.geomspace(shifted.min(), shifted.max(), levels),
               colors="0.75", linewidths=0.6)
    for label, trajectory in trajectories.items():
        inside = trajectory[np.all(np.isfinite(trajectory), axis=1)]
        ax.plot(inside[:, 0], inside[:, 1], marker=".", markersize=2, lw=1, label=label)
    for m in shape.minima:
        ax.plot(*m, "k*", markersize=9)
    ax.set_xlim(shape.box[0], shape.box[1])
    ax.set_ylim(shape.box[2], shape.box[3])
    ax.set_title(shape.name, fontsize=9)
    ax.legend(fontsize=7)
