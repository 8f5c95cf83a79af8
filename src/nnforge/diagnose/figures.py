"""Where the diagnose plots draw: on the caller's axes, or on a new off-screen figure that
is saved and closed when the drawing is done."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Optional, Union

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["drawing_axes"]


@contextmanager
def drawing_axes(ax: Optional[Axes], figsize: tuple[float, float],
                 path: Union[str, os.PathLike[str], None] = None) -> Iterator[Axes]:
    """The axes to draw on: `ax` itself when given (it is left to its owner), otherwise
    the axes of a new Agg figure of `figsize` inches, written to `path` (when given) at
    100 dpi once the block ends, and closed even when the drawing fails.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        The caller's axes.
    figsize : (float, float)
        Size of the new figure in inches.
    path : str or PathLike, optional
        Where the new figure is saved as an image.

    Yields
    ------
    matplotlib Axes
    """
    if ax is not None:
        yield ax
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, new_ax = plt.subplots(figsize=figsize)
    try:
        yield new_ax
        figure.tight_layout()
        if path is not None:
            figure.savefig(path, dpi=100)
    finally:
        plt.close(figure)
