"""Memory: backward releases the graph, so training does not grow.

- Resident memory (VmRSS from /proc/self/status) of a small MLP trained with Adam for 1,000
  steps, measured in a fresh interpreter, is within 5% of its value after 100 steps. The
  same run with every step's graph kept alive grows far past that, which shows the
  measurement can see a leak.
- Weak references to the forward pass's intermediate tensors, their arrays and the graph
  nodes die as soon as backward has run, with the garbage collector disabled: the engine
  drops them by reference counting and leaves no reference cycle behind, even while the
  loss tensor itself is still alive.

Run `python tests/test_memory.py --steps 1000` to print the RSS trace of one run.
"""
import argparse
import gc
import json
import os
import subprocess
import sys
import weakref

import numpy as np
import pytest

import nnforge as nf
from nnforge import nn, optim
from nnforge.nn.conv import Conv2d
from nnforge.nn.normalization import BatchNorm1d, BatchNorm2d
from nnforge.nn.pooling import MaxPool2d

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc/self/status")


def rss_kib(field="VmRSS"):
    """Resident set size (or VmHWM, its peak) of this process in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def train_and_measure(steps, keep_graphs=False, checkpoints=(100, 1000)):
    """Train a 64-128-64-10 MLP with Adam on random data; return {step: VmRSS KiB}."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2048, 64)).astype(np.float32)
    y = rng.integers(0, 10, 2048)
    model = nn.Sequential(nn.Linear(64, 128, generator=0), nn.ReLU(),
                          nn.Linear(128, 64, generator=1), nn.ReLU(),
                          nn.Linear(64, 10, generator=2))
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    kept, trace = [], {}
    for step in range(1, steps + 1):
        index = rng.integers(0, len(X), 64)
        optimizer.zero_grad()
        loss = loss_fn(model(nf.tensor(X[index])), y[index])
        loss.backward(retain_graph=keep_graphs)
        optimizer.step()
        if keep_graphs:
            kept.append(loss)
        if step in checkpoints:
            gc.collect()
            trace[step] = rss_kib()
    return trace


def _measure_in_fresh_process(*extra):
    # one BLAS thread: the memory is the same, and idle OpenBLAS threads spinning on a
    # busy 2-core machine cost ten times the CPU of these small GEMMs
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    result = subprocess.run([sys.executable, __file__, "--steps", "1000", *extra],
                            capture_output=True, text=True, timeout=600, check=True, env=env)
    return {int(k): v for k, v in json.loads(result.stdout.strip().splitlines()[-1]).items()}


def test_rss_does_not_grow_over_1000_training_steps():
    trace = _measure_in_fresh_process()
    growth = trace[1000] / trace[100] - 1
    assert growth < 0.05, f"VmRSS grew {growth:.1%} from step 100 to 1000: {trace} KiB"


def test_rss_measurement_sees_a_leak():
    """Keeping every step's graph (retain_graph=True and the loss kept) must show up."""
    trace = _measure_in_fresh_process("--keep-graphs")
    assert trace[1000] / trace[100] - 1 > 0.05, trace


class Probe(nn.Module):
    """Identity layer that records weak references to what flows through it."""

    def __init__(self, refs):
        super().__init__()
        self.refs = refs

    def forward(self, x):
        self.refs.append(weakref.ref(x))
        self.refs.append(weakref.ref(x.numpy()))
        if x.grad_fn is not None:
            self.refs.append(weakref.ref(x.grad_fn))
        return x


def _forward_backward(model, x, target, loss_fn, refs):
    loss = loss_fn(model(x), target)
    alive_before = sum(r() is not None for r in refs)
    loss.backward()
    return loss, alive_before


MODELS = {
    "mlp": lambda refs: (nn.Sequential(nn.Linear(12, 32, generator=0), Probe(refs), nn.ReLU(),
                                       Probe(refs), BatchNorm1d(32), Probe(refs),
                                       nn.Linear(32, 5, generator=1), Probe(refs)),
                         (16, 12)),
    "cnn": lambda refs: (nn.Sequential(Conv2d(1, 4, 3, padding=1, generator=0), Probe(refs),
                                       BatchNorm2d(4), Probe(refs), nn.ReLU(), Probe(refs),
                                       MaxPool2d(2), Probe(refs), nn.Flatten(), Probe(refs),
                                       nn.Linear(64, 5, generator=1), Probe(refs)),
                         (8, 1, 8, 8)),
    "residual": lambda refs: (nn.Sequential(nn.Residual(nn.Sequential(
        nn.Linear(6, 6, generator=0), Probe(refs), nn.Tanh(), Probe(refs))), Probe(refs),
        nn.Linear(6, 5, generator=1)), (10, 6)),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_intermediates_are_released_by_backward(name):
    refs = []
    model, shape = MODELS[name](refs)
    rng = np.random.default_rng(0)
    x = nf.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    target = rng.integers(0, 5, shape[0])
    gc.collect()
    gc.disable()
    try:
        loss, alive_before = _forward_backward(model, x, target, nn.CrossEntropyLoss(), refs)
        alive_after = [r for r in refs if r() is not None]
    finally:
        gc.enable()
    assert alive_before == len(refs) > 0, "the graph should hold its intermediates until " \
                                          "backward"
    assert not alive_after, (f"{len(alive_after)} of {len(refs)} intermediate objects "
                             f"outlived backward: {[r() for r in alive_after][:4]}")
    assert loss.grad_fn is not None and np.isfinite(loss.item())
    assert x.grad is not None and all(p.grad is not None for p in model.parameters())


def test_retain_graph_keeps_intermediates_until_the_loss_goes():
    refs = []
    model, shape = MODELS["mlp"](refs)
    x = nf.tensor(np.ones(shape, np.float32))
    gc.disable()
    try:
        loss = nn.CrossEntropyLoss()(model(x), np.zeros(shape[0], dtype=np.int64))
        loss.backward(retain_graph=True)
        assert all(r() is not None for r in refs)
        del loss
        alive = [r for r in refs if r() is not None]
    finally:
        gc.enable()
    assert not alive, f"{len(alive)} objects are kept alive by a reference cycle"


def test_no_grad_forward_keeps_no_graph():
    refs = []
    model, shape = MODELS["cnn"](refs)
    model.eval()
    gc.disable()
    try:
        with nf.no_grad():
            out = model(nf.tensor(np.ones(shape, np.float32)))
        alive = [r for r in refs[:-2] if r() is not None]   # all but the output and its array
    finally:
        gc.enable()
    assert out.grad_fn is None
    assert not alive, f"{len(alive)} intermediates outlived a no_grad forward"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="RSS trace of a small MLP's training")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--keep-graphs", action="store_true")
    args = parser.parse_args()
    print(json.dumps(train_and_measure(args.steps, args.keep_graphs,
                                       checkpoints=(1, 10, 100, 500, 1000))))
