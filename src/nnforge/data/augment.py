"""Image augmentation for (N, C, H, W) batches, batch augmentation, and the offline
expansion of a dataset with augmented copies (`expand_dataset`).

Every transform is called as `transform(batch, generator)` with a numpy Generator (or int
seed; None uses the library default), draws one set of random parameters per image, and
returns a new batch of the same shape and dtype (RandomCrop: the crop size). Nothing loops
over images in Python: flips, shifts, crops and erasing are masks and fancy indexing,
noise, brightness and colour jitter are broadcast arithmetic, and rotation/zoom are one
batched affine resampling (bilinear or nearest) computed with index arithmetic.

Use augmentation on training batches only: pass it as the training DataLoader's
`transform=`, or expand the training split offline, never the validation/test data.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import ArgumentError
from ..random import resolve_generator


def _check_batch(x, owner):
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.ndim != 4:
        hint = (" (flat images? load them with flatten=False or reshape to (N, 1, 28, 28))"
                if x.ndim == 2 else "")
        raise ValueError(f"{owner}: expected an image batch of shape (N, C, H, W), got shape "
                         f"{x.shape}{hint}")
    return x


def _restore(out, dtype):
    """Cast float work back to the input dtype (integers rounded and clipped to range)."""
    if out.dtype == dtype:
        return out
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.rint(out), info.min, info.max).astype(dtype)
    return out.astype(dtype)


def _work_dtype(dtype):
    return dtype if dtype.kind == "f" else np.dtype(np.float32)


def _check_interpolation(interpolation, owner):
    if interpolation not in ("bilinear", "nearest"):
        raise ArgumentError("interpolation",
                            f"{owner}(interpolation): expected 'bilinear' or 'nearest', got "
                            f"{interpolation!r}")
    return interpolation


FILL_MODES = ("constant", "wrap", "nearest")


def _check_fill_mode(fill_mode, owner):
    if fill_mode not in FILL_MODES:
        raise ValueError(f"{owner}(fill_mode): expected one of {', '.join(FILL_MODES)}, got "
                         f"{fill_mode!r}")
    return fill_mode


def _check_probability(p, owner):
    if not 0 <= p <= 1:
        raise ArgumentError("p", f"{owner}(p): expected a probability in [0, 1], got {p!r}")
    return float(p)


class Transform:
    """Base class: `__call__(batch, generator=None)` validates and calls `apply`."""

    def __call__(self, batch, generator=None):
        batch = _check_batch(batch, type(self).__name__)
        return self.apply(batch, resolve_generator(generator))

    def apply(self, batch, rng):
        raise NotImplementedError(f"{type(self).__name__} must implement apply(batch, rng)")

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Compose(Transform):
    """Apply transforms in order with the same generator."""

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for t in self.transforms:
            if not callable(t):
                raise TypeError(f"Compose: every transform must be callable, got "
                                f"{type(t).__name__}")

    def apply(self, batch, rng):
        for t in self.transforms:
            batch = t(batch, rng)
        return batch


class _RandomFlip(Transform):
    axis = -1

    def __init__(self, p=0.5):
        self.p = _check_probability(p, type(self).__name__)

    def apply(self, x, rng):
        chosen = rng.random(len(x)) < self.p
        out = x.copy()
        out[chosen] = np.flip(x[chosen], axis=self.axis)
        return out


class RandomHorizontalFlip(_RandomFlip):
    """Mirror each image left-right with probability p (default 0.5)."""
    axis = -1


class RandomVerticalFlip(_RandomFlip):
    """Mirror each image top-bottom with probability p (default 0.5)."""
    axis = -2


def _gather_windows(x, tops, lefts, height, width, padding, fill):
    """out[n] = padded(x)[n, :, tops[n]:tops[n] + height, lefts[n]:lefts[n] + width].

    One advanced-indexing copy out of a strided view of every window position (no
    per-image loop and no index arrays of the output's size)."""
    if padding:
        pad = ((0, 0), (0, 0), (padding, padding), (padding, padding))
        x = np.pad(x, pad, constant_values=np.asarray(fill, dtype=x.dtype))
    windows = sliding_window_view(x, (height, width), axis=(2, 3))   # (N, C, oy, ox, h, w)
    return windows[np.arange(len(x)), :, tops, lefts]                 # (N, C, h, w)


class RandomShift(Transform):
    """Translate each image by whole pixels: dy, dx uniform in [-max_shift, max_shift]
    (content moves down/right for positive values); uncovered pixels get `fill`."""

    def __init__(self, max_shift=2, fill=0.0):
        if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) \
                or max_shift < 0:
            raise ArgumentError("max_shift",
                                f"{type(self).__name__}(max_shift): expected a non-negative "
                                f"integer number of pixels, got {max_shift!r}")
        self.max_shift = int(max_shift)
        self.fill = fill

    def shifts(self, n, rng):
        """The (dy, dx) this transform draws for n images (exposed for tests)."""
        return rng.integers(-self.max_shift, self.max_shift + 1, size=(2, n))

    def apply(self, x, rng):
        dy, dx = self.shifts(len(x), rng)
        m = self.max_shift
        return _gather_windows(x, m - dy, m - dx, x.shape[2], x.shape[3], m, self.fill)


RandomTranslate = RandomShift


class RandomCrop(Transform):
    """Pad by `padding` pixels of `fill`, then cut a random `size` window from each image
    (torchvision's RandomCrop; size=H with padding=4 is the CIFAR recipe)."""

    def __init__(self, size, padding=0, fill=0.0):
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

    def apply(self, x, rng):
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
        return _gather_windows(x, tops, lefts, height, width, self.padding, self.fill)


def affine_resample(x, matrices, fill=0.0, interpolation="bilinear", fill_mode="constant"):
    """Resample each image through its own 2x2 matrix about the image centre.

    Output pixel (i, j) reads input location `centre + matrices[n] @ ((i, j) - centre)`.
    Locations outside the image read, by `fill_mode` (Keras' names): "constant" the value
    `fill`; "wrap" the image tiled periodically (row -1 is the last row, as if the image
    were on a torus); "nearest" the closest edge pixel. One vectorised gather for the
    whole batch.
    """
    _check_fill_mode(fill_mode, "affine_resample")
    n, c, h, w = x.shape
    dtype = _work_dtype(x.dtype)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    ii, jj = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")
    grid = np.stack([ii.ravel(), jj.ravel()])                                  # (2, HW)
    src = np.einsum("nab,bp->nap", matrices, grid)                             # (N, 2, HW)
    sy, sx = src[:, 0] + cy, src[:, 1] + cx
    flat = x.reshape(n, c, h * w)
    batch = np.arange(n)[:, None, None]
    channel = np.arange(c)[None, :, None]
    fill_value = dtype.type(fill)

    def read(yi, xi):
        if fill_mode == "wrap":
            yi, xi = yi % h, xi % w
        elif fill_mode == "nearest":
            yi, xi = np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)
        inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        index = np.where(inside, yi * w + xi, 0)
        values = flat[batch, channel, index[:, None, :]].astype(dtype, copy=False)
        return np.where(inside[:, None, :], values, fill_value)

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
    return _restore(out.reshape(n, c, h, w), x.dtype)


class RandomRotation(Transform):
    """Rotate each image by an angle uniform in [-degrees, degrees] about its centre
    (or in `degrees=(lo, hi)`; `(45, 45)` always rotates by 45 degrees), counter-clockwise
    for positive angles as torchvision and scipy.ndimage.rotate. The uncovered
    corners get `fill` with fill_mode="constant", the opposite edges' pixels with "wrap"
    (the image tiled periodically; scipy's rotate(mode='grid-wrap')), the nearest edge
    pixel with "nearest"."""

    def __init__(self, degrees, interpolation="bilinear", fill=0.0, fill_mode="constant"):
        low, high = (-degrees, degrees) if np.isscalar(degrees) else tuple(degrees)
        if low > high:
            raise ArgumentError("degrees",
                                f"RandomRotation(degrees): expected a non-negative number or "
                                f"(min, max), got {degrees!r}")
        self.degrees = (float(low), float(high))
        self.interpolation = _check_interpolation(interpolation, "RandomRotation")
        self.fill = fill
        self.fill_mode = _check_fill_mode(fill_mode, "RandomRotation")

    def apply(self, x, rng):
        theta = np.deg2rad(rng.uniform(*self.degrees, size=len(x)))
        cos, sin = np.cos(theta), np.sin(theta)
        # inverse rotation in (row, column) coordinates, rows pointing down: where in the
        # input each output pixel comes from, for a counter-clockwise turn on screen
        matrices = np.stack([np.stack([cos, sin], 1), np.stack([-sin, cos], 1)], 1)
        return affine_resample(x, matrices, self.fill, self.interpolation, self.fill_mode)


class RandomZoom(Transform):
    """Zoom each image about its centre by a factor uniform in `zoom_range` (>1 enlarges;
    a number z means (1 - z, 1 + z), as in Keras); `fill_mode` as in RandomRotation."""

    def __init__(self, zoom_range=(0.9, 1.1), interpolation="bilinear", fill=0.0,
                 fill_mode="constant"):
        low, high = (1 - zoom_range, 1 + zoom_range) if np.isscalar(zoom_range) \
            else tuple(zoom_range)
        if not 0 < low <= high:
            raise ArgumentError("zoom_range",
                                f"RandomZoom(zoom_range): expected 0 < min <= max, got "
                                f"{zoom_range!r}")
        self.zoom_range = (float(low), float(high))
        self.interpolation = _check_interpolation(interpolation, "RandomZoom")
        self.fill = fill
        self.fill_mode = _check_fill_mode(fill_mode, "RandomZoom")

    def apply(self, x, rng):
        factor = rng.uniform(*self.zoom_range, size=len(x))
        matrices = np.eye(2)[None] / factor[:, None, None]
        return affine_resample(x, matrices, self.fill, self.interpolation, self.fill_mode)


class RandomBrightness(Transform):
    """Add one offset per image, uniform in [-delta, delta] (in pixel units of the batch:
    0..1 for float images, 0..255 for uint8). `clip=(lo, hi)` clips the result."""

    def __init__(self, delta=0.1, clip=None):
        if delta < 0:
            raise ArgumentError("delta", f"RandomBrightness(delta): expected >= 0, got {delta!r}")
        self.delta = float(delta)
        self.clip = clip

    def apply(self, x, rng):
        dtype = _work_dtype(x.dtype)
        offset = rng.uniform(-self.delta, self.delta, size=len(x)).astype(dtype)
        out = x.astype(dtype) + offset[:, None, None, None]
        if self.clip is not None:
            np.clip(out, dtype.type(self.clip[0]), dtype.type(self.clip[1]), out=out)
        return _restore(out, x.dtype)


def _jitter_range(value, owner, name):
    """(lo, hi) of a multiplicative factor: a number v means (max(0, 1 - v), 1 + v), as in
    torchvision's ColorJitter; a pair is taken as it is."""
    if np.isscalar(value):
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
    """

    def __init__(self, brightness=0.0, contrast=0.0, saturation=0.0, per_channel=True,
                 clip=None):
        self.brightness = _jitter_range(brightness, "ColorJitter", "brightness")
        self.contrast = _jitter_range(contrast, "ColorJitter", "contrast")
        self.saturation = _jitter_range(saturation, "ColorJitter", "saturation")
        self.per_channel = bool(per_channel)
        self.clip = clip

    def factors(self, n, c, rng):
        """(brightness (N, C), contrast (N, C), saturation (N,)) factors for n images of c
        channels (exposed for tests); per-image factors are repeated over the channels."""
        k = c if self.per_channel else 1
        brightness = np.broadcast_to(rng.uniform(*self.brightness, size=(n, k)), (n, c))
        contrast = np.broadcast_to(rng.uniform(*self.contrast, size=(n, k)), (n, c))
        return brightness, contrast, rng.uniform(*self.saturation, size=n)

    def apply(self, x, rng):
        dtype = _work_dtype(x.dtype)
        n, c = x.shape[:2]
        brightness, contrast, saturation = (f.astype(dtype) for f in self.factors(n, c, rng))
        out = x.astype(dtype) * brightness[:, :, None, None]
        if self.contrast != (1.0, 1.0):
            mean = out.mean(axis=(2, 3), keepdims=True)
            out = mean + contrast[:, :, None, None] * (out - mean)
        if self.saturation != (1.0, 1.0):
            grey = out.mean(axis=1, keepdims=True)
            out = grey + saturation[:, None, None, None] * (out - grey)
        if self.clip is not None:
            np.clip(out, dtype.type(self.clip[0]), dtype.type(self.clip[1]), out=out)
        return _restore(out, x.dtype)


class GaussianNoise(Transform):
    """Add N(0, std^2) noise to every pixel (scikit-image's `random_noise(x, var=0.2**2)` is
    std=0.2). `clip=(lo, hi)` clips the result."""

    def __init__(self, std=0.1, clip=None):
        if std < 0:
            raise ArgumentError("std", f"GaussianNoise(std): expected >= 0, got {std!r}")
        self.std = float(std)
        self.clip = clip

    def apply(self, x, rng):
        dtype = _work_dtype(x.dtype)
        noise = rng.standard_normal(x.shape, dtype=dtype)
        noise *= dtype.type(self.std)
        noise += x
        if self.clip is not None:
            np.clip(noise, dtype.type(self.clip[0]), dtype.type(self.clip[1]), out=noise)
        return _restore(noise, x.dtype)


class RandomErasing(Transform):
    """Random erasing (Zhong et al., 2017; torchvision's defaults): with probability p,
    fill one rectangle of area fraction in `scale` and aspect ratio in `ratio`
    (log-uniform) with `value`. Unlike torchvision's up-to-10 retries, a rectangle that
    would not fit is clipped to the image, which keeps the draw vectorised."""

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0):
        self.p = _check_probability(p, "RandomErasing")
        if not 0 < scale[0] <= scale[1] <= 1:
            raise ArgumentError("scale",
                                f"RandomErasing(scale): expected 0 < min <= max <= 1, "
                                f"got {scale!r}")
        if not 0 < ratio[0] <= ratio[1]:
            raise ArgumentError("ratio",
                                f"RandomErasing(ratio): expected 0 < min <= max, got {ratio!r}")
        self.scale, self.ratio, self.value = tuple(scale), tuple(ratio), value

    def apply(self, x, rng):
        n, _, h, w = x.shape
        chosen = rng.random(n) < self.p
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


class BatchAugment:
    """Batch augmentation (Hoffer et al., 2019, "Augment your batch"): each sample
    appears `copies` times in the batch, each copy augmented independently, labels
    repeated. Called as `(X, y) = batch_augment(X, y, generator)`; the DataLoader passes
    targets to it (`needs_targets`). Copies of sample i are consecutive rows."""

    needs_targets = True

    def __init__(self, transform, copies=2):
        if not callable(transform):
            raise TypeError(f"BatchAugment(transform): expected a callable, got "
                            f"{type(transform).__name__}")
        if isinstance(copies, bool) or not isinstance(copies, (int, np.integer)) or copies < 1:
            raise ArgumentError("copies", f"BatchAugment(copies): expected a positive integer, got "
                                          f"{copies!r}")
        self.transform = transform
        self.copies = int(copies)

    def __call__(self, X, y=None, generator=None):
        X = np.repeat(np.asarray(X), self.copies, axis=0)
        X = self.transform(X, resolve_generator(generator))
        return X, (None if y is None else np.repeat(np.asarray(y), self.copies, axis=0))

    def __repr__(self):
        return f"BatchAugment({self.transform!r}, copies={self.copies})"


def expand_dataset(X, y, transform, factor=None, generator=None):
    """Offline augmentation: the originals followed by augmented copies, labels repeated.

    `transform` is one transform, applied `factor - 1` times with fresh random draws
    (factor=5: the dataset five times as large), or a list of transforms, each applied
    once to every image (`factor` is then len(list) + 1 and may be omitted). The course's
    recipe: `expand_dataset(X, y, [RandomRotation((45, 45), fill_mode="wrap"),
    RandomHorizontalFlip(1.0), RandomVerticalFlip(1.0), GaussianNoise(0.2)])` gives
    original, rotated, mirrored, flipped and noisy copies: x5.

    Returns (X_new, y_new): X_new[:n] is X unchanged, block k (rows k*n .. (k+1)*n - 1) the
    k-th augmented copy of every image, y_new = y repeated `factor` times in the same
    blocks. Expand the training split only (after splitting), never validation/test data.
    """
    X = _check_batch(X, "expand_dataset")
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"expand_dataset: X has {len(X)} images but y has {len(y)} labels")
    transforms = list(transform) if isinstance(transform, (list, tuple)) else None
    if transforms is None:
        if not callable(transform):
            raise TypeError(f"expand_dataset(transform): expected a transform or a list of "
                            f"transforms, got {type(transform).__name__}")
        if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
            raise ValueError(f"expand_dataset(factor): expected a positive integer (the size "
                             f"of the result in multiples of the dataset), got {factor!r}")
        transforms = [transform] * (int(factor) - 1)
    elif factor is not None and factor != len(transforms) + 1:
        raise ValueError(f"expand_dataset(factor={factor!r}): {len(transforms)} transforms "
                         f"give the originals plus {len(transforms)} copies, factor "
                         f"{len(transforms) + 1}")
    rng = resolve_generator(generator)
    copies = [X] + [t(X, rng) for t in transforms]
    return np.concatenate(copies), np.concatenate([y] * len(copies))
