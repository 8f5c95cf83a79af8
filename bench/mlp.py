"""MLP training speed, nnforge vs PyTorch eager, each library in its own process.

784-256-128-10 with ReLU, Adam (lr 1e-3), batch 128, float32, cross-entropy; one epoch
over Fashion-MNIST's 60,000 training images (Debian's dataset-fashion-mnist; random data
of the same shape when it is absent), after a warm-up of `--warmup` steps. Each round
starts one fresh process per contestant (nnforge on each backend asked for, PyTorch, and
with `--numpy` the hand-written loop), alternating the order; reported are the median
ms/step, the ratio to PyTorch and the share of the machine's GEMM peak (bench/harness.py).

    .venv/bin/python bench/mlp.py [--rounds 5] [--backends numba numpy] [--threads N]
                                  [--numpy]

`--numpy` adds a third contestant: the same network trained by a hand-written NumPy loop
(no autograd, no framework; the textbook Adam of 12 in-place passes), the reference for
what plain NumPy reaches on this machine.
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
        train, _ = load_fashion_mnist(flatten=True)
        return train.X.astype(np.float32), train.y.astype(np.int64), "Fashion-MNIST"
    except Exception as err:  # noqa: BLE001 - the benchmark still runs on random data
        print(f"(Fashion-MNIST unavailable: {err}; using random data)", file=sys.stderr)
        X = rng.random((60000, 784), dtype=np.float32)
        y = rng.integers(0, 10, 60000)
        return X, y, "random"


def nnforge_epoch(X, y, order, batch_size, state):
    import nnforge as nf
    model, optimizer, loss_fn = state
    model.train()
    for start in range(0, len(order), batch_size):
        index = order[start:start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(nf.Tensor._make(X[index], False, None)), y[index])
        loss.backward()
        optimizer.step()
    return loss.item()


def torch_epoch(X, y, order, batch_size, state):
    model, optimizer, loss_fn = state
    model.train()
    for start in range(0, len(order), batch_size):
        index = order[start:start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(X[index]), y[index])
        loss.backward()
        optimizer.step()
    return loss.item()


class HandWrittenMLP:
    """784-256-128-10 with ReLU, softmax cross-entropy and Adam written out in NumPy."""

    def __init__(self, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.W = [state[f"{i}.weight"].copy() for i in (0, 2, 4)]
        self.b = [state[f"{i}.bias"].copy() for i in (0, 2, 4)]
        params = self.W + self.b
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.work = [np.empty_like(p) for p in params]
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0

    def step(self, x, y):
        W, b = self.W, self.b
        h1 = x @ W[0].T
        h1 += b[0]
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ W[1].T
        h2 += b[1]
        np.maximum(h2, 0, out=h2)
        z = h2 @ W[2].T
        z += b[2]
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(len(y)), y]).mean()
        p[np.arange(len(y)), y] -= 1
        p /= len(y)
        d2 = p @ W[2]
        d2 *= h2 > 0
        d1 = d2 @ W[1]
        d1 *= h1 > 0
        grads = [d1.T @ x, d2.T @ h1, p.T @ h2, d1.sum(0), d2.sum(0), p.sum(0)]
        self.adam(grads)
        return loss

    def adam(self, grads):
        (b1, b2), self.t = self.betas, self.t + 1
        c1, c2 = 1 - b1 ** self.t, (1 - b2 ** self.t) ** 0.5
        for p, g, m, v, s in zip(self.W + self.b, grads, self.m, self.v, self.work):
            np.subtract(g, m, out=s)
            s *= 1 - b1
            m += s
            v *= b2
            np.multiply(g, g, out=s)
            s *= 1 - b2
            v += s
            np.sqrt(v, out=s)
            s += self.eps * c2
            np.divide(m, s, out=s)
            s *= -self.lr * c2 / c1
            p += s


def numpy_epoch(X, y, order, batch_size, model):
    for start in range(0, len(order), batch_size):
        index = order[start:start + batch_size]
        loss = model.step(X[index], y[index])
    return float(loss)


def build(seed, torch_model=True):
    import nnforge as nf
    from nnforge import nn, optim

    nf.manual_seed(seed)
    ours = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                         nn.Linear(128, 10))
    mine = (ours, optim.Adam(ours.parameters(), lr=1e-3), nn.CrossEntropyLoss())
    if not torch_model:
        return mine, None
    import torch
    torch.manual_seed(seed)
    theirs = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                 torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                 torch.nn.Linear(128, 10))
    theirs.load_state_dict({k: torch.from_numpy(np.array(v, copy=True)) for k, v in
                            ours.state_dict().items()})
    return mine, (theirs, torch.optim.Adam(theirs.parameters(), lr=1e-3),
                  torch.nn.CrossEntropyLoss())


def flops_per_step(batch):
    """2 x multiply-adds of one step: forward, dW of every layer, dX of all but the first."""
    sizes = [(784, 256, False), (256, 128, True), (128, 10, True)]
    return sum(2 * batch * n_in * n_out * (2 + needs_dx) for n_in, n_out, needs_dx in sizes)


def worker(args):
    """One contestant in this process; prints {"seconds_per_step": ...} as JSON."""
    library, backend, *plan = args.worker.split("-") + [None]
    rng = np.random.default_rng(0)
    X, y, source = load_data(rng)
    warm = rng.permutation(len(X))[:args.warmup * args.batch_size]
    order = rng.permutation(len(X))
    if library == "nnforge":
        import nnforge
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
        harness.set_threads(args.threads)
        state, _ = build(seed=0, torch_model=False)

        def epoch(o):
            return nnforge_epoch(X, y, o, args.batch_size, state)
        label = f"nnforge ({backend})"
    elif library == "pytorch":
        import torch
        harness.set_threads(args.threads)
        _, state = build(seed=0)
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

        def epoch(o):
            return torch_epoch(Xt, yt, torch.from_numpy(o), args.batch_size, state)
        label = f"PyTorch {torch.__version__}"
    else:
        harness.set_threads(args.threads)
        ours, _ = build(seed=0, torch_model=False)
        hand = HandWrittenMLP({k: v.numpy() for k, v in ours[0].state_dict().items()})

        def epoch(o):
            return numpy_epoch(X, y, o, args.batch_size, hand)
        label = "hand-written NumPy loop"
    epoch(warm)
    start, cpu = time.perf_counter(), time.process_time()
    loss = epoch(order)
    steps = -(-len(order) // args.batch_size)
    print(json.dumps({"seconds_per_step": (time.perf_counter() - start) / steps,
                      "cpu_seconds_per_step": (time.process_time() - cpu) / steps,
                      "loss": loss, "label": label, "data": source}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps first")
    parser.add_argument("--threads", type=int, default=None,
                        help="pin every contestant to this many threads (default: theirs)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--backends", nargs="+", default=["numba"],
                        choices=["numba", "numba-serial", "numpy"],
                        help="nnforge backends to time (numba-serial: with the thread plan off)")
    parser.add_argument("--numpy", action="store_true",
                        help="also time a hand-written NumPy loop of the same network")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    load = os.getloadavg()[0]
    peak = harness.gemm_peak(args.threads)
    contestants = ([f"nnforge-{b}" for b in args.backends] + ["pytorch"]
                   + (["numpy"] if args.numpy else []))
    results = harness.alternate(__file__, contestants, args.rounds,
                                ["--warmup", args.warmup, "--batch-size", args.batch_size],
                                args.threads)
    title = (f"MLP 784-256-128-10, Adam, batch {args.batch_size}, float32, "
             f"{results['pytorch'][0]['data']}, threads {args.threads or 'default'}, one "
             f"epoch per process, median of {args.rounds} rounds; load average at start "
             f"{load:.2f} on {os.cpu_count()} CPUs")
    print(harness.report(title, results, flops_per_step(args.batch_size), peak))
    return results


if __name__ == "__main__":
    main()
