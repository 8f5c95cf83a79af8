"""Sequential and ModuleList, Residual, and state-dict round trips with torch."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge import nn

RNG = np.random.default_rng(5)


def _pair():
    ours = nn.Sequential(nn.Linear(6, 8, generator=0), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(8, 8, generator=1), nn.PReLU(), nn.Linear(8, 3, generator=2))
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                 torch.nn.Linear(8, 8), torch.nn.PReLU(), torch.nn.Linear(8, 3))
    return ours, theirs


def test_state_dict_names_and_shapes_equal_torch():
    ours, theirs = _pair()
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]


def test_sequential_matches_torch_in_eval_mode(torch_parity):
    ours, theirs = _pair()
    torch_parity(ours.eval(), theirs.eval(), [RNG.standard_normal((4, 6))])


def test_torch_state_dict_loads_into_nnforge_and_back():
    ours, theirs = _pair()
    ours.eval(), theirs.eval()
    ours.load_state_dict(theirs.state_dict())  # torch tensors accepted
    x = RNG.standard_normal((5, 6)).astype(np.float32)
    np.testing.assert_allclose(ours(x).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               atol=1e-5)
    # and back: perturb ours, load into a fresh torch model
    for p in ours.parameters():
        p.data += 0.1
    fresh = _pair()[1].eval()
    fresh.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in
                           ours.state_dict().items()})
    np.testing.assert_allclose(ours(x).data, fresh(torch.from_numpy(x)).detach().numpy(),
                               atol=1e-5)


def test_sequential_list_behaviour():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b
    assert list(seq) == [a, b]
    seq.append(c)
    assert seq[2] is c and [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight",
                                                       "2.bias"]
    with pytest.raises(IndexError, match="index 5 is out of range for 3 modules"):
        seq[5]
    with pytest.raises(TypeError, match="Sequential: item 1 must be a Module, got function"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]
    assert "(0): Linear(in_features=2, out_features=3, bias=True)" in repr(seq)


def test_module_list_registers_parameters():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["layers.0.weight", "layers.0.bias",
                                                       "layers.1.weight", "layers.1.bias"]
    net.layers.append(nn.Linear(3, 1))
    net.layers.insert(0, nn.Identity())
    assert len(net.layers) == 4 and isinstance(net.layers[0], nn.Identity)
    assert net(np.ones((2, 3), dtype=np.float32)).shape == (2, 1)
    with pytest.raises(NotImplementedError, match="ModuleList has no forward"):
        net.layers(np.ones(3))


def test_residual_adds_the_skip(torch_parity):
    block = nn.Sequential(nn.Linear(4, 4, generator=0), nn.Tanh())
    res = nn.Residual(block).double()
    x = nf.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    np.testing.assert_allclose(res(x).data, x.data + block(x).data)
    assert [n for n, _ in res.named_parameters()] == ["block.0.weight", "block.0.bias"]
    assert nf.autograd.gradcheck(lambda x: res(x), x)

    class TorchResidual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh())

        def forward(self, x):
            return x + self.block(x)

    torch_parity(nn.Residual(nn.Sequential(nn.Linear(4, 4), nn.Tanh())), TorchResidual(),
                 [RNG.standard_normal((3, 4))])


def test_residual_zero_block_is_identity_and_errors():
    lin = nn.Linear(3, 3, init="zeros")
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_array_equal(nn.Residual(lin)(nf.tensor(x)).data, x)
    with pytest.raises(ValueError, match=r"Residual: block maps shape \(2, 3\) to \(2, 5\)"):
        nn.Residual(nn.Linear(3, 5))(nf.tensor(x))
    with pytest.raises(TypeError, match="block must be a Module"):
        nn.Residual(lambda x: x)


def test_sequential_slice_keeps_names_like_torch():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    ref = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    assert list(seq[1:].state_dict()) == list(ref[1:].state_dict()) == ["2.weight", "2.bias"]
    assert len(nn.ModuleList([nn.ReLU(), nn.Tanh()])[1:]) == 1


def _relu_pool_net():
    nf.manual_seed(0)
    return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(12, 2))


def test_sequential_runs_relu_then_max_pool_as_one_op_with_torchs_numbers():
    ours = _relu_pool_net()
    tnn = torch.nn
    theirs = tnn.Sequential(tnn.Conv2d(2, 3, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                            tnn.Flatten(), tnn.Linear(12, 2)).double()
    theirs.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float64))
                            for k, v in ours.state_dict().items()})
    ours = ours.double()
    x = np.random.default_rng(0).standard_normal((4, 2, 4, 4))
    pooled = ours[2].forward_after_relu(ours[0](nf.tensor(x)))
    assert "ReLUMaxPool2d" in repr(pooled)
    out, ref = ours(nf.tensor(x)), theirs(torch.from_numpy(x))
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours[0].weight.grad.numpy(), theirs[0].weight.grad.numpy(),
                               rtol=1e-10, atol=1e-12)


def test_a_hook_on_the_relu_keeps_the_pair_apart():
    model = _relu_pool_net()
    seen = []
    model[1].register_forward_hook(lambda module, args, out: seen.append(out.shape))
    model(nf.zeros(1, 2, 4, 4))
    assert seen == [(1, 3, 4, 4)]


def _conv_relu_pool_net(channels=16):
    nf.manual_seed(0)
    return nn.Sequential(nn.Conv2d(channels, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(36, 2))


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_sequential_runs_conv_relu_max_pool_as_one_op_with_torchs_numbers(dtype, tolerance):
    ours = _conv_relu_pool_net().to(dtype)
    tnn = torch.nn
    theirs = tnn.Sequential(tnn.Conv2d(16, 4, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                            tnn.Flatten(), tnn.Linear(36, 2)).to(getattr(torch, dtype.__name__))
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in
                            ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 16, 6, 6)).astype(dtype)
    pooled = ours[:3](nf.tensor(x))
    assert "Conv2dReLUMaxPool2d" in repr(pooled)
    out, ref = ours(nf.tensor(x)), theirs(torch.from_numpy(x))
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=tolerance,
                               atol=tolerance)
    for k in (0, 4):
        np.testing.assert_allclose(ours[k].weight.grad.numpy(), theirs[k].weight.grad.numpy(),
                                   rtol=tolerance, atol=tolerance)
        np.testing.assert_allclose(ours[k].bias.grad.numpy(), theirs[k].bias.grad.numpy(),
                                   rtol=tolerance, atol=tolerance)


def test_a_hook_on_the_convolution_keeps_it_apart_from_relu_and_pool():
    model = _conv_relu_pool_net()
    seen = []
    model[0].register_forward_hook(lambda module, args, out: seen.append(out.shape))
    out = model[:3](nf.zeros(1, 16, 6, 6))
    assert seen == [(1, 4, 6, 6)] and "ReLUMaxPool2d" in repr(out)
    assert "Conv2dReLUMaxPool2d" not in repr(out)
