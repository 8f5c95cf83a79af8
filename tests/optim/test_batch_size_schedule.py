"""BatchSizeSchedule and the SGD noise scale."""
import pytest

from nnforge.optim import BatchSizeSchedule, noise_scale


def test_noise_scale_worked_value():
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


def test_growing_batch_matches_lr_decay_with_fewer_updates():
    """Smith et al. (2017) on digits: SGD momentum 0.9, 30 epochs. Step decay lr 0.05 / 5 at
    epochs 10 and 20 (batch 16) vs constant lr 0.05 with batch 16 x 5 at the same epochs.
    Same init and shuffling. Measured: both 0.978 validation accuracy; 2040 vs 850 updates."""
    import numpy as np

    import nnforge
    import nnforge.nn as nn
    from nnforge import optim
    from nnforge.data import load_digits, train_val_test_split

    digits = load_digits()
    X, y = digits.X / 16.0, digits.y
    train, val, _ = train_val_test_split(y, seed=0)

    def run(lr_at, batch_at, epochs=30):
        generator = np.random.default_rng(0)
        model = nn.Sequential(nn.Linear(64, 64, generator=generator), nn.ReLU(),
                              nn.Linear(64, 10, generator=generator))
        opt = optim.SGD(model.parameters(), lr=lr_at(0), momentum=0.9)
        loss_fn, order, updates = nn.CrossEntropyLoss(), np.random.default_rng(1), 0
        for epoch in range(epochs):
            opt.param_groups[0]["lr"] = lr_at(epoch)
            size = batch_at(epoch)
            permutation = train[order.permutation(len(train))]
            for start in range(0, len(train), size):
                index = permutation[start:start + size]
                opt.zero_grad()
                loss_fn(model(nnforge.tensor(X[index])), y[index]).backward()
                opt.step()
                updates += 1
        with nnforge.no_grad():
            accuracy = float((model(nnforge.tensor(X[val])).numpy().argmax(1) == y[val]).mean())
        return accuracy, updates

    decay_accuracy, decay_updates = run(optim.schedules.multistep(0.05, [10, 20], 0.2),
                                        lambda epoch: 16)
    batches = BatchSizeSchedule(16, milestones=[10, 20], factor=5)
    grow_accuracy, grow_updates = run(lambda epoch: 0.05, batches.batch_size)
    assert (decay_updates, grow_updates) == (2040, 850)
    assert decay_accuracy > 0.95 and grow_accuracy > 0.95
    assert abs(decay_accuracy - grow_accuracy) <= 0.02
