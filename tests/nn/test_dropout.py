"""Inverted dropout: kept fraction, scaling, eval-mode identity, seeding, gradient."""
import numpy as np
import pytest

import nnforge as nf
from nnforge import nn


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_kept_fraction_and_scaling(p):
    x = np.ones((1000, 1000), dtype=np.float32)
    out = nn.Dropout(p, generator=0)(x).data
    kept = out != 0
    assert kept.mean() == pytest.approx(1 - p, abs=0.01)
    np.testing.assert_allclose(out[kept], 1 / (1 - p), rtol=1e-6)
    assert out.dtype == np.float32
    # expectation preserved: E[m x / (1 - p)] = x
    assert out.mean() == pytest.approx(1.0, abs=0.01)


def test_identity_in_eval_mode_and_p_zero():
    x = nf.tensor(np.arange(12.0).reshape(3, 4))
    layer = nn.Dropout(0.5)
    layer.eval()
    assert layer(x) is x
    assert nn.Dropout(0.0)(x) is x
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5)).eval()
    assert not model[1].training
    np.testing.assert_array_equal(model(x).data, model[0](x).data)


def test_reproducible_with_seeded_generator():
    x = np.ones((50, 50), dtype=np.float32)
    a = nn.Dropout(0.5, generator=np.random.default_rng(4))(x).data
    b = nn.Dropout(0.5, generator=np.random.default_rng(4))(x).data
    np.testing.assert_array_equal(a, b)
    nf.manual_seed(1)
    c = nn.functional.dropout(x, 0.5).data
    nf.manual_seed(1)
    d = nn.functional.dropout(x, 0.5).data
    np.testing.assert_array_equal(c, d)
    assert not np.array_equal(a, nn.Dropout(0.5, generator=5)(x).data)


def test_gradient_flows_through_kept_units_only():
    x = nf.tensor(np.ones((20, 30)), requires_grad=True)
    out = nn.Dropout(0.3, generator=2)(x)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, out.data)  # mask / (1 - p), the same for x = 1


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, "0.5", None])
def test_bad_p(p):
    with pytest.raises(ValueError, match=r"Dropout: p \(the probability of dropping a unit\) "
                                         r"must be a number in \[0, 1\)"):
        nn.Dropout(p)
    if isinstance(p, float):
        with pytest.raises(ValueError, match=r"dropout: p .* must be in \[0, 1\)"):
            nn.functional.dropout(np.ones(3), p)


def test_repr():
    assert repr(nn.Dropout()) == "Dropout(p=0.5)"


def _mc_model():
    return nn.Sequential(nn.Linear(4, 16, generator=0), nn.ReLU(),
                         nn.Dropout(0.5, generator=1), nn.Linear(16, 3, generator=2))


def test_mc_dropout_mean_std_entropy():
    model = _mc_model()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    model.eval()
    result = nn.mc_dropout_predict(model, x, mc_samples=200)
    assert not model.training and not model[2].training  # modes restored
    assert result.mean.shape == result.std.shape == (5, 3) and result.entropy.shape == (5,)
    np.testing.assert_allclose(result.mean.sum(axis=1), 1, rtol=1e-5)
    assert (result.std > 0).all()  # the passes differ
    assert ((result.entropy >= 0) & (result.entropy <= np.log(3) + 1e-6)).all()
    # the mean over passes differs from the deterministic eval-mode prediction but agrees
    # with it roughly (dropout is unbiased before the nonlinearity-free last layer)
    eval_probs = nn.functional.softmax(model(x), dim=-1).data
    assert np.abs(result.mean - eval_probs).max() < 0.25
    # entropy by hand for sample 0
    p = result.mean[0]
    assert result.entropy[0] == pytest.approx(-(p * np.log(p)).sum(), rel=1e-5)


def test_mc_dropout_regression_and_errors():
    model = _mc_model().train()
    out = nn.mc_dropout_predict(model, np.ones((2, 4), dtype=np.float32), 10, output=None)
    assert out.entropy is None and model.training
    with pytest.raises(ValueError, match="has no Dropout layer"):
        nn.mc_dropout_predict(nn.Linear(2, 2), np.ones((1, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="mc_samples must be a positive integer"):
        nn.mc_dropout_predict(model, np.ones((1, 4)), 0)


def test_layer_seeded_with_an_int_draws_a_new_mask_each_call():
    layer = nn.Dropout(0.5, generator=3)
    x = np.ones((20, 20), dtype=np.float32)
    first, second = layer(x).data, layer(x).data
    assert not np.array_equal(first, second)
    again = nn.Dropout(0.5, generator=3)
    np.testing.assert_array_equal(again(x).data, first)


@pytest.mark.parametrize("shape", [(1001, 997), (3,), (2, 1, 5)])
def test_keep_mask_rate_shape_and_independence(shape):
    """16 random bits per entry, four entries per 64-bit draw: the rate is 1 - p and the
    entries sharing a draw are uncorrelated."""
    mask = nn.functional.keep_mask(shape, 0.3, np.random.default_rng(0))
    assert mask.shape == shape and mask.dtype == bool
    if mask.size > 10000:
        assert mask.mean() == pytest.approx(0.7, abs=0.003)
        flat = mask.reshape(-1)[:mask.size // 4 * 4].reshape(-1, 4).astype(float)
        corr = np.corrcoef(flat.T)
        assert np.abs(corr - np.eye(4)).max() < 0.01


def test_keep_mask_extremes():
    rng = np.random.default_rng(1)
    assert nn.functional.keep_mask((1000,), 0.0, rng).all()
    assert nn.functional.keep_mask((100000,), 0.999999, rng).mean() < 1e-3


def test_eval_mode_returns_what_it_was_given_like_torch():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    ours, theirs = nn.Dropout(0.5).eval(), torch.nn.Dropout(0.5).eval()
    x, tx = nf.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    assert ours(x) is x and theirs(tx) is tx                 # the very same object
    # an ndarray comes back as a Tensor viewing it, in eval mode as in training mode
    # (PyTorch refuses ndarrays in both modes)
    out_eval = ours(data)
    out_train = nn.Dropout(0.5, generator=0).train()(data)
    assert type(out_eval) is type(out_train) is nf.Tensor
    assert np.shares_memory(out_eval.data, data)
    np.testing.assert_array_equal(out_eval.data, data)
    with pytest.raises(TypeError):
        theirs(data)


def test_identity_returns_its_input_object_like_torch():
    torch = pytest.importorskip("torch")
    data = np.arange(6.0).reshape(2, 3)
    x, tx = nf.tensor(data), torch.tensor(data)
    for mode in (True, False):
        assert nn.Identity().train(mode)(x) is x
        assert torch.nn.Identity().train(mode)(tx) is tx
        assert nn.Identity().train(mode)(data) is data       # torch.nn.Identity does the same
        assert torch.nn.Identity().train(mode)(data) is data
