"""Augmentation: shapes/dtypes kept, seeds reproduce, flips and shifts exact on constructed
images, rotation/zoom resampling checked against hand-made cases, batch augmentation."""
import numpy as np
import pytest

from nnforge.data import (BatchAugment, ColorJitter, Compose, DataLoader, GaussianNoise,
                          RandomBrightness, RandomCrop, RandomErasing, RandomHorizontalFlip,
                          RandomRotation, RandomShift, RandomTranslate, RandomVerticalFlip,
                          RandomZoom, TensorDataset, affine_resample, expand_dataset)


def batch(n=6, c=2, h=7, w=5, dtype=np.float32):
    return np.arange(n * c * h * w, dtype=np.float64).reshape(n, c, h, w).astype(dtype)


ALL = [RandomHorizontalFlip(0.5), RandomVerticalFlip(0.5), RandomShift(2), RandomTranslate(1),
       RandomRotation(30), RandomZoom((0.8, 1.2)), RandomBrightness(0.2), GaussianNoise(0.1),
       RandomCrop((7, 5), padding=2), RandomErasing(0.7),
       RandomRotation(20, interpolation="nearest"),
       RandomRotation(30, fill_mode="wrap"), ColorJitter(0.3, 0.3, 0.3),
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


# --- rotation fill modes ------------------------------------------------------------------
@pytest.mark.parametrize("interpolation, order", [("bilinear", 1), ("nearest", 0)])
@pytest.mark.parametrize("angle", [45, -30, 90, 12.5])
def test_rotation_wrap_and_nearest_match_scipy(interpolation, order, angle):
    ndimage = pytest.importorskip("scipy.ndimage")
    x = np.random.default_rng(0).random((2, 3, 9, 11))
    for mode, scipy_mode in (("wrap", "grid-wrap"), ("nearest", "nearest")):
        ours = RandomRotation((angle, angle), interpolation, fill_mode=mode)(x, 0)
        theirs = ndimage.rotate(x, angle, axes=(3, 2), reshape=False, order=order,
                                mode=scipy_mode)
        if interpolation == "nearest" and angle % 90:
            # pixels that fall half-way between two neighbours may round either way
            assert np.mean(np.isclose(ours, theirs)) > 0.9
        else:
            np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_wrap_fills_corners_from_the_opposite_edges_not_with_the_fill_value():
    x = batch(n=4, c=1, h=8, w=8) + 1.0                     # every pixel >= 1
    constant = RandomRotation((45, 45), fill=0.0)(x, 0)
    wrapped = RandomRotation((45, 45), fill=0.0, fill_mode="wrap")(x, 0)
    assert (constant[:, :, 0, 0] == 0).all()                # the corner is outside
    assert wrapped.min() >= x.min() and wrapped.max() <= x.max()
    inner = (slice(None), slice(None), slice(3, 5), slice(3, 5))
    np.testing.assert_allclose(wrapped[inner], constant[inner])   # the centre agrees
    zoomed = RandomZoom((0.5, 0.5), fill_mode="wrap", interpolation="nearest")(x, 0)
    assert zoomed.min() >= 1.0
    with pytest.raises(ValueError, match=r"RandomRotation\(fill_mode\): expected one of "
                                         r"constant, wrap, nearest, got 'mirror'"):
        RandomRotation(10, fill_mode="mirror")


# --- colour jitter ------------------------------------------------------------------------
def colour_batch(n=16, seed=0):
    return np.random.default_rng(seed).uniform(0.1, 0.9, size=(n, 3, 6, 5)).astype(np.float32)


def test_brightness_scales_each_channel_by_its_own_factor():
    x = colour_batch()
    jitter = ColorJitter(brightness=0.4)
    b, c, s = jitter.factors(16, 3, np.random.default_rng(5))
    np.testing.assert_array_equal(c, 1.0)
    np.testing.assert_array_equal(s, 1.0)
    assert ((b >= 0.6) & (b <= 1.4)).all() and np.unique(b).size == 48   # per channel
    out = jitter(x, np.random.default_rng(5))
    np.testing.assert_allclose(out, x * b[:, :, None, None], rtol=1e-6)
    shared = ColorJitter(brightness=0.4, per_channel=False).factors(16, 3,
                                                                   np.random.default_rng(5))[0]
    assert (shared == shared[:, :1]).all()                  # one factor for all channels


def test_contrast_keeps_each_channel_mean_and_scales_its_spread():
    x = colour_batch().astype(np.float64)
    jitter = ColorJitter(contrast=(0.2, 1.8))
    _, c, _ = jitter.factors(16, 3, np.random.default_rng(1))
    out = jitter(x, np.random.default_rng(1))
    np.testing.assert_allclose(out.mean(axis=(2, 3)), x.mean(axis=(2, 3)), atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(2, 3)), c * x.std(axis=(2, 3)), rtol=1e-10)


def test_saturation_keeps_the_grey_level_and_zero_gives_grey():
    x = colour_batch().astype(np.float64)
    out = ColorJitter(saturation=(0.0, 0.0))(x, 0)
    np.testing.assert_allclose(out, np.repeat(x.mean(axis=1, keepdims=True), 3, axis=1))
    jitter = ColorJitter(saturation=0.9)
    _, _, s = jitter.factors(16, 3, np.random.default_rng(2))
    out = jitter(x, np.random.default_rng(2))
    np.testing.assert_allclose(out.mean(axis=1), x.mean(axis=1), atol=1e-12)
    grey = x.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(out - grey, s[:, None, None, None] * (x - grey), atol=1e-12)
    grey_images = np.repeat(grey, 3, axis=1)
    np.testing.assert_allclose(jitter(grey_images, 3), grey_images, atol=1e-12)


def test_colour_jitter_clips_keeps_dtype_and_validates():
    x = (colour_batch() * 255).astype(np.uint8)
    out = ColorJitter(brightness=(2.0, 3.0), clip=(0, 255))(x, 0)
    assert out.dtype == np.uint8 and out.max() == 255
    with pytest.raises(ValueError, match=r"ColorJitter\(contrast\): expected a number >= 0"):
        ColorJitter(contrast=-0.1)
    with pytest.raises(ValueError, match=r"ColorJitter\(saturation\): expected 0 <= min <= max"):
        ColorJitter(saturation=(1.5, 0.5))


# --- offline expansion --------------------------------------------------------------------
def test_expand_dataset_keeps_the_originals_and_adds_factor_minus_one_copies():
    x = batch(n=10)
    y = np.arange(10)
    X5, y5 = expand_dataset(x, y, GaussianNoise(0.1), factor=5, generator=0)
    assert X5.shape == (50,) + x.shape[1:] and X5.dtype == x.dtype
    np.testing.assert_array_equal(X5[:10], x)
    np.testing.assert_array_equal(y5, np.tile(y, 5))
    copies = X5.reshape(5, 10, *x.shape[1:])
    assert all(not np.array_equal(copies[i], copies[j]) for i in range(5) for j in range(i))
    again, _ = expand_dataset(x, y, GaussianNoise(0.1), factor=5, generator=0)
    np.testing.assert_array_equal(again, X5)
    same, labels = expand_dataset(x, y, GaussianNoise(0.1), factor=1)
    np.testing.assert_array_equal(same, x)


def test_expand_dataset_with_the_course_recipe_is_five_times_larger():
    x = batch(n=4, c=1, h=8, w=8)
    y = np.array([3, 1, 4, 1])
    recipe = [RandomRotation((45, 45), fill_mode="wrap"), RandomHorizontalFlip(1.0),
              RandomVerticalFlip(1.0), GaussianNoise(0.2)]
    X5, y5 = expand_dataset(x, y, recipe, generator=0)
    assert len(X5) == len(y5) == 5 * len(x)
    np.testing.assert_array_equal(X5[:4], x)
    np.testing.assert_array_equal(X5[8:12], x[..., ::-1])
    np.testing.assert_array_equal(X5[12:16], x[:, :, ::-1])
    np.testing.assert_array_equal(y5.reshape(5, 4), np.tile(y, (5, 1)))
    with pytest.raises(ValueError, match=r"expand_dataset\(factor=3\): 4 transforms give"):
        expand_dataset(x, y, recipe, factor=3)
    with pytest.raises(ValueError, match=r"expand_dataset\(factor\): expected a positive"):
        expand_dataset(x, y, GaussianNoise(0.1), factor=0)
    with pytest.raises(ValueError, match="X has 4 images but y has 3 labels"):
        expand_dataset(x, y[:3], GaussianNoise(0.1), factor=2)
