"""The dropout kernel equals its NumPy reference (nnforge.autograd.dropout.apply_mask) bit
for bit, so a seeded run drops and scales the same way under both backends."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nnforge import kernels
from nnforge.autograd.dropout import apply_mask, drop_threshold, random_bits
from kernel_strategies import DTYPES, arrays

SHAPES = st.lists(st.integers(1, 6), min_size=0, max_size=4).map(tuple)


def _input(seed, shape, dtype):
    x = np.asarray(arrays(seed, shape, dtype))
    if x.size:     # NaN, infinities and signed zeros: x * 0 keeps their sign or NaN
        x.reshape(-1)[: min(4, x.size)] = [np.nan, np.inf, -np.inf, -0.0][: min(4, x.size)]
    return x


@settings(max_examples=80, deadline=None)
@given(SHAPES, DTYPES, st.integers(0, 2**31), st.floats(0.0, 0.999))
def test_apply_mask_equals_reference_bit_for_bit(shape, dtype, seed, p):
    x = _input(seed, shape, dtype)
    bits = random_bits(shape, np.random.default_rng(seed))
    scale = dtype(1 / (1 - p))
    ours = kernels.apply_mask(x, bits, drop_threshold(p), scale)
    with np.errstate(invalid="ignore"):             # inf * 0 is NaN, as intended
        reference = apply_mask.reference(x, bits, drop_threshold(p), scale)
    assert ours.dtype == reference.dtype == dtype and ours.shape == reference.shape
    integer = np.uint32 if dtype == np.float32 else np.uint64
    np.testing.assert_array_equal(ours.view(integer), reference.view(integer))


def test_kept_elements_are_scaled_and_dropped_ones_zero():
    x = np.array([1.0, -2.0, 3.0, 4.0], dtype=np.float32)
    bits = np.array([0, 32767, 32768, 65535], dtype=np.uint16)
    out = kernels.apply_mask(x, bits, drop_threshold(0.5), np.float32(2.0))
    np.testing.assert_array_equal(out, [0.0, -0.0, 6.0, 8.0])
    assert np.signbit(out[1])


@pytest.mark.parametrize("case", ["float16", "int", "wrong bits dtype", "non-contiguous"])
def test_unsupported_inputs_fall_back(case):
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    bits = np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000
    if case == "float16":
        x = x.astype(np.float16)
    elif case == "int":
        x = x.astype(np.int64)
    elif case == "wrong bits dtype":
        bits = bits.astype(np.uint32)
    else:
        x, bits = x.T, bits.T
        assert kernels.apply_mask(x, bits, np.uint16(20000), np.float32(2)) is NotImplemented
        return
    assert kernels.apply_mask(x, bits, np.uint16(20000), x.dtype.type(2)) is NotImplemented
