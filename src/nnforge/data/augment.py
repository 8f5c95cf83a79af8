"""Image augmentation for (N, C, H, W) batches and batch
augmentation.

Every transform is called as `transform(batch, generator)` with a numpy Generator (or int
seed; None uses the library default), draws one set of random parameters per image, and
returns a new batch of the same shape and dtype (RandomCrop: the crop size). Nothing loops
over images in Python: flips, shifts, crops and erasing are masks and fancy indexing,
noise and brightness are broadcast arithmetic, and rotation/zoom are one batched affine
resampling (bilinear or nearest) computed with index arithmetic.

Use augmentation on training batches only: pass it as the training DataLoader's
`transform=`, never to the validation/test loaders.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

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
        raise ValueError(f"{owner}(interpolation): expected 'bilinear' or 'nearest', got "
                         f"{interpolation!r}")
    return interpolation


def _check_probability(p, owner):
    if not 0 <= p <= 1:
        raise ValueError(f"{owner}(p): expected a probability in [0, 1], got {p!r}")
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
            raise ValueError(f"{type(self).__name__}(max_shift): expected a non-negative "
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
            raise ValueError(f"RandomCrop(size): expected a positive int or (height, width), "
                             f"got {size!r}")
        if padding < 0:
            raise ValueError(f"RandomCrop(padding): expected >= 0, got {padding!r}")
        self.size = (int(size[0]), int(size[1]))
        self.padding = int(padding)
        self.fill = fill

    def apply(self, x, rng):
        height, width = self.size
        room_y = x.shape[2] + 2 * self.padding - height
        room_x = x.shape[3] + 2 * self.padding - width
        if room_y < 0 or room_x < 0:
            raise ValueError(f"RandomCrop(size={self.size}): larger than the padded image "
                             f"{x.shape[2] + 2 * self.padding}x{x.shape[3] + 2 * self.padding}"
                             f" (batch shape {x.shape})")
        tops = rng.integers(0, room_y + 1, size=len(x))
        lefts = rng.integers(0, room_x + 1, size=len(x))
        return _gather_windows(x, tops, lefts, height, width, self.padding, self.fill)


def affine_resample(x, matrices, fill=0.0, interpolation="bilinear"):
    """Resample each image through its own 2x2 matrix about the image centre.

    Output pixel (i, j) reads input location `centre + matrices[n] @ ((i, j) - centre)`;
    locations outside the image read `fill`. One vectorised gather for the whole batch.
    """
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
    (or in `degrees=(lo, hi)`); corners get `fill`."""

    def __init__(self, degrees, interpolation="bilinear", fill=0.0):
        low, high = (-degrees, degrees) if np.isscalar(degrees) else tuple(degrees)
        if low > high:
            raise ValueError(f"RandomRotation(degrees): expected a non-negative number or "
                             f"(min, max), got {degrees!r}")
        self.degrees = (float(low), float(high))
        self.interpolation = _check_interpolation(interpolation, "RandomRotation")
        self.fill = fill

    def apply(self, x, rng):
        theta = np.deg2rad(rng.uniform(*self.degrees, size=len(x)))
        cos, sin = np.cos(theta), np.sin(theta)
        # inverse rotation: where in the input does each output pixel come from
        matrices = np.stack([np.stack([cos, -sin], 1), np.stack([sin, cos], 1)], 1)
        return affine_resample(x, matrices, self.fill, self.interpolation)


class RandomZoom(Transform):
    """Zoom each image about its centre by a factor uniform in `zoom_range` (>1 enlarges;
    a number z means (1 - z, 1 + z), as in Keras)."""

    def __init__(self, zoom_range=(0.9, 1.1), interpolation="bilinear", fill=0.0):
        low, high = (1 - zoom_range, 1 + zoom_range) if np.isscalar(zoom_range) \
            else tuple(zoom_range)
        if not 0 < low <= high:
            raise ValueError(f"RandomZoom(zoom_range): expected 0 < min <= max, got "
                             f"{zoom_range!r}")
        self.zoom_range = (float(low), float(high))
        self.interpolation = _check_interpolation(interpolation, "RandomZoom")
        self.fill = fill

    def apply(self, x, rng):
        factor = rng.uniform(*self.zoom_range, size=len(x))
        matrices = np.eye(2)[None] / factor[:, None, None]
        return affine_resample(x, matrices, self.fill, self.interpolation)


class RandomBrightness(Transform):
    """Add one offset per image, uniform in [-delta, delta] (in pixel units of the batch:
    0..1 for float images, 0..255 for uint8). `clip=(lo, hi)` clips the result."""

    def __init__(self, delta=0.1, clip=None):
        if delta < 0:
            raise ValueError(f"RandomBrightness(delta): expected >= 0, got {delta!r}")
        self.delta = float(delta)
        self.clip = clip

    def apply(self, x, rng):
        dtype = _work_dtype(x.dtype)
        offset = rng.uniform(-self.delta, self.delta, size=len(x)).astype(dtype)
        out = x.astype(dtype) + offset[:, None, None, None]
        if self.clip is not None:
            np.clip(out, dtype.type(self.clip[0]), dtype.type(self.clip[1]), out=out)
        return _restore(out, x.dtype)


class GaussianNoise(Transform):
    """Add N(0, std^2) noise to every pixel (the lecture's `random_noise(x, var=0.2**2)` is
    std=0.2). `clip=(lo, hi)` clips the result."""

    def __init__(self, std=0.1, clip=None):
        if std < 0:
            raise ValueError(f"GaussianNoise(std): expected >= 0, got {std!r}")
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
            raise ValueError(f"RandomErasing(scale): expected 0 < min <= max <= 1, got {scale!r}")
        if not 0 < ratio[0] <= ratio[1]:
            raise ValueError(f"RandomErasing(ratio): expected 0 < min <= max, got {ratio!r}")
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
            raise ValueError(f"BatchAugment(copies): expected a positive integer, got "
                             f"{copies!r}")
        self.transform = transform
        self.copies = int(copies)

    def __call__(self, X, y=None, generator=None):
        X = np.repeat(np.asarray(X), self.copies, axis=0)
        X = self.transform(X, resolve_generator(generator))
        return X, (None if y is None else np.repeat(np.asarray(y), self.copies, axis=0))

    def __repr__(self):
        return f"BatchAugment({self.transform!r}, copies={self.copies})"
