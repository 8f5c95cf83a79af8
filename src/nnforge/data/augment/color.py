"""Pixel-value changes: brightness offsets, colour jitter (brightness, contrast and
saturation factors) and Gaussian noise, all broadcast arithmetic over the batch."""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

from ...errors import ArgumentError
from .base import Transform, optional_clip, restore, work_dtype

__all__ = ["RandomBrightness", "ColorJitter", "GaussianNoise"]

Range = Union[float, tuple[float, float]]


class RandomBrightness(Transform):
    """Add one offset per image, uniform in [-delta, delta] (in pixel units of the batch:
    0..1 for float images, 0..255 for uint8). `clip=(lo, hi)` clips the result.

    Examples
    --------
    >>> import numpy as np
    >>> out = RandomBrightness(0.1, clip=(0, 1))(np.full((2, 1, 2, 2), 0.5), generator=0)
    >>> bool(np.all(np.abs(out - 0.5) <= 0.1)), len(np.unique(out[0]))   # one offset an image
    (True, 1)
    """

    def __init__(self, delta: float = 0.1, clip: Optional[tuple[float, float]] = None) -> None:
        if delta < 0:
            raise ArgumentError("delta", f"RandomBrightness(delta): expected >= 0, got {delta!r}")
        self.delta = float(delta)
        self.clip = clip

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        dtype = work_dtype(x.dtype)
        offset = rng.uniform(-self.delta, self.delta, size=len(x)).astype(dtype)
        out = x.astype(dtype) + offset[:, None, None, None]
        return restore(optional_clip(out, self.clip), x.dtype)


def _jitter_range(value: Range, owner: str, name: str) -> tuple[float, float]:
    """(lo, hi) of a multiplicative factor: a number v means (max(0, 1 - v), 1 + v), as in
    torchvision's ColorJitter; a pair is taken as it is."""
    if isinstance(value, (int, float, np.number)):
        if value < 0:
            raise ValueError(f"{owner}({name}): expected a number >= 0 or (min, max), got "
                             f"{value!r}")
        return (max(0.0, 1.0 - float(value)), 1.0 + float(value))
    low, high = (float(v) for v in value)
    if not 0 <= low <= high:
        raise ValueError(f"{owner}({name}): expected 0 <= min <= max, got {value!r}")
    return (low, high)


class ColorJitter(Transform):
    """Random colour changes drawn per image and, with `per_channel=True` (default), per
    channel: the red, green and blue planes of one image each get their own factor.

    Applied in this order, each factor uniform in its range (a number v means
    (max(0, 1 - v), 1 + v), 0 switches the change off):
      brightness b: x <- b * x (each channel scaled);
      contrast c: x <- m + c * (x - m), m the image's spatial mean of that channel, so the
        channel's mean is kept and its spread scaled by c;
      saturation s: x <- g + s * (x - g), g the pixel's mean over channels (the grey
        level), so s = 0 gives a grey image and grey images are unchanged; the grey level
        is shared by the channels, so saturation draws one factor per image.
    `clip=(lo, hi)` clips the result (e.g. (0, 1) for float images, (0, 255) for uint8).
    torchvision's ColorJitter draws one factor per image for all channels and shuffles the
    order; this version keeps a fixed order so a seed gives the same result everywhere.

    Examples
    --------
    >>> import numpy as np
    >>> grey = np.full((1, 3, 2, 2), 0.5)
    >>> out = ColorJitter(saturation=0.9)(grey, generator=0)   # grey images stay grey
    >>> bool(np.allclose(out, grey))
    True
    >>> ColorJitter(brightness=0.2).brightness
    (0.8, 1.2)
    """

    def __init__(self, brightness: Range = 0.0, contrast: Range = 0.0,
                 saturation: Range = 0.0, per_channel: bool = True,
                 clip: Optional[tuple[float, float]] = None) -> None:
        self.brightness = _jitter_range(brightness, "ColorJitter", "brightness")
        self.contrast = _jitter_range(contrast, "ColorJitter", "contrast")
        self.saturation = _jitter_range(saturation, "ColorJitter", "saturation")
        self.per_channel = bool(per_channel)
        self.clip = clip

    def factors(self, n: int, c: int, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(brightness (N, C), contrast (N, C), saturation (N,)) factors for n images of c
        channels (exposed for tests); per-image factors are repeated over the channels."""
        k = c if self.per_channel else 1
        brightness = np.broadcast_to(rng.uniform(*self.brightness, size=(n, k)), (n, c))
        contrast = np.broadcast_to(rng.uniform(*self.contrast, size=(n, k)), (n, c))
        return brightness, contrast, rng.uniform(*self.saturation, size=n)

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        dtype = work_dtype(x.dtype)
        n, c = x.shape[:2]
        brightness, contrast, saturation = (f.astype(dtype) for f in self.factors(n, c, rng))
        out = x.astype(dtype) * brightness[:, :, None, None]
        if self.contrast != (1.0, 1.0):
            mean = out.mean(axis=(2, 3), keepdims=True)
            out = mean + contrast[:, :, None, None] * (out - mean)
        if self.saturation != (1.0, 1.0):
            grey = out.mean(axis=1, keepdims=True)
            out = grey + saturation[:, None, None, None] * (out - grey)
        return restore(optional_clip(out, self.clip), x.dtype)


class GaussianNoise(Transform):
    """Add N(0, std^2) noise to every pixel (scikit-image's `random_noise(x, var=0.2**2)` is
    std=0.2). `clip=(lo, hi)` clips the result.

    Examples
    --------
    >>> import numpy as np
    >>> noisy = GaussianNoise(std=0.2, clip=(0, 1))(np.full((8, 1, 16, 16), 0.5), generator=0)
    >>> round(float(noisy.std()), 1), float(noisy.min()) >= 0
    (0.2, True)
    """

    def __init__(self, std: float = 0.1, clip: Optional[tuple[float, float]] = None) -> None:
        if std < 0:
            raise ArgumentError("std", f"GaussianNoise(std): expected >= 0, got {std!r}")
        self.std = float(std)
        self.clip = clip

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        dtype = work_dtype(x.dtype)
        noise = rng.standard_normal(x.shape, dtype=dtype)
        noise *= dtype.type(self.std)
        noise += x
        return restore(optional_clip(noise, self.clip), x.dtype)
