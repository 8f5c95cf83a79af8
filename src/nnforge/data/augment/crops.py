"""Flips, whole-pixel shifts and random crops: each output image is a mirrored or cut-out
window of its input, gathered for the whole batch at once."""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ...errors import ArgumentError
from .base import Transform, check_probability

__all__ = ["RandomHorizontalFlip", "RandomVerticalFlip", "RandomShift", "RandomTranslate",
           "RandomCrop"]


class _RandomFlip(Transform):
    axis = -1

    def __init__(self, p: float = 0.5) -> None:
        self.p = check_probability(p, type(self).__name__)

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        chosen = rng.random(len(x)) < self.p
        out = x.copy()
        out[chosen] = np.flip(x[chosen], axis=self.axis)
        return out


class RandomHorizontalFlip(_RandomFlip):
    """Mirror each image left-right with probability p (default 0.5).

    Examples
    --------
    >>> import numpy as np
    >>> RandomHorizontalFlip(p=1.0)(np.arange(3.0).reshape(1, 1, 1, 3)).ravel()
    array([2., 1., 0.])
    """
    axis = -1


class RandomVerticalFlip(_RandomFlip):
    """Mirror each image top-bottom with probability p (default 0.5).

    Examples
    --------
    >>> import numpy as np
    >>> RandomVerticalFlip(p=1.0)(np.arange(3.0).reshape(1, 1, 3, 1)).ravel()
    array([2., 1., 0.])
    """
    axis = -2


def gather_windows(x: np.ndarray, tops: np.ndarray, lefts: np.ndarray, height: int,
                   width: int, padding: int, fill: float) -> np.ndarray:
    """out[n] = padded(x)[n, :, tops[n]:tops[n] + height, lefts[n]:lefts[n] + width].

    One advanced-indexing copy out of a strided view of every window position (no
    per-image loop and no index arrays of the output's size)."""
    if padding:
        pad = ((0, 0), (0, 0), (padding, padding), (padding, padding))
        x = np.pad(x, pad, constant_values=np.asarray(fill, dtype=x.dtype))
    windows = sliding_window_view(x, (height, width), axis=(2, 3))   # (N, C, oy, ox, h, w)
    out: np.ndarray = windows[np.arange(len(x)), :, tops, lefts]      # (N, C, h, w)
    return out


class RandomShift(Transform):
    """Translate each image by whole pixels: dy, dx uniform in [-max_shift, max_shift]
    (content moves down/right for positive values); uncovered pixels get `fill`.

    Examples
    --------
    >>> import numpy as np
    >>> shift = RandomShift(max_shift=1)
    >>> out = shift(np.ones((4, 1, 5, 5)), generator=0)
    >>> out.shape, float(out.min()), float(out.max())
    ((4, 1, 5, 5), 0.0, 1.0)
    """

    def __init__(self, max_shift: int = 2, fill: float = 0.0) -> None:
        if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) \
                or max_shift < 0:
            raise ArgumentError("max_shift",
                                f"{type(self).__name__}(max_shift): expected a non-negative "
                                f"integer number of pixels, got {max_shift!r}")
        self.max_shift = int(max_shift)
        self.fill = fill

    def shifts(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """The (dy, dx) this transform draws for n images (exposed for tests)."""
        return rng.integers(-self.max_shift, self.max_shift + 1, size=(2, n))

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        dy, dx = self.shifts(len(x), rng)
        m = self.max_shift
        return gather_windows(x, m - dy, m - dx, x.shape[2], x.shape[3], m, self.fill)


RandomTranslate = RandomShift


class RandomCrop(Transform):
    """Pad by `padding` pixels of `fill`, then cut a random `size` window from each image
    (torchvision's RandomCrop; size=H with padding=4 is the CIFAR recipe).

    Examples
    --------
    >>> import numpy as np
    >>> crop = RandomCrop(28, padding=2)
    >>> crop(np.ones((3, 1, 28, 28), dtype=np.float32), generator=0).shape
    (3, 1, 28, 28)
    >>> RandomCrop((2, 3))(np.zeros((1, 1, 4, 4))).shape
    (1, 1, 2, 3)
    """

    def __init__(self, size: Union[int, Sequence[int]], padding: int = 0,
                 fill: float = 0.0) -> None:
        size = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
        if len(size) != 2 or min(size) < 1:
            raise ArgumentError("size",
                                f"RandomCrop(size): expected a positive int or (height, width), "
                                f"got {size!r}")
        if padding < 0:
            raise ArgumentError("padding", f"RandomCrop(padding): expected >= 0, got {padding!r}")
        self.size = (int(size[0]), int(size[1]))
        self.padding = int(padding)
        self.fill = fill

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        height, width = self.size
        room_y = x.shape[2] + 2 * self.padding - height
        room_x = x.shape[3] + 2 * self.padding - width
        if room_y < 0 or room_x < 0:
            raise ArgumentError("size",
                                f"RandomCrop(size={self.size}): larger than the padded image "
                                f"{x.shape[2] + 2 * self.padding}x{x.shape[3] + 2 * self.padding}"
                                f" (batch shape {x.shape})")
        tops = rng.integers(0, room_y + 1, size=len(x))
        lefts = rng.integers(0, room_x + 1, size=len(x))
        return gather_windows(x, tops, lefts, height, width, self.padding, self.fill)
