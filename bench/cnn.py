"""CNN training speed, nnforge vs PyTorch eager, measured in one run.

Conv2d(1,32,3,p=1)-ReLU-MaxPool2d(2)-Conv2d(32,64,3,p=1)-ReLU-MaxPool2d(2)-Flatten-
Linear(3136,128)-ReLU-Linear(128,10), Adam (lr 1e-3), batch 64, float32, cross-entropy, on
28x28 Fashion-MNIST images (Debian's dataset-fashion-mnist; seeded random data of the same
shape when it is absent). Both models start from the same weights. Each round trains
`--steps` steps with each library, interleaved and alternating which goes first; the median
ms/step over the rounds is reported with the ratio nnforge/PyTorch. Both use the same
number of threads (numpy's BLAS via threadpoolctl, torch.set_num_threads).

    .venv/bin/python bench/cnn.py [--rounds 7] [--steps 40] [--threads 2] [--profile]
                                  [--layers]

`--profile` instead runs cProfile (CPU time) over nnforge steps and prints where the time
goes; `--layers` times each layer alone, forward and forward+backward, in both libraries.
"""
import argparse
import statistics
import sys
import time

import numpy as np


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


def build(seed):
    import torch

    import nnforge as nf
    from nnforge import nn, optim
    from nnforge.nn.conv import Conv2d
    from nnforge.nn.pooling import MaxPool2d

    nf.manual_seed(seed)
    ours = nn.Sequential(Conv2d(1, 32, 3, padding=1), nn.ReLU(), MaxPool2d(2),
                         Conv2d(32, 64, 3, padding=1), nn.ReLU(), MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    tnn = torch.nn
    theirs = tnn.Sequential(tnn.Conv2d(1, 32, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                            tnn.Conv2d(32, 64, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                            tnn.Flatten(), tnn.Linear(3136, 128), tnn.ReLU(),
                            tnn.Linear(128, 10))
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in
                            ours.state_dict().items()})
    return ((ours, optim.Adam(ours.parameters(), lr=1e-3), nn.CrossEntropyLoss()),
            (theirs, torch.optim.Adam(theirs.parameters(), lr=1e-3),
             tnn.CrossEntropyLoss()))


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


def _fastest_cpu_ms(fn, repeats=15):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return 1000 * best


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
        row = [_fastest_cpu_ms(f) for f in (ours_fwd, ours_both, lambda: ref(xt),
                                            theirs_both)]
        print(f"{index}: {type(mine).__name__:20s}" + "".join(f"{v:11.2f}" for v in row))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=40, help="training steps per round")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--layers", action="store_true")
    args = parser.parse_args(argv)

    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)

    rng = np.random.default_rng(0)
    X, y, source = load_data(rng)
    ours, theirs = build(seed=0)
    if args.profile:
        return profile(X, y, rng, args, ours)
    if args.layers:
        return layer_times(ours, theirs, rng)
    times = {"nnforge": [], "pytorch": []}
    losses = {}
    for r in range(args.rounds + 1):  # round 0 warms both up and is not counted
        batches = make_batches(X, y, rng, args.steps, args.batch_size)
        batches_t = [(torch.from_numpy(xb), torch.from_numpy(yb)) for xb, yb in batches]
        runs = [("nnforge", lambda: nnforge_steps(batches, ours)),
                ("pytorch", lambda: torch_steps(batches_t, theirs))]
        if r % 2:
            runs.reverse()
        for name, fn in runs:
            start = time.perf_counter()
            losses[name] = fn()
            elapsed = time.perf_counter() - start
            if r:
                times[name].append(1000 * elapsed / args.steps)
    ours_ms = statistics.median(times["nnforge"])
    theirs_ms = statistics.median(times["pytorch"])
    print(f"CNN conv32-pool-conv64-pool-fc128-fc10, Adam, batch {args.batch_size}, float32, "
          f"{source}, {args.threads} threads, median of {args.rounds} rounds x {args.steps} "
          f"steps")
    print(f"  nnforge  {ours_ms:7.2f} ms/step   (last loss {losses['nnforge']:.4f})")
    print(f"  pytorch  {theirs_ms:7.2f} ms/step   (last loss {losses['pytorch']:.4f})")
    print(f"  ratio nnforge/pytorch = {ours_ms / theirs_ms:.2f}")
    return ours_ms / theirs_ms


if __name__ == "__main__":
    main()
