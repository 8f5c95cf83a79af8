"""Hypothesis strategies shared by the kernel tests: float dtypes, and convolution or
pooling geometries with at least one output pixel."""
import numpy as np
from hypothesis import strategies as st

DTYPES = st.sampled_from([np.float32, np.float64])

#: relative tolerance for sums whose order may differ between kernel and reference
RTOL = {np.float32: 1e-5, np.float64: 1e-12}


def arrays(rng_seed, shape, dtype):
    return np.random.default_rng(rng_seed).standard_normal(shape).astype(dtype)


@st.composite
def window_geometries(draw, max_padding_half_kernel=False):
    """(x_shape, kernel_size, stride, padding, dilation) with a non-empty output; pooling
    geometries (`max_padding_half_kernel`) keep padding <= kernel // 2 as PyTorch does."""
    N, C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    if max_padding_half_kernel:
        padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    else:
        padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    reach = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    H = draw(st.integers(max(1, reach[0] - 2 * padding[0]), 10))
    W = draw(st.integers(max(1, reach[1] - 2 * padding[1]), 10))
    return (N, C, H, W), kernel, stride, padding, dilation
