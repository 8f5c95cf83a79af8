"""Data-pipeline throughput and streaming memory, measured in one run.

1. Cost of the input pipeline per training step: fetch a shuffled 128-image 1x28x28 batch
   from Fashion-MNIST with the DataLoader and augment it (RandomHorizontalFlip +
   RandomCrop(28, padding=2) + GaussianNoise(0.05)); compared with one training step of
   the bench CNN (Conv(1,32,3,p1)-ReLU-MaxPool2-Conv(32,64,3,p1)-ReLU-MaxPool2-
   Linear(3136,128)-ReLU-Linear(128,10), Adam, batch 128) in PyTorch eager, and in
   nnforge when its conv layers are importable. Goal: pipeline < 10% of a step.
2. Streaming: a float32 .npy of --stream-mb MB (default 400) written to a temp folder and
   iterated for one epoch of shuffled 128-row batches (a small matmul stands in for the
   training step) in a fresh subprocess each, with the "RAM budget" set to half the file.
   Peak RSS (VmHWM) is recorded for loading the file whole, for a memmap loop that never
   releases mapped pages, and for the nnforge loader (random-access advice, pages released
   every 16 rows) with the file in the page cache and after evicting it from the cache
   (as for a file larger than RAM).
Temp files are removed at the end.

    .venv/bin/python bench/data.py [--threads 2] [--stream-mb 400]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def load_images():
    from nnforge.data import load_fashion_mnist
    try:
        train, _ = load_fashion_mnist()
        return train.X, train.y, "Fashion-MNIST"
    except FileNotFoundError:
        rng = np.random.default_rng(0)
        return (rng.random((60000, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 60000),
                "random 60000x1x28x28")


def time_pipeline(X, y, batches=300):
    from nnforge.data import (Compose, DataLoader, GaussianNoise, RandomCrop,
                              RandomHorizontalFlip, TensorDataset)
    augment = Compose([RandomHorizontalFlip(), RandomCrop(28, padding=2), GaussianNoise(0.05)])
    loader = DataLoader(TensorDataset(X, y), batch_size=128, shuffle=True, generator=0,
                        transform=augment)
    times, fetch_times = [], []
    iterator = iter(loader)
    plain = iter(DataLoader(TensorDataset(X, y), batch_size=128, shuffle=True, generator=0))
    for _ in range(batches):
        start = time.perf_counter()
        xb, yb = next(iterator)
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        next(plain)
        fetch_times.append(time.perf_counter() - start)
    assert xb.shape == (128, 1, 28, 28) and xb.numpy().dtype == np.float32
    return times, fetch_times


def time_torch_step(X, y, threads, steps=10):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    xb, yb = torch.from_numpy(X[:128].copy()), torch.from_numpy(y[:128].astype(np.int64))
    times = []
    for step in range(steps + 5):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss_fn(model(xb), yb).backward()
        optimizer.step()
        if step >= 5:
            times.append(time.perf_counter() - start)
    return times


def time_nnforge_step(X, y, steps=3):
    try:
        from nnforge import Tensor, nn, optim
        from nnforge.nn.conv import Conv2d
        from nnforge.nn.pooling import MaxPool2d
    except ImportError:
        return None
    model = nn.Sequential(Conv2d(1, 32, 3, padding=1), nn.ReLU(), MaxPool2d(2),
                          Conv2d(32, 64, 3, padding=1), nn.ReLU(), MaxPool2d(2), nn.Flatten(),
                          nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    xb, yb = np.ascontiguousarray(X[:128]), y[:128].astype(np.int64)
    times = []
    for step in range(steps + 1):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss_fn(model(Tensor(xb)), yb).backward()
        optimizer.step()
        if step >= 1:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


STREAM_CHILD = r"""
import sys, time
import numpy as np
from nnforge.data import DataLoader, TensorDataset, load_arrays
import nnforge.data.loader as loader_module

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
mode, path = sys.argv[1], sys.argv[2]
start_rss = status("VmRSS")
if mode == "whole":
    X = np.load(path)
else:
    X = load_arrays(path).X
    if mode == "no-release":
        loader_module._release = lambda handles: None
w = np.random.default_rng(0).standard_normal((X.shape[1], 64)).astype(np.float32)
loader = DataLoader(TensorDataset(X), batch_size=128, shuffle=True, generator=0)
start = time.perf_counter()
rows = 0
for (xb,) in loader:
    xb = xb.numpy()                      # the loader yields Tensors; time the array maths
    np.maximum(xb @ w, 0).sum()
    rows += len(xb)
print(f"{start_rss:.0f} {status('VmHWM'):.0f} {status('VmRSS'):.0f} {rows} "
      f"{time.perf_counter() - start:.2f}")
"""


# (label, child mode, evict the file from the page cache first)
RUNS = [("np.load of the whole file (no memmap)", "whole", True),
        ("memmap loop, mapped pages not released", "no-release", False),
        ("nnforge DataLoader, file in page cache", "release", False),
        ("nnforge DataLoader, file not cached", "release", True)]


def evict(path):
    """Drop the file from the OS page cache (as for a file larger than RAM); affects only
    this file's cached pages."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def streaming(stream_mb):
    folder = tempfile.mkdtemp(prefix="nnforge-bench-data-")
    try:
        path = os.path.join(folder, "big.npy")
        rows = int(stream_mb * 2**20 / (784 * 4))
        out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, 784))
        rng = np.random.default_rng(0)
        for start in range(0, rows, 8192):
            out[start:start + 8192] = rng.random((min(8192, rows - start), 784),
                                                 dtype=np.float32)
        out.flush()
        del out
        size_mb = os.path.getsize(path) / 2**20
        results = {}
        for label, mode, cold in RUNS:
            if cold:
                evict(path)
            done = subprocess.run([sys.executable, "-c", STREAM_CHILD, mode, path],
                                  capture_output=True, text=True, check=True)
            base, peak, final, n, seconds = done.stdout.split()
            results[label] = (float(base), float(peak), float(final), int(n), float(seconds))
        return size_mb, rows, results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--stream-mb", type=float, default=400)
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    except ImportError:
        pass
    X, y, source = load_images()
    pipeline_times, fetch_times = time_pipeline(X, y)
    pipeline, fetch = statistics.median(pipeline_times), statistics.median(fetch_times)
    torch_times = time_torch_step(X, y, args.threads)
    torch_step = statistics.median(torch_times)
    ours_step = time_nnforge_step(X, y)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"data: {source}, batch 128 x 1x28x28 float32, threads {args.threads}, "
          f"load average {load} on {os.cpu_count()} CPUs")
    print(f"loader fetch only (shuffled fancy index):   {fetch * 1e3:7.2f} ms")
    print(f"fetch + flip + crop(pad 2) + noise:          {pipeline * 1e3:7.2f} ms "
          f"(fastest {min(pipeline_times) * 1e3:.2f} ms)")
    print(f"PyTorch CNN training step (Adam, batch 128): {torch_step * 1e3:7.2f} ms "
          f"(fastest {min(torch_times) * 1e3:.2f} ms)")
    print(f"  pipeline / step: {pipeline / torch_step:.1%} (medians), "
          f"{min(pipeline_times) / min(torch_times):.1%} (fastest of each, less sensitive "
          "to other load) - goal < 10%")
    if ours_step is not None:
        print(f"nnforge CNN training step (Adam, batch 128): {ours_step * 1e3:7.2f} ms  -> "
              f"pipeline = {pipeline / ours_step:.1%} of a step")
    size_mb, rows, results = streaming(args.stream_mb)
    budget = size_mb / 2
    print(f"streaming: {size_mb:.0f} MB float32 .npy ({rows} x 784), RAM budget "
          f"{budget:.0f} MB, one shuffled epoch of 128-row batches")
    for label, (base, peak, final, n, seconds) in results.items():
        verdict = "within" if peak <= budget else "OVER"
        print(f"  {label:<46} peak RSS {peak:6.0f} MB (start {base:.0f}, end "
              f"{final:.0f}) {verdict} budget; {n} rows in {seconds:.1f} s")


if __name__ == "__main__":
    main()
