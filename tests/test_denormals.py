"""Flush-to-zero during optimizer steps: off unless switched on (`nnforge.perf`); when on,
active inside the context and the step only, restored after."""
import subprocess
import sys

import numpy as np
import pytest

import nnforge.optim as optim
from nnforge import denormals, perf
from nnforge.nn.parameter import Parameter

TINY = np.float32(1e-38)   # below float32's smallest normal number, 1.18e-38: a denormal

needs_support = pytest.mark.skipif(not denormals.supported(),
                                   reason="flush-to-zero needs x86-64 Linux with glibc")


@pytest.fixture(autouse=True)
def switched_off():
    """Start from the default, off (a Trainer.fit earlier in the session turns it on)."""
    previous = denormals.set_flush_denormal(False)
    yield
    denormals.set_flush_denormal(previous)


@pytest.fixture
def switched_on():
    with perf.enabled(allocator_tuning=False):
        yield


@needs_support
def test_denormals_flush_inside_the_context_only(switched_on):
    assert TINY * np.float32(0.5) > 0
    with denormals.flush_denormals():
        assert TINY * np.float32(0.5) == 0
        assert np.all(np.full(64, TINY) * np.float32(0.5) == 0)   # SIMD loops too
    assert TINY * np.float32(0.5) > 0


@needs_support
def test_off_gives_ieee_arithmetic():
    assert not denormals.flushing() and not perf.status()["flush_denormals"]
    with denormals.flush_denormals():
        assert TINY * np.float32(0.5) > 0


def test_import_leaves_flush_to_zero_off():
    code = "import nnforge, nnforge.optim, nnforge.denormals as d; print(d.flushing())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_trainer_fit_turns_the_switches_on_for_the_fit_only():
    from nnforge import nn, optim
    from nnforge.train import LambdaCallback, Trainer
    model = nn.Linear(3, 1)
    seen = []
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.MSELoss(),
                      callbacks=[LambdaCallback(
                          on_batch_end=lambda batch, logs: seen.append(denormals.flushing()))])
    x = np.ones((4, 3), dtype=np.float32)
    before = denormals.flushing()
    trainer.fit((x, np.zeros((4, 1), dtype=np.float32)), epochs=1, batch_size=4, verbose=0)
    assert seen == [denormals.supported()]
    assert denormals.flushing() == before


@needs_support
def test_switching_off_gives_ieee_arithmetic(switched_on):
    previous = denormals.set_flush_denormal(False)
    try:
        with denormals.flush_denormals():
            assert TINY * np.float32(0.5) > 0
    finally:
        denormals.set_flush_denormal(previous)
    assert previous is True


def _decay_momentum():
    p = Parameter(np.ones(4, dtype=np.float32))
    opt = optim.SGD([p], lr=0.0, momentum=0.5)
    p.grad = np.full(4, 1e-30, dtype=np.float32)
    opt.step()
    p.grad = np.zeros(4, dtype=np.float32)
    for _ in range(30):        # 1e-30 * 0.5**30 = 9e-40 would be denormal
        opt.step()
    return opt.state[p]["momentum_buffer"]


@needs_support
def test_sgd_momentum_buffer_decays_to_zero_not_to_denormals(switched_on):
    assert np.all(_decay_momentum() == 0)
    assert TINY * np.float32(0.5) > 0      # the step restored the environment


@needs_support
def test_without_the_switch_the_buffer_keeps_its_denormals():
    assert np.all(_decay_momentum() > 0)


def test_enabled_block_restores_the_previous_setting():
    assert not denormals.flushing()
    with perf.enabled(allocator_tuning=False) as status:
        assert status["flush_denormals"] == denormals.supported()
    assert not denormals.flushing()
