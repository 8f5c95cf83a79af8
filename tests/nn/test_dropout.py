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
    # expectation preserved (H10): E[m x / (1 - p)] = x
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
