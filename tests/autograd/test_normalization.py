"""The fused BatchNorm kernel (autograd/normalization.py): gradchecks in training and
evaluation mode, the lecture's worked example, and the batch-of-one error."""
import numpy as np
import pytest

from nnforge.autograd import Tensor, gradcheck
from nnforge.autograd.normalization import BatchNorm


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2), (3, 3, 2, 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_gradcheck_training(rng, shape, affine):
    x = Tensor(rng.standard_normal(shape) * 2 + 1, requires_grad=True)
    w = Tensor(rng.standard_normal(3), requires_grad=True) if affine else None
    b = Tensor(rng.standard_normal(3), requires_grad=True) if affine else None
    inputs = (x, w, b) if affine else (x,)
    fn = (lambda x, w, b: BatchNorm.apply(x, w, b, training=True)) if affine else \
        (lambda x: BatchNorm.apply(x, None, None, training=True))
    assert gradcheck(fn, *inputs)


def test_gradcheck_eval_uses_running_statistics(rng):
    x = Tensor(rng.standard_normal((4, 3, 2, 2)), requires_grad=True)
    w = Tensor(rng.standard_normal(3), requires_grad=True)
    b = Tensor(rng.standard_normal(3), requires_grad=True)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    fn = lambda x, w, b: BatchNorm.apply(x, w, b, running_mean=mean,  # noqa: E731
                                         running_var=var, training=False)
    assert gradcheck(fn, x, w, b)
    out = fn(x, w, b).data
    expected = (x.data - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5) \
        * w.data[:, None, None] + b.data[:, None, None]
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_worked_example():
    # x = (1, 2, 3, 6), eps 1e-5: mean 3, biased var 3.5 (unbiased 4.6667 for running stats)
    x = np.array([[1.0], [2.0], [3.0], [6.0]])
    running_mean, running_var = np.zeros(1), np.ones(1)
    out = BatchNorm.apply(x, np.array([2.0]), np.array([0.5]), running_mean=running_mean,
                          running_var=running_var, training=True, momentum=1.0)
    np.testing.assert_allclose(out.data[:, 0], [-1.638087, -0.569043, 0.5, 3.707130],
                               atol=1e-6)
    np.testing.assert_allclose(running_mean, [3.0])
    np.testing.assert_allclose(running_var, [14 / 3])


def test_running_statistics_update_in_place(rng):
    x = rng.standard_normal((6, 2)) * 3 + 2
    mean, var = np.zeros(2), np.ones(2)
    BatchNorm.apply(x, None, None, running_mean=mean, running_var=var, training=True,
                    momentum=0.1)
    np.testing.assert_allclose(mean, 0.1 * x.mean(0))
    np.testing.assert_allclose(var, 0.9 + 0.1 * x.var(0, ddof=1))


def test_batch_of_one_in_training_is_an_error():
    with pytest.raises(ValueError, match=r"needs more than one value per channel .* got "
                                         r"input shape \(1, 4\)"):
        BatchNorm.apply(np.zeros((1, 4)), None, None, training=True)
