"""Fused SGD, RMSprop and Adam update kernels equal their NumPy references
(nnforge.optim): several steps from the same state, every option combination drawn."""
import numpy as np
from hypothesis import given, settings, strategies as st

from nnforge import kernels
from nnforge.optim.adam import adam_step
from nnforge.optim.rmsprop import rmsprop_step
from nnforge.optim.sgd import sgd_step
from kernel_strategies import DTYPES, arrays

SHAPES = st.lists(st.integers(1, 7), min_size=1, max_size=3).map(tuple)
RTOL = {np.float32: 2e-6, np.float64: 1e-13}


def _run(step, reference, shape, dtype, seed, state_names, options, steps=4):
    """Apply `step` and `reference` from identical states; compare everything after each."""
    rng = np.random.default_rng(seed)
    start = {"param": arrays(seed, shape, dtype)}
    for name in state_names:
        if name == "grad_avg":          # zero, so that v - c**2 stays >= 0 as in training
            start[name] = np.zeros(shape, dtype)
        else:
            start[name] = np.abs(arrays(seed + 7, shape, dtype)) if name else None
    ours = {k: None if v is None else v.copy() for k, v in start.items()}
    theirs = {k: None if v is None else v.copy() for k, v in start.items()}
    for t in range(1, steps + 1):
        grad = rng.standard_normal(shape).astype(dtype)
        extra = options(t)
        step(ours["param"], grad, *[ours[n] for n in state_names], None, **extra)
        reference(theirs["param"], grad, *[theirs[n] for n in state_names],
                  np.empty(shape, dtype), **extra)
        for name in ours:
            if ours[name] is not None:
                assert ours[name].dtype == dtype
                np.testing.assert_allclose(ours[name], theirs[name], rtol=RTOL[dtype],
                                           atol=RTOL[dtype], err_msg=f"{name} after step {t}")


@settings(max_examples=40, deadline=None)
@given(SHAPES, DTYPES, st.integers(0, 2**31), st.booleans(),
       st.floats(1e-4, 0.1), st.floats(0.0, 0.99), st.floats(0.5, 0.9999), st.floats(1e-8, 1e-3))
def test_adam_equals_reference(shape, dtype, seed, amsgrad, lr, beta1, beta2, eps):
    names = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq" if amsgrad else None]
    _run(kernels.adam_step, adam_step.reference, shape, dtype, seed, names,
         lambda t: dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, step=t))


@settings(max_examples=40, deadline=None)
@given(SHAPES, DTYPES, st.integers(0, 2**31), st.floats(1e-4, 0.5),
       st.sampled_from([0.0, 0.5, 0.9]), st.sampled_from([0.0, 0.3]), st.booleans())
def test_sgd_equals_reference(shape, dtype, seed, lr, momentum, dampening, nesterov):
    nesterov = nesterov and momentum > 0 and dampening == 0
    names = ["momentum_buffer" if momentum else None]
    _run(kernels.sgd_step, sgd_step.reference, shape, dtype, seed, names,
         lambda t: dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                        first=t == 1))


@settings(max_examples=40, deadline=None)
@given(SHAPES, DTYPES, st.integers(0, 2**31), st.floats(1e-4, 0.1), st.floats(0.5, 0.999),
       st.floats(1e-8, 1e-2), st.sampled_from([0.0, 0.9]), st.booleans())
def test_rmsprop_equals_reference(shape, dtype, seed, lr, alpha, eps, momentum, centered):
    names = ["square_avg", "grad_avg" if centered else None,
             "momentum_buffer" if momentum else None]
    _run(kernels.rmsprop_step, rmsprop_step.reference, shape, dtype, seed, names,
         lambda t: dict(lr=lr, alpha=alpha, eps=eps, momentum=momentum))
