"""The lecture's worked examples as tests, built from nnforge
layers and autograd."""
import numpy as np
import pytest

import nnforge as nf
from nnforge import nn


def test_n1_sum_times_product():
    x, y, z = (nf.tensor(np.float64(v), requires_grad=True) for v in (-2.0, 5.0, -4.0))
    f = (x + y) * z
    f.backward()
    assert f.item() == -12.0
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def _larose_network():
    hidden = nn.Linear(3, 2, dtype=np.float64)
    hidden.weight.data[...] = [[0.6, 0.8, 0.6], [0.9, 0.8, 0.4]]  # rows: units A, B
    hidden.bias.data[...] = [0.5, 0.7]
    output = nn.Linear(2, 1, dtype=np.float64)
    output.weight.data[...] = [[0.9, 0.9]]  # w_AZ, w_BZ
    output.bias.data[...] = [0.5]  # w_0z
    return nn.Sequential(hidden, nn.Sigmoid(), output, nn.Sigmoid())


def test_n2_larose_forward_pass():
    net = _larose_network()
    x = np.array([[0.4, 0.2, 0.7]])
    hidden = net[1](net[0](x)).data[0]
    assert hidden[0] == pytest.approx(0.7892, abs=5e-5)
    assert hidden[1] == pytest.approx(0.8176, abs=5e-5)
    assert net(x).item() == pytest.approx(0.8750, abs=5e-5)
    assert net(x).item() == pytest.approx(0.875019, abs=1e-6)


def test_n2_one_gradient_descent_step_gives_the_corrected_weights():
    """Seed errata: 0.49918, 0.89935, 0.89933 (not the seed's 0.5008, 0.90067, 0.90069)."""
    net = _larose_network()
    x, target = np.array([[0.4, 0.2, 0.7]]), np.array([[0.8]])
    out = net(x)
    loss = 0.5 * ((out - nf.tensor(target)) ** 2).sum()
    loss.backward()
    output = net[2]
    assert output.bias.grad[0] == pytest.approx(0.0082041, abs=1e-7)  # dE/dZ_z
    for p in net.parameters():
        p.data -= 0.1 * p.grad
    assert output.bias.data[0] == pytest.approx(0.49918, abs=5e-6)
    assert output.weight.data[0, 0] == pytest.approx(0.89935, abs=5e-6)
    assert output.weight.data[0, 1] == pytest.approx(0.89933, abs=5e-6)
    hidden = net[0]
    np.testing.assert_allclose(hidden.bias.data, [0.499877, 0.699890], atol=1e-6)
    np.testing.assert_allclose(hidden.weight.data[0], [0.599951, 0.799975, 0.599914], atol=1e-6)
    np.testing.assert_allclose(hidden.weight.data[1], [0.899956, 0.799978, 0.399923], atol=1e-6)
    # the lecture's 0.874813 is the new output with only the output layer updated;
    # updating the hidden layer too lowers it a little further
    updated_output_only = net[3](output(net[1](_larose_network()[0](x)))).item()
    assert updated_output_only == pytest.approx(0.874813, abs=1e-6)
    assert net(x).item() == pytest.approx(0.874807, abs=1e-6)


def test_n4_relu_units_separate_three_points():
    x = np.array([[-1.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    layer = nn.Linear(2, 2, bias=False, dtype=np.float64)
    layer.weight.data[...] = [[1.0, 0.0], [-1.0, 0.0]]  # h1 = max(x1, 0), h2 = max(-x1, 0)
    h = nn.ReLU()(layer(x)).data
    np.testing.assert_array_equal(np.column_stack([h, h.sum(1)]),
                                  [[0, 1, 1], [0, 0, 0], [1, 0, 1]])


def test_n5_relu_network_computes_xor():
    """h1 = ReLU(x1 + x2), h2 = ReLU(x1 + x2 - 1), o = h1 - 2 h2 (Goodfellow et al. 6.1)."""
    hidden = nn.Linear(2, 2, dtype=np.float64)
    hidden.weight.data[...] = [[1.0, 1.0], [1.0, 1.0]]
    hidden.bias.data[...] = [0.0, -1.0]
    out = nn.Linear(2, 1, bias=False, dtype=np.float64)
    out.weight.data[...] = [[1.0, -2.0]]
    net = nn.Sequential(hidden, nn.ReLU(), out)
    x = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float64)
    np.testing.assert_array_equal(net(x).data[:, 0], [0, 1, 1, 0])
