"""Random erasing: cover one random rectangle of some images with a constant value, so the
network cannot rely on any single region."""
from __future__ import annotations

import numpy as np

from ...errors import ArgumentError
from .base import Transform, check_probability

__all__ = ["RandomErasing"]


class RandomErasing(Transform):
    """Random erasing (Zhong et al., 2017; torchvision's defaults): with probability p,
    fill one rectangle of area fraction in `scale` and aspect ratio in `ratio`
    (log-uniform) with `value`. Unlike torchvision's up-to-10 retries, a rectangle that
    would not fit is clipped to the image, which keeps the draw vectorised.

    Examples
    --------
    >>> import numpy as np
    >>> erase = RandomErasing(p=1.0, scale=(0.25, 0.25), ratio=(1.0, 1.0), value=0.0)
    >>> out = erase(np.ones((2, 1, 8, 8)), generator=0)
    >>> (out == 0).sum(axis=(1, 2, 3))          # a 4x4 square in each image
    array([16, 16])
    """

    def __init__(self, p: float = 0.5, scale: tuple[float, float] = (0.02, 0.33),
                 ratio: tuple[float, float] = (0.3, 3.3), value: float = 0.0) -> None:
        self.p = check_probability(p, "RandomErasing")
        if not 0 < scale[0] <= scale[1] <= 1:
            raise ArgumentError("scale",
                                f"RandomErasing(scale): expected 0 < min <= max <= 1, "
                                f"got {scale!r}")
        if not 0 < ratio[0] <= ratio[1]:
            raise ArgumentError("ratio",
                                f"RandomErasing(ratio): expected 0 < min <= max, got {ratio!r}")
        self.scale: tuple[float, float] = (scale[0], scale[1])
        self.ratio: tuple[float, float] = (ratio[0], ratio[1])
        self.value = value

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, _, h, w = x.shape
        chosen = np.asarray(rng.random(n) < self.p)
        area = rng.uniform(*self.scale, size=n) * h * w
        aspect = np.exp(rng.uniform(np.log(self.ratio[0]), np.log(self.ratio[1]), size=n))
        eh = np.clip(np.rint(np.sqrt(area * aspect)), 1, h).astype(np.int64)
        ew = np.clip(np.rint(np.sqrt(area / aspect)), 1, w).astype(np.int64)
        top = (rng.random(n) * (h - eh + 1)).astype(np.int64)
        left = (rng.random(n) * (w - ew + 1)).astype(np.int64)
        rows = np.arange(h)[None, :]
        cols = np.arange(w)[None, :]
        in_rows = (rows >= top[:, None]) & (rows < (top + eh)[:, None])          # (N, H)
        in_cols = (cols >= left[:, None]) & (cols < (left + ew)[:, None])        # (N, W)
        mask = chosen[:, None, None] & in_rows[:, :, None] & in_cols[:, None, :]
        return np.where(mask[:, None], np.asarray(self.value, dtype=x.dtype), x)
