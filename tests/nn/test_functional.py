"""nn.functional against torch.nn.functional (float64, 1e-6): the stateless forms, incl.
options the modules pass through, and inputs given as plain NumPy arrays."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import nnforge as nf
from nnforge.nn import functional as F

RNG = np.random.default_rng(21)
X = RNG.standard_normal((3, 4)) * 2
W = RNG.standard_normal((5, 4))
B = RNG.standard_normal(5)

CASES = [
    ("linear", lambda x, w, b: F.linear(x, w, b), lambda x, w, b: TF.linear(x, w, b),
     [X, W, B]),
    ("linear no bias", lambda x, w: F.linear(x, w), lambda x, w: TF.linear(x, w), [X, W]),
    ("relu", F.relu, TF.relu, [X]),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.3), lambda x: TF.leaky_relu(x, 0.3), [X]),
    ("elu", lambda x: F.elu(x, 0.7), lambda x: TF.elu(x, 0.7), [X]),
    ("softplus", lambda x: F.softplus(x, 0.5, 1.0), lambda x: TF.softplus(x, 0.5, 1.0), [X]),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: TF.hardtanh(x, -0.5, 2.0), [X]),
    ("silu", F.silu, TF.silu, [X]),
    ("sigmoid", F.sigmoid, torch.sigmoid, [X]),
    ("tanh", F.tanh, torch.tanh, [X]),
    ("softmax", lambda x: F.softmax(x, 0), lambda x: TF.softmax(x, 0), [X]),
    ("log_softmax", lambda x: F.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1), [X]),
    ("prelu", F.prelu, TF.prelu, [X, np.array([0.1, 0.2, 0.3, 0.4])]),
    ("flatten", lambda x: F.flatten(x, 0, 1), lambda x: torch.flatten(x, 0, 1), [X]),
    ("mse_loss", F.mse_loss, TF.mse_loss, [X, X[::-1].copy()]),
    ("l1_loss sum", lambda x, y: F.l1_loss(x, y, reduction="sum"),
     lambda x, y: TF.l1_loss(x, y, reduction="sum"), [X, X[::-1].copy()]),
    ("soft_margin_loss", lambda x: F.soft_margin_loss(x, np.sign(X)),
     lambda x: TF.soft_margin_loss(x, torch.tensor(np.sign(X))), [X]),
    ("binary_cross_entropy_with_logits",
     lambda x: F.binary_cross_entropy_with_logits(x, (X > 0) * 1.0, pos_weight=np.full(4, 2.0)),
     lambda x: TF.binary_cross_entropy_with_logits(x, torch.tensor((X > 0) * 1.0),
                                                    pos_weight=torch.full((4,), 2.0,
                                                                          dtype=torch.float64)),
     [X]),
    ("binary_cross_entropy", lambda p: F.binary_cross_entropy(p, (X > 0) * 1.0),
     lambda p: TF.binary_cross_entropy(p, torch.tensor((X > 0) * 1.0)),
     [1 / (1 + np.exp(-X))]),
    ("cross_entropy", lambda x: F.cross_entropy(x, np.array([0, 3, 2]), label_smoothing=0.1),
     lambda x: TF.cross_entropy(x, torch.tensor([0, 3, 2]), label_smoothing=0.1), [X]),
    ("cross_entropy unbatched probabilities",
     lambda x: F.cross_entropy(x[0], np.array([0.1, 0.2, 0.3, 0.4])),
     lambda x: TF.cross_entropy(x[0], torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)),
     [X]),
    ("nll_loss", lambda x: F.nll_loss(x, np.array([1, 1, 3]), reduction="sum"),
     lambda x: TF.nll_loss(x, torch.tensor([1, 1, 3]), reduction="sum"), [X]),
]


@pytest.mark.parametrize("name, ours, theirs, inputs", CASES, ids=[c[0] for c in CASES])
def test_functional_matches_torch(name, ours, theirs, inputs, torch_parity):
    torch_parity(ours, theirs, inputs)


def test_swish_with_tensor_beta_and_number():
    x = nf.tensor(X, requires_grad=True)
    beta = nf.tensor(np.array(1.5), requires_grad=True)
    out = F.swish(x, beta)
    np.testing.assert_allclose(out.data, F.swish(X, 1.5).data)
    out.sum().backward()
    assert beta.grad.shape == ()


def test_numpy_inputs_give_tensors_without_grad():
    out = F.relu(X)
    assert isinstance(out, nf.Tensor) and not out.requires_grad
    assert F.cross_entropy(X, np.array([0, 1, 2])).shape == ()


def test_dropout_functional_eval_is_identity():
    assert F.dropout(X, 0.5, training=False) is X


def test_cross_entropy_target_dtype_error():
    with pytest.raises(TypeError, match="cross_entropy: target must hold integer class "
                                        "indices or float probabilities, got dtype bool"):
        F.cross_entropy(X, np.array([True, False, True]))
    with pytest.raises(IndexError, match=r"cross_entropy: target 4 at position \(\) is out of "
                                         r"range"):
        F.cross_entropy(X[0], np.int64(4))
