"""BatchSizeSchedule (G15) and the SGD noise scale (G14, catalogue N22)."""
import pytest

from nnforge.optim import BatchSizeSchedule, noise_scale


def test_catalogue_n22_noise_scale():
    assert noise_scale(0.1, 50_000, 128) == pytest.approx(38.9625)
    assert 0.1 * 50_000 / 128 == pytest.approx(39.0625)      # the B << N approximation
    assert noise_scale(0.1, 50_000, 128, momentum=0.9) == pytest.approx(389.625)


def test_growing_the_batch_keeps_the_noise_scale_of_a_decayed_lr():
    """Dividing lr by 5 or multiplying B by 5 gives (nearly) the same g when B << N."""
    schedule = BatchSizeSchedule(128, milestones=[10, 20], factor=5)
    decayed = noise_scale(0.1 / 5, 50_000, 128)
    grown = noise_scale(0.1, 50_000, schedule.batch_size(10))
    assert grown == pytest.approx(decayed, rel=0.02)   # 7.7125 vs 7.7925


def test_batch_sizes_cap_and_lr_scale():
    s = BatchSizeSchedule(128, milestones=[10, 20, 30], factor=5, max_batch_size=5000)
    assert s.values(31)[::10] == [128, 640, 3200, 5000]
    assert [s.lr_scale(e) for e in (0, 20, 30)] == pytest.approx([1.0, 1.0, 5000 / 16000])
    assert s(25) == 3200
    assert s.updates_per_epoch(50_000, 0) == 391 and s.updates_per_epoch(50_000, 0, True) == 390


@pytest.mark.parametrize("kwargs, match", [
    (dict(initial=0, milestones=[], factor=2), "initial"),
    (dict(initial=32, milestones=[], factor=0.5), "factor must be >= 1"),
    (dict(initial=32, milestones=[], factor=2, max_batch_size=16), "max_batch_size"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BatchSizeSchedule(**kwargs)
    with pytest.raises(ValueError, match="batch_size must be positive"):
        noise_scale(0.1, 100, 0)
