"""Optimizer step time per parameter count: nnforge.optim vs torch.optim.

Same float32 parameters and gradients in both, the same number of threads (NumPy's
elementwise ops use one thread, so torch gets `--threads`, default 1), interleaved rounds,
median over rounds. Prints a table with the ratio nnforge / torch (below 1 = nnforge faster).

    .venv/bin/python bench/optim_step.py [--rounds 7] [--threads 1]
"""
import argparse
import statistics
import time

import numpy as np
import torch

import nnforge.optim as nf_optim
from nnforge.nn.parameter import Parameter

SIZES = (10_000, 100_000, 1_000_000)
OPTIMIZERS = {
    "SGD momentum=0.9": (nf_optim.SGD, torch.optim.SGD, dict(lr=0.01, momentum=0.9)),
    "Adam": (nf_optim.Adam, torch.optim.Adam, dict(lr=1e-3)),
    "RMSprop": (nf_optim.RMSprop, torch.optim.RMSprop, dict(lr=1e-3)),
}


def _problem(size):
    """A layer-like split: a weight matrix holding most parameters and a bias vector."""
    rng = np.random.default_rng(0)
    bias = max(size // 100, 1)
    shapes = [(size - bias,), (bias,)]
    data = [rng.normal(size=s).astype(np.float32) for s in shapes]
    grads = [rng.normal(size=s).astype(np.float32) for s in shapes]
    return data, grads


def _nnforge(cls, options, data, grads):
    params = [Parameter(d.copy()) for d in data]
    for p, g in zip(params, grads):
        p.grad = g
    return cls(params, **options).step


def _torch(cls, options, data, grads):
    params = [torch.tensor(d.copy(), requires_grad=True) for d in data]
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(g)
    opt = cls(params, **options)
    return opt.step


def _time(step, steps):
    step()  # warm-up: lazy state creation
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for size in SIZES:
        data, grads = _problem(size)
        steps = max(5, int(2_000_000 / size))
        for name, (ours_cls, torch_cls, options) in OPTIMIZERS.items():
            ours_step = _nnforge(ours_cls, options, data, grads)
            torch_step = _torch(torch_cls, options, data, grads)
            ours, theirs = [], []
            with torch.no_grad():
                for _ in range(args.rounds):
                    ours.append(_time(ours_step, steps))
                    theirs.append(_time(torch_step, steps))
            rows.append((name, size, statistics.median(ours), statistics.median(theirs)))
    print(f"torch {torch.__version__}, numpy {np.__version__}, torch threads "
          f"{torch.get_num_threads()}, float32, median of {args.rounds} interleaved rounds")
    print(f"| optimizer | parameters | nnforge µs/step | torch µs/step | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, size, ours, theirs in rows:
        print(f"| {name} | {size:,} | {ours * 1e6:,.0f} | {theirs * 1e6:,.0f} | "
              f"{ours / theirs:.2f} |")


if __name__ == "__main__":
    main()
