"""Rotation and zoom: each image is resampled through its own 2x2 matrix about its centre,
for the whole batch in one vectorised gather (bilinear or nearest interpolation)."""
from __future__ import annotations

from typing import Callable, Union

import numpy as np

from ...errors import ArgumentError
from .base import Transform, check_fill_mode, check_interpolation, restore, work_dtype

__all__ = ["affine_resample", "RandomRotation", "RandomZoom"]


def _reader(x: np.ndarray, fill: float, fill_mode: str, dtype: np.dtype
            ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """read(yi, xi) -> the (N, C, P) values at integer locations (N, P), with locations
    outside the image handled by `fill_mode`."""
    n, c, h, w = x.shape
    flat = x.reshape(n, c, h * w)
    batch = np.arange(n)[:, None, None]
    channel = np.arange(c)[None, :, None]
    fill_value = dtype.type(fill)

    def read(yi: np.ndarray, xi: np.ndarray) -> np.ndarray:
        if fill_mode == "wrap":
            yi, xi = yi % h, xi % w
        elif fill_mode == "nearest":
            yi, xi = np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)
        inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        index = np.where(inside, yi * w + xi, 0)
        values = flat[batch, channel, index[:, None, :]].astype(dtype, copy=False)
        return np.where(inside[:, None, :], values, fill_value)
    return read


def affine_resample(x: np.ndarray, matrices: np.ndarray, fill: float = 0.0,
                    interpolation: str = "bilinear", fill_mode: str = "constant") -> np.ndarray:
    """Resample each image through its own 2x2 matrix about the image centre.

    Output pixel (i, j) reads input location `centre + matrices[n] @ ((i, j) - centre)`.
    Locations outside the image read, by `fill_mode` (Keras' names): "constant" the value
    `fill`; "wrap" the image tiled periodically (row -1 is the last row, as if the image
    were on a torus); "nearest" the closest edge pixel. One vectorised gather for the
    whole batch.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(4.0).reshape(1, 1, 2, 2)
    >>> affine_resample(x, np.eye(2)[None])[0, 0]          # the identity
    array([[0., 1.],
           [2., 3.]])
    """
    check_fill_mode(fill_mode, "affine_resample")
    n, c, h, w = x.shape
    dtype = work_dtype(x.dtype)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    ii, jj = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")
    grid = np.stack([ii.ravel(), jj.ravel()])                                  # (2, HW)
    src = np.einsum("nab,bp->nap", matrices, grid)                             # (N, 2, HW)
    sy, sx = src[:, 0] + cy, src[:, 1] + cx
    read = _reader(x, fill, fill_mode, dtype)
    if interpolation == "nearest":
        out = read(np.rint(sy).astype(np.int64), np.rint(sx).astype(np.int64))
    elif interpolation == "bilinear":
        y0, x0 = np.floor(sy), np.floor(sx)
        wy = (sy - y0).astype(dtype)[:, None, :]
        wx = (sx - x0).astype(dtype)[:, None, :]
        y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
        one = dtype.type(1)
        out = ((read(y0, x0) * (one - wx) + read(y0, x0 + 1) * wx) * (one - wy)
               + (read(y0 + 1, x0) * (one - wx) + read(y0 + 1, x0 + 1) * wx) * wy)
    else:
        raise ValueError(f"affine_resample(interpolation): expected 'bilinear' or 'nearest', "
                         f"got {interpolation!r}")
    return restore(out.reshape(n, c, h, w), x.dtype)


class RandomRotation(Transform):
    """Rotate each image by an angle uniform in [-degrees, degrees] about its centre
    (or in `degrees=(lo, hi)`; `(45, 45)` always rotates by 45 degrees), counter-clockwise
    for positive angles as torchvision and scipy.ndimage.rotate. The uncovered
    corners get `fill` with fill_mode="constant", the opposite edges' pixels with "wrap"
    (the image tiled periodically; scipy's rotate(mode='grid-wrap')), the nearest edge
    pixel with "nearest".

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((1, 1, 3, 3)); x[0, 0, 1, 2] = 1     # right of the centre
    >>> RandomRotation((90, 90))(x)[0, 0].round(6)       # a quarter turn: now above it
    array([[0., 1., 0.],
           [0., 0., 0.],
           [0., 0., 0.]])
    """

    def __init__(self, degrees: Union[float, tuple[float, float]],
                 interpolation: str = "bilinear", fill: float = 0.0,
                 fill_mode: str = "constant") -> None:
        if isinstance(degrees, (int, float, np.number)):
            low, high = -float(degrees), float(degrees)
        else:
            low, high = (float(v) for v in degrees)
        if low > high:
            raise ArgumentError("degrees",
                                f"RandomRotation(degrees): expected a non-negative number or "
                                f"(min, max), got {degrees!r}")
        self.degrees = (low, high)
        self.interpolation = check_interpolation(interpolation, "RandomRotation")
        self.fill = fill
        self.fill_mode = check_fill_mode(fill_mode, "RandomRotation")

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        theta = np.deg2rad(rng.uniform(*self.degrees, size=len(x)))
        cos, sin = np.cos(theta), np.sin(theta)
        # inverse rotation in (row, column) coordinates, rows pointing down: where in the
        # input each output pixel comes from, for a counter-clockwise turn on screen
        matrices = np.stack([np.stack([cos, sin], 1), np.stack([-sin, cos], 1)], 1)
        return affine_resample(x, matrices, self.fill, self.interpolation, self.fill_mode)


class RandomZoom(Transform):
    """Zoom each image about its centre by a factor uniform in `zoom_range` (>1 enlarges;
    a number z means (1 - z, 1 + z), as in Keras); `fill_mode` as in RandomRotation.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> float(RandomZoom((2.0, 2.0), interpolation="nearest")(x)[0, 0, 1, 1])  # the centre stays
    4.0
    >>> RandomZoom(0.2).zoom_range
    (0.8, 1.2)
    """

    def __init__(self, zoom_range: Union[float, tuple[float, float]] = (0.9, 1.1),
                 interpolation: str = "bilinear", fill: float = 0.0,
                 fill_mode: str = "constant") -> None:
        if isinstance(zoom_range, (int, float, np.number)):
            low, high = 1 - float(zoom_range), 1 + float(zoom_range)
        else:
            low, high = (float(v) for v in zoom_range)
        if not 0 < low <= high:
            raise ArgumentError("zoom_range",
                                f"RandomZoom(zoom_range): expected 0 < min <= max, got "
                                f"{zoom_range!r}")
        self.zoom_range = (low, high)
        self.interpolation = check_interpolation(interpolation, "RandomZoom")
        self.fill = fill
        self.fill_mode = check_fill_mode(fill_mode, "RandomZoom")

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        factor = rng.uniform(*self.zoom_range, size=len(x))
        matrices = np.eye(2)[None] / factor[:, None, None]
        return affine_resample(x, matrices, self.fill, self.interpolation, self.fill_mode)
