"""Devices, honestly CPU-only: the questions PyTorch code asks get CPU answers, and asking
for an accelerator is one clear error."""
import numpy as np
import pytest

import nnforge as nf
from nnforge import nn


def test_cpu_device_objects():
    cpu = nf.device("cpu")
    assert cpu.type == "cpu" and str(cpu) == "cpu" and cpu == "cpu"
    assert nf.device("cpu:0").index == 0 and nf.device("cpu", 0) == nf.device("cpu:0")
    assert nf.ones(2).device == cpu
    t = nf.ones(2)
    assert t.to(cpu) is t and t.cpu() is t and t.to("cpu") is t and not t.is_cuda


@pytest.mark.parametrize("request_", [lambda: nf.device("cuda"), lambda: nf.device("mps"),
                                      lambda: nf.ones(2).cuda(), lambda: nf.ones(2).to("cuda"),
                                      lambda: nf.zeros(2, device="cuda:0"),
                                      lambda: nf.tensor([1.0], device="cuda"),
                                      lambda: nn.Linear(2, 2).to("cuda"),
                                      lambda: nn.Linear(2, 2).cuda()])
def test_asking_for_an_accelerator_is_one_clear_error(request_):
    with pytest.raises(RuntimeError, match="nnforge runs on the CPU only"):
        request_()


def test_availability_questions():
    assert nf.cuda.is_available() is False and nf.cuda.device_count() == 0
    assert nf.accelerator.is_available() is False
    assert nf.backends.mps.is_available() is False
    nf.backends.cudnn.benchmark = True
    nf.backends.cudnn.deterministic = True
    device = nf.device("cuda" if nf.cuda.is_available() else "cpu")
    assert nf.randn(2, 2, device=device).device == nf.device("cpu")


def test_module_to_device_and_dtype():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    assert model.to("cpu") is model and model.cpu() is model
    model.to(nf.float64)
    assert all(p.dtype == nf.float64 for p in model.parameters())
    assert model[1].running_mean.dtype == np.float64
    model.to(nf.device("cpu"), nf.float32)
    assert all(p.dtype == nf.float32 for p in model.parameters())
    model.half()
    assert all(p.dtype == nf.float16 for p in model.parameters())
    model.float()
    out = model(nf.randn(5, 3))
    assert out.dtype == nf.float32
