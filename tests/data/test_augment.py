"""Augmentation: shapes/dtypes kept, seeds reproduce, flips and shifts exact on constructed
images, rotation/zoom resampling checked against hand-made cases, batch augmentation."""
import numpy as np
import pytest

from nnforge.data import (BatchAugment, Compose, DataLoader, GaussianNoise, RandomBrightness,
                          RandomCrop, RandomErasing, RandomHorizontalFlip, RandomRotation,
                          RandomShift, RandomTranslate, RandomVerticalFlip, RandomZoom,
                          TensorDataset, affine_resample)


def batch(n=6, c=2, h=7, w=5, dtype=np.float32):
    return np.arange(n * c * h * w, dtype=np.float64).reshape(n, c, h, w).astype(dtype)


ALL = [RandomHorizontalFlip(0.5), RandomVerticalFlip(0.5), RandomShift(2), RandomTranslate(1),
       RandomRotation(30), RandomZoom((0.8, 1.2)), RandomBrightness(0.2), GaussianNoise(0.1),
       RandomCrop((7, 5), padding=2), RandomErasing(0.7),
       RandomRotation(20, interpolation="nearest"),
       Compose([RandomHorizontalFlip(), RandomCrop((7, 5), padding=1), GaussianNoise(0.05)])]


@pytest.mark.parametrize("transform", ALL, ids=lambda t: type(t).__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_shape_dtype_and_seed_reproducibility(transform, dtype):
    x = batch(dtype=dtype) % 200 if dtype == np.uint8 else batch(dtype=dtype)
    x = x.astype(dtype)
    a = transform(x, np.random.default_rng(3))
    b = transform(x, np.random.default_rng(3))
    c = transform(x, 4)
    assert a.shape == x.shape and a.dtype == x.dtype
    np.testing.assert_array_equal(a, b)
    assert c.shape == x.shape
    assert not np.shares_memory(a, x)


@pytest.mark.parametrize("transform", ALL[:10], ids=lambda t: type(t).__name__)
def test_different_seeds_differ(transform):
    x = batch(n=32)
    a = transform(x, 1)
    b = transform(x, 2)
    assert not np.array_equal(a, b)


def test_flips_are_exact():
    x = batch(n=200)
    out = RandomHorizontalFlip(0.5)(x, 0)
    flipped = np.all(out == x[..., ::-1], axis=(1, 2, 3))
    kept = np.all(out == x, axis=(1, 2, 3))
    assert np.all(flipped ^ kept)                 # each image exactly one of the two
    assert 60 < flipped.sum() < 140
    np.testing.assert_array_equal(RandomHorizontalFlip(1.0)(x, 0), x[..., ::-1])
    np.testing.assert_array_equal(RandomVerticalFlip(1.0)(x, 0), x[:, :, ::-1, :])
    np.testing.assert_array_equal(RandomVerticalFlip(0.0)(x, 0), x)


def test_shift_is_exact_against_a_reference():
    x = batch(n=40, c=2, h=6, w=5) + 1             # no zeros, so fill is visible
    t = RandomShift(2, fill=0.0)
    dy, dx = t.shifts(40, np.random.default_rng(11))
    out = t(x, np.random.default_rng(11))
    h, w = 6, 5
    for n in range(40):                            # reference: slow, per-image, obvious
        ref = np.zeros_like(x[n])
        for i in range(h):
            for j in range(w):
                si, sj = i - dy[n], j - dx[n]
                if 0 <= si < h and 0 <= sj < w:
                    ref[:, i, j] = x[n, :, si, sj]
        np.testing.assert_array_equal(out[n], ref)
    assert set(np.unique(dy)) <= {-2, -1, 0, 1, 2} and len(np.unique(dy)) > 2


def test_shift_single_pixel_moves_by_the_drawn_offset():
    x = np.zeros((50, 1, 9, 9), dtype=np.float32)
    x[:, 0, 4, 4] = 1.0
    t = RandomShift(3)
    dy, dx = t.shifts(50, np.random.default_rng(5))
    out = t(x, np.random.default_rng(5))
    pos = np.argwhere(out[:, 0] == 1.0)
    np.testing.assert_array_equal(pos[:, 1], 4 + dy)
    np.testing.assert_array_equal(pos[:, 2], 4 + dx)
    assert out.sum() == 50


def test_random_crop_windows_come_from_the_padded_image():
    x = batch(n=30, c=1, h=6, w=6) + 1
    out = RandomCrop(6, padding=2)(x, 7)
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    for n in range(30):
        matches = [(t, l) for t in range(5) for l in range(5)
                   if np.array_equal(padded[n, :, t:t + 6, l:l + 6], out[n])]
        assert matches
    smaller = RandomCrop((4, 3))(x, 0)
    assert smaller.shape == (30, 1, 4, 3)
    with pytest.raises(ValueError, match="larger than the padded image"):
        RandomCrop(9)(x, 0)


def test_rotation_by_90_degrees_equals_rot90():
    x = np.random.default_rng(0).random((3, 2, 5, 5)).astype(np.float64)
    out = RandomRotation((90, 90), interpolation="nearest")(x, 0)
    assert any(np.allclose(out, np.rot90(x, k, axes=(2, 3))) for k in (1, 3))
    bilinear = RandomRotation((90, 90))(x, 0)
    np.testing.assert_allclose(bilinear, out, atol=1e-12)
    np.testing.assert_allclose(RandomRotation((0, 0))(x, 0), x, atol=1e-12)


def test_zoom_identity_and_enlarging():
    x = np.random.default_rng(1).random((4, 1, 8, 8))
    np.testing.assert_allclose(RandomZoom((1.0, 1.0))(x, 0), x, atol=1e-12)
    # zoom 2 on odd-size image: centre pixel stays, output(i) reads input(c + (i - c) / 2)
    y = np.random.default_rng(2).random((2, 1, 5, 5))
    out = affine_resample(y, np.stack([np.eye(2) / 2] * 2), interpolation="bilinear")
    np.testing.assert_allclose(out[:, :, 2, 2], y[:, :, 2, 2])
    np.testing.assert_allclose(out[:, :, 0, 2], y[:, :, 1, 2])       # row 2 + (0 - 2) / 2 = 1
    np.testing.assert_allclose(out[:, :, 1, 2], 0.5 * (y[:, :, 1, 2] + y[:, :, 2, 2]))
    np.testing.assert_allclose(out[:, :, 1, 1], 0.25 * (y[:, :, 1, 1] + y[:, :, 1, 2]
                                                         + y[:, :, 2, 1] + y[:, :, 2, 2]))


def test_resample_outside_reads_fill():
    x = np.ones((1, 1, 4, 4))
    out = affine_resample(x, np.eye(2)[None] * 10, fill=-1.0, interpolation="nearest")
    assert out[0, 0, 0, 0] == -1.0


def test_brightness_adds_one_offset_per_image():
    x = batch(n=20)
    out = RandomBrightness(0.5)(x, 3)
    diff = out - x
    per_image = diff.reshape(20, -1)
    np.testing.assert_allclose(per_image, per_image[:, :1].repeat(per_image.shape[1], 1),
                               atol=1e-4)
    assert np.all(np.abs(per_image[:, 0]) <= 0.5)
    clipped = RandomBrightness(0.5, clip=(0.0, 1.0))(np.full((5, 1, 2, 2), 0.9, np.float32), 0)
    assert clipped.max() <= 1.0


def test_gaussian_noise_statistics_and_no_upcast():
    x = np.zeros((64, 1, 28, 28), dtype=np.float32)
    out = GaussianNoise(0.2)(x, 0)
    assert out.dtype == np.float32
    assert abs(out.std() - 0.2) < 0.005 and abs(out.mean()) < 0.005


def test_random_erasing_fills_one_rectangle():
    x = np.ones((100, 3, 10, 12), dtype=np.float32)
    out = RandomErasing(p=1.0, value=0.0)(x, 9)
    for n in range(100):
        zeros = np.argwhere(out[n, 0] == 0)
        assert len(zeros) > 0
        r0, c0 = zeros.min(0)
        r1, c1 = zeros.max(0)
        assert len(zeros) == (r1 - r0 + 1) * (c1 - c0 + 1)       # one solid rectangle
        np.testing.assert_array_equal(out[n, 0], out[n, 2])      # same on every channel
    assert np.array_equal(RandomErasing(p=0.0)(x, 0), x)


def test_batch_augment_repeats_and_augments_copies():
    x = batch(n=4)
    y = np.array([3, 1, 4, 1])
    aug = BatchAugment(RandomHorizontalFlip(0.5), copies=3)
    X2, y2 = aug(x, y, 0)
    assert X2.shape == (12,) + x.shape[1:] and X2.dtype == x.dtype
    np.testing.assert_array_equal(y2, np.repeat(y, 3))
    for i in range(12):
        source = x[i // 3]
        assert np.array_equal(X2[i], source) or np.array_equal(X2[i], source[..., ::-1])
    X3, _ = aug(x, y, 0)
    np.testing.assert_array_equal(X2, X3)


def test_loader_applies_transform_and_batch_augment():
    X = batch(n=10)
    y = np.arange(10)
    loader = DataLoader(TensorDataset(X, y), batch_size=4,
                        transform=BatchAugment(RandomShift(1), copies=2), generator=0)
    shapes = [(xb.shape[0], yb.shape[0]) for xb, yb in loader]
    assert shapes == [(8, 8), (8, 8), (4, 4)]
    flip = DataLoader(TensorDataset(X, y), batch_size=10, transform=RandomHorizontalFlip(1.0))
    xb, yb = next(iter(flip))
    np.testing.assert_array_equal(xb, X[..., ::-1])
    np.testing.assert_array_equal(yb, y)


def test_flat_batch_gets_a_clear_error():
    with pytest.raises(ValueError, match=r"RandomHorizontalFlip: expected an image batch of "
                                         r"shape \(N, C, H, W\), got shape \(8, 784\)"):
        RandomHorizontalFlip()(np.zeros((8, 784)), 0)


@pytest.mark.parametrize("make, message", [
    (lambda: RandomHorizontalFlip(1.5), r"RandomHorizontalFlip\(p\)"),
    (lambda: RandomShift(-1), r"RandomShift\(max_shift\)"),
    (lambda: RandomZoom((0, 1)), r"RandomZoom\(zoom_range\)"),
    (lambda: RandomErasing(scale=(0.5, 0.1)), r"RandomErasing\(scale\)"),
    (lambda: BatchAugment(RandomShift(1), copies=0), r"BatchAugment\(copies\)"),
    (lambda: RandomRotation(10, interpolation="cubic"), r"RandomRotation\(interpolation\)"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()
