"""The NaN/Inf guard: a NaN injected into a weight mid-training, an exploding learning
rate, and NaN in the data each stop training with a message naming epoch, step and layer."""
import numpy as np
import pytest

from nnforge import nn, optim
from nnforge.train import LambdaCallback, NonFiniteGuard, Trainer, TrainingDivergedError


def _data(n=64):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(np.int64)


def _model():
    g = np.random.default_rng(0)
    return nn.Sequential(nn.Linear(4, 8, generator=g), nn.ReLU(), nn.Linear(8, 8, generator=g),
                         nn.ReLU(), nn.Linear(8, 2, generator=g))


def test_nan_injected_into_a_weight_names_the_layer():
    model = _model()

    def inject(batch, logs):
        if trainer.global_step == 10:                  # after the 10th update
            model[2].weight.data[3, 1] = np.nan

    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                      callbacks=[LambdaCallback(on_batch_end=inject)])
    with pytest.raises(TrainingDivergedError) as info:
        trainer.fit(_data(), epochs=5, batch_size=16, verbose=0)   # 4 steps per epoch
    error = info.value
    assert (error.epoch, error.step, error.parameter, error.layer) == (3, 11, "2.weight", "Linear")
    message = str(error)
    assert message.startswith("training diverged at epoch 3, step 11: loss is nan")
    assert "parameter '2.weight' of layer 2 (Linear)" in message
    assert "first non-finite gradient: '0.weight' of layer 0 (Linear)" in message
    assert "diverged" in trainer.history.stop_reason and len(trainer.history) == 2
    # the update of the failing step was not applied: other weights are still finite
    assert np.isfinite(model[0].weight.data).all()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_exploding_learning_rate_is_caught():
    model = _model()
    X, y = _data()
    X = X * 1e3
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=1e12), nn.CrossEntropyLoss())
    with pytest.raises(TrainingDivergedError, match=r"training diverged at epoch \d+, step \d+"):
        trainer.fit((X, y), epochs=50, batch_size=16, verbose=0)


def test_nan_in_data_blames_the_data():
    X, y = _data()
    X[5, 2] = np.nan
    model = _model()
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match=r"fit: the data contain NaN or Inf \(X\[5, 2\] = nan\)"):
        trainer.fit((X, y), epochs=1, batch_size=16, shuffle=False, verbose=0)


def test_nan_reaching_the_loss_names_the_first_bad_gradient():
    X, y = _data()
    model = _model()
    model[0].weight.data[0, 0] = np.nan
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
    with pytest.raises(TrainingDivergedError, match="epoch 1, step 1: loss is nan") as info:
        trainer.fit((X, y), epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert "'0.weight'" in str(info.value)


def test_guard_off_trains_on_nan_silently():
    X, y = _data()
    X[5, 2] = np.nan
    model = _model()
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                      nan_guard=False)
    history = trainer.fit((X, y), epochs=1, batch_size=16, verbose=0)
    assert np.isnan(history["loss"][0])


def test_guard_passes_finite_steps_and_large_finite_gradients():
    model = nn.Linear(3, 1)
    guard = NonFiniteGuard(model)
    model.weight.grad = np.full((1, 3), 3e38, dtype=np.float32)   # its float32 sum overflows
    model.bias.grad = np.zeros(1, dtype=np.float32)
    guard.check(0.5, epoch=1, step=1)                              # finite: no error
    model.bias.grad[0] = np.inf
    with pytest.raises(TrainingDivergedError, match="loss 0.5 is finite but a gradient is not.*"
                                                    "'bias' of layer <model> \\(Linear\\)"):
        guard.check(0.5, epoch=2, step=7)
