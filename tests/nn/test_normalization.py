"""nn.normalization: BatchNorm1d/BatchNorm2d against PyTorch in training and evaluation
mode, including the running statistics and num_batches_tracked after several steps,
momentum=None, affine=False, track_running_stats=False; the state dict; errors."""
import numpy as np
import pytest
import torch

from nnforge.autograd import Tensor
from nnforge.nn.normalization import BatchNorm1d, BatchNorm2d, batch_norm

CASES = [(BatchNorm1d, torch.nn.BatchNorm1d, (6, 4)),
         (BatchNorm1d, torch.nn.BatchNorm1d, (5, 4, 3)),
         (BatchNorm2d, torch.nn.BatchNorm2d, (3, 4, 5, 3))]
OPTIONS = [dict(), dict(momentum=None), dict(momentum=0.3, eps=1e-3), dict(affine=False),
           dict(track_running_stats=False)]


def _pair(ours_cls, torch_cls, rng, **kwargs):
    ours = ours_cls(4, dtype=np.float64, **kwargs)
    theirs = torch_cls(4, **kwargs).double()
    if ours.affine:        # non-trivial gamma and beta
        ours.weight.data[:] = rng.uniform(0.5, 2, 4)
        ours.bias.data[:] = rng.standard_normal(4)
    theirs.load_state_dict({k: torch.from_numpy(np.array(v))
                            for k, v in ours.state_dict().items()})
    return ours, theirs


def _step(ours, theirs, x, grad):
    xo = Tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out, ref = ours(xo), theirs(xt)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), atol=1e-6, rtol=1e-6)
    out.backward(grad)
    ref.backward(torch.tensor(grad))
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), atol=1e-6, rtol=1e-6)
    if ours.affine:
        for name in ("weight", "bias"):
            np.testing.assert_allclose(getattr(ours, name).grad,
                                       getattr(theirs, name).grad.numpy(), atol=1e-6,
                                       rtol=1e-6)
            getattr(ours, name).grad = None
            getattr(theirs, name).grad = None


def _assert_same_state(ours, theirs):
    theirs_state = theirs.state_dict()
    assert list(ours.state_dict()) == list(theirs_state)
    for name, value in ours.state_dict().items():
        np.testing.assert_allclose(value, theirs_state[name].numpy(), atol=1e-6, rtol=1e-6,
                                   err_msg=name)


@pytest.mark.parametrize("ours_cls, torch_cls, shape", CASES)
@pytest.mark.parametrize("options", OPTIONS)
def test_train_then_eval_matches_torch(rng, ours_cls, torch_cls, shape, options):
    ours, theirs = _pair(ours_cls, torch_cls, rng, **options)
    for _ in range(4):                                   # training steps
        x = rng.standard_normal(shape) * 3 + 1.5
        _step(ours, theirs, x, rng.standard_normal(shape))
        _assert_same_state(ours, theirs)
    ours.eval()
    theirs.eval()
    for _ in range(2):                                   # evaluation: running statistics
        x = rng.standard_normal(shape) * 3 + 1.5
        _step(ours, theirs, x, rng.standard_normal(shape))
    _assert_same_state(ours, theirs)
    if ours.track_running_stats:
        assert ours.num_batches_tracked.dtype == np.int64
        assert int(ours.num_batches_tracked) == 4


def test_running_update_uses_unbiased_variance(rng):
    bn = BatchNorm1d(3, dtype=np.float64)
    x = rng.standard_normal((5, 3)) * 2
    bn(Tensor(x))
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(0))
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(0, ddof=1))
    # ...while the output is normalized with the biased variance
    out = bn(Tensor(x)).numpy()
    np.testing.assert_allclose(out.var(0), x.var(0) / (x.var(0) + 1e-5), rtol=1e-9)


def test_functional_batch_norm(rng):
    x = rng.standard_normal((6, 3, 2))
    mean, var = np.zeros(3), np.ones(3)
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    tmean, tvar = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    out = batch_norm(Tensor(x), mean, var, Tensor(w), Tensor(b), training=True, momentum=0.2)
    ref = torch.nn.functional.batch_norm(torch.tensor(x), tmean, tvar, torch.tensor(w),
                                         torch.tensor(b), training=True, momentum=0.2)
    np.testing.assert_allclose(out.data, ref.numpy(), atol=1e-7)
    np.testing.assert_allclose(mean, tmean.numpy(), atol=1e-7)
    np.testing.assert_allclose(var, tvar.numpy(), atol=1e-7)
    out = batch_norm(Tensor(x), mean, var, training=False)
    ref = torch.nn.functional.batch_norm(torch.tensor(x), tmean, tvar, training=False)
    np.testing.assert_allclose(out.data, ref.numpy(), atol=1e-7)


def test_float32_and_state_dict_into_torch(rng):
    bn = BatchNorm2d(3)
    x = rng.standard_normal((4, 3, 5, 5)).astype(np.float32)
    out = bn(Tensor(x, requires_grad=True))
    assert out.dtype == bn.running_mean.dtype == bn.running_var.dtype == np.float32
    theirs = torch.nn.BatchNorm2d(3)
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in
                            bn.state_dict().items()})
    bn.eval()
    theirs.eval()
    np.testing.assert_allclose(bn(Tensor(x)).data, theirs(torch.from_numpy(x)).detach(),
                               atol=1e-5)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]


def test_load_state_dict_restores_the_counter(rng):
    a, b = BatchNorm1d(2), BatchNorm1d(2)
    for _ in range(3):
        a(Tensor(rng.standard_normal((4, 2)).astype(np.float32)))
    b.load_state_dict(a.state_dict())
    assert int(b.num_batches_tracked) == 3
    b(Tensor(rng.standard_normal((4, 2)).astype(np.float32)))
    assert int(b.state_dict()["num_batches_tracked"]) == 4


def test_batch_of_one_in_training_says_why():
    bn = BatchNorm1d(16)
    with pytest.raises(ValueError) as err:
        bn(np.zeros((1, 16), np.float32))
    assert str(err.value) == (
        "BatchNorm1d(num_features=16): training mode needs more than one value per channel "
        "to compute a batch variance; got input shape (1, 16). Use a batch size > 1 or call "
        "model.eval()")
    assert int(bn.num_batches_tracked) == 0
    bn.eval()
    assert bn(np.zeros((1, 16), np.float32)).shape == (1, 16)    # fine in eval mode


def test_wrong_shape_errors():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(num_features=8\): input has 3 "
                                         r"channels at dim 1, expected 8 \(shape "
                                         r"\(2, 3, 4, 4\)\)"):
        BatchNorm2d(8)(np.zeros((2, 3, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(num_features=8\): expected a 4-D"):
        BatchNorm2d(8)(np.zeros((2, 8), np.float32))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(num_features=8\): expected a 2-D"):
        BatchNorm1d(8)(np.zeros((2, 8, 3, 3), np.float32))
    with pytest.raises(TypeError, match=r"BatchNorm1d\(num_features=8\): input dtype float64 "
                                        r"does not match the weight dtype float32"):
        BatchNorm1d(8)(np.zeros((2, 8)))
    with pytest.raises(ValueError, match="momentum must be in"):
        BatchNorm1d(8, momentum=1.5)


def test_repr():
    assert repr(BatchNorm2d(4)) == ("BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, "
                                    "track_running_stats=True)")
