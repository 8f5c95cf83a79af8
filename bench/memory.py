"""Peak memory of the MLP and CNN benchmarks, nnforge vs PyTorch, measured in one run.

Each (model, library) pair trains in its own fresh subprocess that imports only that
library (plus NumPy and nnforge's NumPy-only data loader, the same for both), so one
library's allocations never count against the other. A worker reports, from
/proc/self/status:

- `import`: VmRSS after importing the library;
- `data`: VmRSS after loading Fashion-MNIST (Debian's dataset-fashion-mnist; seeded random
  data of the same shape when it is absent) and building the model and optimizer;
- `train peak`: VmHWM during training alone (the peak is reset through
  /proc/self/clear_refs after loading, when the kernel allows it);
- `train peak - data`: the extra memory training needs on top of the data and weights;
- `after`: VmRSS when training has finished.

Models (as bench/mlp.py and bench/cnn.py): MLP 784-256-128-10 ReLU, Adam lr 1e-3,
batch 128, one epoch of 60,000 images; CNN Conv2d(1,32,3,p=1)-ReLU-MaxPool2d(2)-
Conv2d(32,64,3,p=1)-ReLU-MaxPool2d(2)-Flatten-Linear(3136,128)-ReLU-Linear(128,10), Adam
lr 1e-3, batch 64, `--cnn-steps` steps. float32, cross-entropy, the same thread count.

    .venv/bin/python bench/memory.py [--cnn-steps 300] [--threads 2] [--write]

`--write` replaces the "## Memory (bench/memory.py)" section of bench/RESULTS.md.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SECTION = "## Memory (bench/memory.py)"


# --- worker side: runs in a fresh interpreter ------------------------------------------------
def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])      # KiB
    raise RuntimeError(f"{field} missing from /proc/self/status")


def reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False when not permitted."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def load_data(model):
    try:
        from nnforge.data import load_fashion_mnist
        train, _ = load_fashion_mnist(flatten=model == "mlp")
        X, y, source = train.X, train.y, "Fashion-MNIST"
    except Exception as err:  # noqa: BLE001 - the benchmark still runs on random data
        print(f"(Fashion-MNIST unavailable: {err}; using random data)", file=sys.stderr)
        rng = np.random.default_rng(0)
        shape = (60000, 784) if model == "mlp" else (60000, 1, 28, 28)
        X, y, source = rng.random(shape, dtype=np.float32), rng.integers(0, 10, 60000), \
            "random"
    return np.ascontiguousarray(X, dtype=np.float32), np.asarray(y, dtype=np.int64), source


def build_nnforge(model):
    import nnforge as nf
    from nnforge import nn, optim
    nf.manual_seed(0)
    if model == "mlp":
        net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                            nn.Linear(128, 10))
    else:
        from nnforge.nn.conv import Conv2d
        from nnforge.nn.pooling import MaxPool2d
        net = nn.Sequential(Conv2d(1, 32, 3, padding=1), nn.ReLU(), MaxPool2d(2),
                            Conv2d(32, 64, 3, padding=1), nn.ReLU(), MaxPool2d(2),
                            nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(),
                            nn.Linear(128, 10))
    optimizer = optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step(xb, yb):
        optimizer.zero_grad()
        loss = loss_fn(net(nf.Tensor._make(xb, False, None)), yb)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step, lambda a: a


def build_pytorch(model):
    import torch
    tnn = torch.nn
    torch.manual_seed(0)
    if model == "mlp":
        net = tnn.Sequential(tnn.Linear(784, 256), tnn.ReLU(), tnn.Linear(256, 128),
                             tnn.ReLU(), tnn.Linear(128, 10))
    else:
        net = tnn.Sequential(tnn.Conv2d(1, 32, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                             tnn.Conv2d(32, 64, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                             tnn.Flatten(), tnn.Linear(3136, 128), tnn.ReLU(),
                             tnn.Linear(128, 10))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = tnn.CrossEntropyLoss()

    def step(xb, yb):
        optimizer.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step, torch.from_numpy


def worker(model, library, threads, cnn_steps):
    before = status("VmRSS")
    if library == "pytorch":
        import torch
        torch.set_num_threads(threads)
    import nnforge  # noqa: F401 - the data loader; NumPy only
    from threadpoolctl import threadpool_limits
    threadpool_limits(threads)
    imported = status("VmRSS")
    X, y, source = load_data(model)
    step, convert = (build_pytorch if library == "pytorch" else build_nnforge)(model)
    Xl, yl = convert(X), convert(y)
    batch = 128 if model == "mlp" else 64
    steps = -(-len(X) // batch) if model == "mlp" else cnn_steps
    order = np.random.default_rng(0).permutation(len(X))
    loaded = status("VmRSS")
    peak_reset = reset_peak()
    start = time.perf_counter()
    for i in range(steps):
        index = order[(i * batch) % len(X):][:batch]
        index = convert(index) if library == "pytorch" else index
        loss = step(Xl[index], yl[index])
    elapsed = time.perf_counter() - start
    return {"model": model, "library": library, "source": source, "steps": steps,
            "start": before, "import": imported, "data": loaded, "peak": status("VmHWM"),
            "after": status("VmRSS"), "peak_reset": peak_reset, "seconds": elapsed,
            "loss": loss}


# --- driver side -----------------------------------------------------------------------------
def run_worker(model, library, args):
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
               OPENBLAS_NUM_THREADS=str(args.threads))
    out = subprocess.run([sys.executable, __file__, "--worker", model, library,
                          "--threads", str(args.threads), "--cnn-steps", str(args.cnn_steps)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def mib(kib):
    return f"{kib / 1024:.0f}"


def table(results):
    lines = ["| model | library | steps | import MiB | data+model MiB | train peak MiB | "
             "train peak - data MiB | after MiB | train s (wall) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['model']} | {r['library']} | {r['steps']} | {mib(r['import'])} | "
                     f"{mib(r['data'])} | {mib(r['peak'])} | {mib(r['peak'] - r['data'])} | "
                     f"{mib(r['after'])} | {r['seconds']:.1f} |")
    ratios = []
    for model in ("mlp", "cnn"):
        pair = {r["library"]: r for r in results if r["model"] == model}
        if len(pair) == 2:
            ours, theirs = pair["nnforge"], pair["pytorch"]
            extra = (ours["peak"] - ours["data"]) / max(theirs["peak"] - theirs["data"], 1)
            ratios.append(f"{model}: train peak nnforge/pytorch = "
                          f"{ours['peak'] / theirs['peak']:.2f}, extra memory for training "
                          f"nnforge/pytorch = {extra:.2f}")
    return lines, ratios


def write_section(text):
    path = Path(__file__).with_name("RESULTS.md")
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    if SECTION in old:
        head, rest = old.split(SECTION, 1)
        tail = rest[rest.find("\n## "):] if "\n## " in rest else ""
        new = head + text.rstrip() + "\n" + (("\n" + tail.lstrip("\n")) if tail else "")
    else:
        new = old.rstrip() + "\n\n" + text.rstrip() + "\n"
    path.write_text(new)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cnn-steps", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--worker", nargs=2, metavar=("MODEL", "LIBRARY"))
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker, args.threads, args.cnn_steps)))
        return
    results = []
    for model in ("mlp", "cnn"):
        for library in ("nnforge", "pytorch"):
            results.append(run_worker(model, library, args))
            r = results[-1]
            print(f"{model:4s} {library:8s} peak {mib(r['peak'])} MiB "
                  f"(data {mib(r['data'])} MiB) in {r['seconds']:.1f} s", file=sys.stderr)
    lines, ratios = table(results)
    reset = all(r["peak_reset"] for r in results)
    text = "\n".join([
        SECTION, "",
        f"`.venv/bin/python bench/memory.py --cnn-steps {args.cnn_steps} --threads "
        f"{args.threads} --write` ({time.strftime('%Y-%m-%d')}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, data: "
        f"{results[0]['source']}). Each row is a fresh process importing only that library. "
        "MLP: 784-256-128-10, Adam, batch 128, one epoch; CNN: the bench/cnn.py model, Adam, "
        f"batch 64, {args.cnn_steps} steps; float32. `train peak` is VmHWM "
        + ("after resetting the peak once the data and model were loaded"
           if reset else "(the kernel refused a peak reset, so it includes data loading)")
        + "; `train peak - data` is what training adds on top of data and weights. "
        f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, so the "
        "wall times are only indicative (bench/mlp.py and bench/cnn.py measure speed); the "
        "memory columns do not depend on load.", "",
        *lines, "", *[f"- {r}" for r in ratios], ""])
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
