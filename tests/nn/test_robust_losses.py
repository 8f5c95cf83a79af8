"""SmoothL1Loss and HuberLoss (and their functional forms) against torch: both sides of
the switch point, every reduction, beta and delta, float32 and float64."""
import numpy as np
import pytest
import torch

from nnforge import nn
from nnforge.autograd import gradcheck
import nnforge as nf

RNG = np.random.default_rng(0)
INPUT = RNG.standard_normal((4, 5)) * 2
TARGET = RNG.standard_normal((4, 5))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("beta", [1.0, 0.5, 0.0])
def test_smooth_l1_matches_torch(torch_parity, reduction, beta):
    torch_parity(nn.SmoothL1Loss(reduction=reduction, beta=beta),
                 torch.nn.SmoothL1Loss(reduction=reduction, beta=beta), (INPUT,), (TARGET,))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("delta", [1.0, 0.3, 2.5])
def test_huber_matches_torch(torch_parity, reduction, delta):
    torch_parity(nn.HuberLoss(reduction=reduction, delta=delta),
                 torch.nn.HuberLoss(reduction=reduction, delta=delta), (INPUT,), (TARGET,))


def test_float32_and_functional_forms(torch_parity):
    torch_parity(lambda x, y: nn.functional.huber_loss(x, y, delta=0.7),
                 lambda x, y: torch.nn.functional.huber_loss(x, y, delta=0.7),
                 (INPUT,), (TARGET,), dtype=np.float32, atol=1e-5, rtol=1e-5)
    torch_parity(lambda x, y: nn.functional.smooth_l1_loss(x, y, beta=0.7),
                 lambda x, y: torch.nn.functional.smooth_l1_loss(x, y, beta=0.7),
                 (INPUT,), (TARGET,), dtype=np.float32, atol=1e-5, rtol=1e-5)


def test_gradcheck_away_from_the_switch_point():
    x = nf.tensor(INPUT, requires_grad=True)
    assert gradcheck(lambda x: nn.functional.smooth_l1_loss(x, TARGET, beta=0.8), x)
    assert gradcheck(lambda x: nn.functional.huber_loss(x, TARGET, reduction="sum"), x)


def test_clear_errors():
    with pytest.raises(ValueError, match="beta must be >= 0"):
        nn.SmoothL1Loss(beta=-1)
    with pytest.raises(ValueError, match="delta must be > 0"):
        nn.HuberLoss(delta=0)
    with pytest.raises(ValueError, match="target shape"):
        nn.HuberLoss()(nf.tensor(np.ones((3, 1))), np.ones(3))
