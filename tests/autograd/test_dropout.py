"""The dropout Function: inverted scaling, a float64 gradcheck, the drop rate, and the same
numbers under both backends for the same seed."""
import numpy as np
import pytest

import nnforge as nf
from nnforge.autograd import gradcheck
from nnforge.autograd.dropout import Dropout, drop_threshold, dropout, random_bits


def _backend_run(backend, seed, dtype):
    previous = nf.set_backend(backend)
    try:
        x = nf.tensor(np.linspace(-3, 3, 60).reshape(3, 20).astype(dtype), requires_grad=True)
        y = dropout(x, 0.3, np.random.default_rng(seed))
        (y * nf.tensor(np.arange(60.0).reshape(3, 20).astype(dtype))).sum().backward()
        return y.numpy(), x.grad.numpy()
    finally:
        nf.set_backend(previous)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backends_agree_bit_for_bit(dtype):
    pytest.importorskip("numba")
    out_numpy, grad_numpy = _backend_run("numpy", 7, dtype)
    out_numba, grad_numba = _backend_run("numba", 7, dtype)
    assert out_numpy.dtype == out_numba.dtype == dtype
    np.testing.assert_array_equal(out_numpy, out_numba, err_msg="forward, numpy vs numba")
    np.testing.assert_array_equal(grad_numpy, grad_numba, err_msg="backward, numpy vs numba")


def test_kept_values_are_scaled_and_gradient_is_the_mask():
    x = nf.tensor(np.ones((200, 50)), requires_grad=True)
    y = dropout(x, 0.4, np.random.default_rng(0))
    y.sum().backward()
    values = np.unique(y.numpy())
    np.testing.assert_allclose(values, [0.0, 1 / 0.6], err_msg=f"backend {nf.get_backend()}")
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())
    assert abs((y.numpy() == 0).mean() - 0.4) < 0.01


def test_same_generator_state_same_mask_as_random_bits():
    bits = random_bits((5, 7), np.random.default_rng(3))
    y = dropout(nf.tensor(np.ones((5, 7))), 0.5, np.random.default_rng(3))
    np.testing.assert_array_equal(y.numpy() != 0, bits >= drop_threshold(0.5))


def test_gradcheck_float64():
    x = nf.tensor(np.random.default_rng(1).standard_normal((4, 6)), requires_grad=True)
    bits = random_bits((4, 6), np.random.default_rng(2))
    assert gradcheck(lambda t: Dropout.apply(t, bits=bits, threshold=drop_threshold(0.5),
                                             scale=np.float64(2.0)), x)


def test_integer_input_is_computed_in_float32():
    y = dropout(nf.tensor(np.arange(8)), 0.5, np.random.default_rng(0))
    assert y.dtype == nf.float32
    assert set(np.unique(y.numpy()) / 2) <= set(np.arange(8.0))


def test_threshold_extremes():
    assert drop_threshold(0.0) == 0
    assert drop_threshold(0.999999) == 65535
    assert drop_threshold(0.5) == 32768
