"""Flush-to-zero during optimizer steps: on inside the context and the step, restored after."""
import numpy as np
import pytest

import nnforge.optim as optim
from nnforge import denormals
from nnforge.nn.parameter import Parameter

TINY = np.float32(1e-38)   # below float32's smallest normal number, 1.18e-38: a denormal

needs_support = pytest.mark.skipif(not denormals.supported(),
                                   reason="flush-to-zero needs x86-64 Linux with glibc")


@needs_support
def test_denormals_flush_inside_the_context_only():
    assert TINY * np.float32(0.5) > 0
    with denormals.flush_denormals():
        assert TINY * np.float32(0.5) == 0
        assert np.all(np.full(64, TINY) * np.float32(0.5) == 0)   # SIMD loops too
    assert TINY * np.float32(0.5) > 0


@needs_support
def test_switching_off_gives_ieee_arithmetic():
    previous = denormals.set_flush_denormal(False)
    try:
        with denormals.flush_denormals():
            assert TINY * np.float32(0.5) > 0
    finally:
        denormals.set_flush_denormal(previous)
    assert previous is True


@needs_support
def test_sgd_momentum_buffer_decays_to_zero_not_to_denormals():
    p = Parameter(np.ones(4, dtype=np.float32))
    opt = optim.SGD([p], lr=0.0, momentum=0.5)
    p.grad = np.full(4, 1e-30, dtype=np.float32)
    opt.step()
    p.grad = np.zeros(4, dtype=np.float32)
    for _ in range(30):        # 1e-30 * 0.5**30 = 9e-40 would be denormal
        opt.step()
    assert np.all(opt.state[p]["momentum_buffer"] == 0)
    assert TINY * np.float32(0.5) > 0      # the step restored the environment
