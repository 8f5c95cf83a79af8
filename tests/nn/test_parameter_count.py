"""num_parameters: the course's parameter counts, frozen layers, shared weights, and the
same numbers as PyTorch."""
import numpy as np
import pytest

import nnforge.nn as nn
import nnforge.nn.functional as F


class Net(nn.Module):
    """The course's example network: fc1 -> relu -> fc2 -> log_softmax."""

    def __init__(self, in_features=10, num_classes=2, hidden_features=20):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, num_classes)

    def forward(self, x):
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


def test_784_16_16_10_mlp_has_13002_parameters():
    mlp = nn.Sequential(nn.Linear(784, 16), nn.Sigmoid(), nn.Linear(16, 16), nn.Sigmoid(),
                        nn.Linear(16, 10))
    assert mlp.num_parameters() == 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10 == 13002
    assert nn.num_parameters(mlp) == nn.num_parameters(mlp.parameters()) == 13002


def test_the_example_net_has_262_parameters():
    net = Net()
    assert net.num_parameters() == 220 + 42 == 262
    assert net.fc1.num_parameters() == 220 and net.fc2.num_parameters() == 42


def test_dense_weights_of_one_unit_on_a_colour_patch():
    assert nn.Linear(5 * 5 * 3, 1, bias=False).num_parameters() == 75
    assert nn.Linear(75, 3, bias=False).num_parameters() == 225
    assert nn.Linear(75, 3).num_parameters() == 228
    # a 1000x1000 colour image fully connected to 1000 units: 3e9 weights (counted from a
    # zero-stride view of that shape, since the weights would need 12 GB)
    weight = np.broadcast_to(np.float32(0), (1000, 1000 * 1000 * 3))
    assert nn.num_parameters([weight]) == 3 * 10 ** 9


def test_trainable_only_skips_frozen_parameters():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    model[0].requires_grad_(False)
    assert model.num_parameters() == 40 + 18
    assert model.num_parameters(trainable_only=True) == 18
    assert nn.num_parameters(model, trainable_only=True) == 18


def test_shared_weights_count_once_and_buffers_never():
    shared = nn.Linear(6, 6)
    model = nn.Sequential(shared, nn.ReLU(), shared, nn.BatchNorm1d(6))
    assert model.num_parameters() == 42 + 12                 # BatchNorm: weight and bias only
    assert nn.num_parameters([shared.weight, shared.weight, shared.bias]) == 42


def test_same_counts_as_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8),
                                 torch.nn.ReLU(), torch.nn.Flatten(),
                                 torch.nn.Linear(8 * 4 * 4, 10))
    assert ours.num_parameters() == sum(p.numel() for p in theirs.parameters())
    theirs[0].requires_grad_(False)
    ours[0].requires_grad_(False)
    assert ours.num_parameters(trainable_only=True) == \
        sum(p.numel() for p in theirs.parameters() if p.requires_grad)
    state = {k: np.asarray(v) for k, v in ours.state_dict().items()}
    assert sum(v.size for k, v in state.items() if "running" not in k and "num_batches" not in k) \
        == ours.num_parameters()
