"""One training step of examples/fashion_cnn.toml's model, nnforge or PyTorch, in this
process only (run each library in its own process), with a profile of nnforge's step.

CPU milliseconds per step (the fastest of `--steps` after warm-up), so other processes on
the machine move the figure little; `--profile` prints nnforge's functions by own time.

    .venv/bin/python bench/fashion_step.py --library nnforge [--batch 128] [--profile]
    .venv/bin/python bench/fashion_step.py --library torch
"""
import argparse
import cProfile
import pstats
import time

import numpy as np


def nnforge_step(batch):
    import nnforge
    from nnforge import nn, optim

    nnforge.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(3136, 128), nn.BatchNorm1d(128), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(128, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x = nnforge.tensor(rng.random((batch, 1, 28, 28), dtype=np.float32))
    y = nnforge.tensor(rng.integers(0, 10, batch))

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def torch_step(batch):
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(3136, 128), nn.BatchNorm1d(128), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", choices=["nnforge", "torch"], required=True)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    step = (nnforge_step if args.library == "nnforge" else torch_step)(args.batch)
    for _ in range(3):
        step()
    best, wall = float("inf"), float("inf")
    for _ in range(args.steps):
        start, start_wall = time.process_time(), time.perf_counter()
        step()
        best = min(best, time.process_time() - start)
        wall = min(wall, time.perf_counter() - start_wall)
    print(f"{args.library} batch {args.batch}: fastest step {1e3 * best:.1f} ms CPU, "
          f"{1e3 * wall:.1f} ms wall")
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(args.steps):
            step()
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
