"""CNN training speed, nnforge vs PyTorch eager, each library in its own process.

Conv2d(1,32,3,p=1)-ReLU-MaxPool2d(2)-Conv2d(32,64,3,p=1)-ReLU-MaxPool2d(2)-Flatten-
Linear(3136,128)-ReLU-Linear(128,10), Adam (lr 1e-3), batch 64, float32, cross-entropy, on
28x28 Fashion-MNIST images (Debian's dataset-fashion-mnist; seeded random data of the same
shape when it is absent). Both models start from the same weights and see the same
batches. Each round starts one fresh process per contestant (nnforge on each backend asked
for, PyTorch), alternating which goes first; a process trains `--warmup` steps untimed
(numba's first compile, caches) and then `--steps` timed steps. Reported: median ms/step
over the rounds, the ratio to PyTorch and the share of the machine's GEMM peak
(bench/harness.py says how and why).

    .venv/bin/python bench/cnn.py [--rounds 5] [--steps 30] [--backends numba numpy]
                                  [--threads N] [--profile] [--layers]

nnforge runs with `nnforge.perf.enable()`, as `Trainer.fit` and `nnforge train` do: the
thread plan of `nnforge.threads` on (numba's OpenMP threads own the cores, every BLAS on
one thread); `--backends numba-serial` adds a contestant with the plan off (the kernels
on the calling thread, NumPy's BLAS on its own threads); `--threads 1` keeps it off.

`--profile` instead runs cProfile (CPU time) over nnforge steps and prints where the time
goes; `--layers` times each layer alone, forward and forward+backward, in both libraries
(one process: a diagnostic, not a speed figure); `--conv-kernels` alternates, in one
process, nnforge steps with the numba backend's Winograd and direct convolutions off
(im2col for every convolution) and on, and prints the fastest CPU ms/step of each
(CPU time moves little when other processes load the machine; run it with
OPENBLAS_NUM_THREADS=1 to compare the work itself).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def load_data(rng):
    try:
        from nnforge.data import load_fashion_mnist
        train, _ = load_fashion_mnist()
        return train.X.astype(np.float32), train.y.astype(np.int64), "Fashion-MNIST"
    except Exception as err:  # noqa: BLE001 - the benchmark still runs on random data
        print(f"(Fashion-MNIST unavailable: {err}; using random data)", file=sys.stderr)
        X = rng.random((60000, 1, 28, 28), dtype=np.float32)
        y = rng.integers(0, 10, 60000)
        return X, y, "random"


def build(seed, torch_model=True):
    import nnforge as nf
    from nnforge import nn, optim
    from nnforge.nn.conv import Conv2d
    from nnforge.nn.pooling import MaxPool2d

    nf.manual_seed(seed)
    ours = nn.Sequential(Conv2d(1, 32, 3, padding=1), nn.ReLU(), MaxPool2d(2),
                         Conv2d(32, 64, 3, padding=1), nn.ReLU(), MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    mine = (ours, optim.Adam(ours.parameters(), lr=1e-3), nn.CrossEntropyLoss())
    if not torch_model:
        return mine, None
    import torch
    tnn = torch.nn
    theirs = tnn.Sequential(tnn.Conv2d(1, 32, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                            tnn.Conv2d(32, 64, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                            tnn.Flatten(), tnn.Linear(3136, 128), tnn.ReLU(),
                            tnn.Linear(128, 10))
    theirs.load_state_dict({k: torch.from_numpy(np.array(v, copy=True)) for k, v in
                            ours.state_dict().items()})
    return mine, (theirs, torch.optim.Adam(theirs.parameters(), lr=1e-3),
                  tnn.CrossEntropyLoss())


def nnforge_steps(batches, state):
    from nnforge import Tensor
    model, optimizer, loss_fn = state
    model.train()
    for xb, yb in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(Tensor._make(xb, False, None)), yb)
        loss.backward()
        optimizer.step()
    return loss.item()


def torch_steps(batches, state):
    model, optimizer, loss_fn = state
    model.train()
    for xb, yb in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
    return loss.item()


def make_batches(X, y, rng, steps, batch_size):
    index = rng.permutation(len(X))[:steps * batch_size].reshape(steps, batch_size)
    return [(X[i], y[i]) for i in index]


def profile(X, y, rng, args, ours):
    import cProfile
    import pstats
    batches = make_batches(X, y, rng, args.steps, args.batch_size)
    nnforge_steps(batches[:3], ours)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    nnforge_steps(batches, ours)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(18)


def layer_times(ours, theirs, rng):
    """CPU ms of each layer alone (process time: insensitive to other processes' load)."""
    import torch

    from nnforge import Tensor
    shapes = {0: (64, 1, 28, 28), 1: (64, 32, 28, 28), 2: (64, 32, 28, 28),
              3: (64, 32, 14, 14), 5: (64, 64, 14, 14), 7: (64, 3136)}
    print("layer                    nnforge fwd  fwd+bwd   pytorch fwd  fwd+bwd")
    for index, shape in shapes.items():
        mine, ref = ours[0][index], theirs[0][index]
        x = rng.standard_normal(shape).astype(np.float32)
        needs_grad = index != 0
        xt = torch.from_numpy(x).requires_grad_(needs_grad)

        def ours_fwd():
            return mine(Tensor(x, requires_grad=needs_grad))

        def ours_both():
            out = ours_fwd()
            out.backward(np.ones(out.shape, np.float32))

        def theirs_both():
            out = ref(xt)
            out.backward(torch.ones_like(out))
        row = [harness.fastest_cpu_ms(f) for f in (ours_fwd, ours_both, lambda: ref(xt),
                                            theirs_both)]
        print(f"{index}: {type(mine).__name__:20s}" + "".join(f"{v:11.2f}" for v in row))


def conv_kernels(X, y, rng, args, ours):
    """CPU ms per step with the convolution kernels off and on, alternating blocks."""
    import nnforge
    from nnforge.kernels import conv as kernels
    nnforge.set_backend("numba")
    batches = make_batches(X, y, rng, args.steps + 2, args.batch_size)
    settings = {"im2col everywhere": (10 ** 9, 0),
                "Winograd and direct": (kernels.WINOGRAD_MIN_CHANNELS,
                                        kernels.DIRECT_MAX_CHANNELS)}
    times = {name: [] for name in settings}
    for _ in range(args.rounds):
        for name, (winograd, direct) in settings.items():
            kernels.WINOGRAD_MIN_CHANNELS, kernels.DIRECT_MAX_CHANNELS = winograd, direct
            nnforge_steps(batches[:2], ours)
            start = time.process_time()
            nnforge_steps(batches[2:], ours)
            times[name].append(1000 * (time.process_time() - start) / args.steps)
    for name, values in times.items():
        print(f"{name}: fastest {min(values):.2f} CPU ms/step; rounds "
              + ", ".join(f"{v:.1f}" for v in values))


def flops_per_step(batch):
    """Multiply-adds x 2 of one training step: forward, then dW and dX of every layer
    (no dX for the first convolution, whose input needs no gradient)."""
    layers = [  # (multiply-adds per sample, backward needs dX)
        (32 * 28 * 28 * 1 * 9, False), (64 * 14 * 14 * 32 * 9, True),
        (3136 * 128, True), (128 * 10, True)]
    return sum(2 * batch * macs * (1 + 1 + needs_dx) for macs, needs_dx in layers)


def worker(args):
    """One contestant in this process; prints {"seconds_per_step": ...} as JSON."""
    library, backend, *plan = args.worker.split("-") + [None]
    rng = np.random.default_rng(0)
    X, y, source = load_data(rng)
    batches = make_batches(X, y, rng, args.warmup + args.steps, args.batch_size)
    if library == "nnforge":
        import nnforge
        harness.set_threads(args.threads)         # (first: the thread plan respects it)
        if hasattr(nnforge, "set_backend"):       # (older versions: one path, no switches)
            import nnforge.perf
            nnforge.set_backend(backend)
            if plan[0] == "serial":
                nnforge.perf.enable(kernel_threads=False)
                backend += ", serial kernels"
            else:
                nnforge.perf.enable()
        else:
            backend = f"version at {nnforge.__file__}"
        state, _ = build(seed=0, torch_model=False)
        run, label = nnforge_steps, f"nnforge ({backend})"
    else:
        import torch
        harness.set_threads(args.threads)
        _, state = build(seed=0)
        batches = [(torch.from_numpy(xb), torch.from_numpy(yb)) for xb, yb in batches]
        run, label = torch_steps, f"PyTorch {torch.__version__}"
    run(batches[:args.warmup], state)
    start, cpu = time.perf_counter(), time.process_time()
    loss = run(batches[args.warmup:], state)
    seconds = (time.perf_counter() - start) / args.steps
    print(json.dumps({"seconds_per_step": seconds, "loss": loss, "label": label,
                      "cpu_seconds_per_step": (time.process_time() - cpu) / args.steps,
                      "data": source}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=30, help="timed steps per process")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--threads", type=int, default=None,
                        help="pin both libraries to this many threads (default: theirs)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--backends", nargs="+", default=["numba"],
                        choices=["numba", "numba-serial", "numpy"],
                        help="nnforge backends to time (numba-serial: with the thread plan "
                        "of nnforge.threads off)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--layers", action="store_true")
    parser.add_argument("--conv-kernels", action="store_true")
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    if args.profile or args.layers or args.conv_kernels:
        import torch
        harness.set_threads(args.threads)
        rng = np.random.default_rng(0)
        X, y, _ = load_data(rng)
        ours, theirs = build(seed=0)
        if args.profile:
            return profile(X, y, rng, args, ours)
        if args.conv_kernels:
            return conv_kernels(X, y, rng, args, ours)
        return layer_times(ours, theirs, rng)

    load = os.getloadavg()[0]
    peak = harness.gemm_peak(args.threads)
    contestants = [f"nnforge-{b}" for b in args.backends] + ["pytorch"]
    results = harness.alternate(__file__, contestants, args.rounds,
                                ["--steps", args.steps, "--warmup", args.warmup,
                                 "--batch-size", args.batch_size], args.threads)
    title = (f"CNN conv32-pool-conv64-pool-fc128-fc10, Adam, batch {args.batch_size}, "
             f"float32, {results['pytorch'][0]['data']}, threads "
             f"{args.threads or 'default'}, median of {args.rounds} rounds x {args.steps} "
             f"steps, one process per library per round; load average at start "
             f"{load:.2f} on {os.cpu_count()} CPUs")
    print(harness.report(title, results, flops_per_step(args.batch_size), peak))
    return results


if __name__ == "__main__":
    main()
