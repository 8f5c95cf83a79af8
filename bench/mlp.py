"""MLP training speed, nnforge vs PyTorch eager, measured in one run.

784-256-128-10 with ReLU, Adam (lr 1e-3), batch 128, float32, cross-entropy; one epoch
over Fashion-MNIST's 60,000 training images (Debian's dataset-fashion-mnist; random data
of the same shape when it is absent). The two libraries run interleaved, alternating which
goes first, and the median epoch time of each is reported with the ratio.

    .venv/bin/python bench/mlp.py [--rounds 5] [--threads 2] [--numpy]

`--numpy` adds a third contestant: the same network trained by a hand-written NumPy loop
(no autograd, no framework; the textbook Adam of 12 in-place passes), the reference for
what plain NumPy reaches on this machine.
"""
import argparse
import statistics
import sys
import time

import numpy as np


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


def build(seed):
    import torch

    import nnforge as nf
    from nnforge import nn, optim

    nf.manual_seed(seed)
    ours = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                         nn.Linear(128, 10))
    torch.manual_seed(seed)
    theirs = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                 torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                 torch.nn.Linear(128, 10))
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in
                            ours.state_dict().items()})
    return ((ours, optim.Adam(ours.parameters(), lr=1e-3), nn.CrossEntropyLoss()),
            (theirs, torch.optim.Adam(theirs.parameters(), lr=1e-3),
             torch.nn.CrossEntropyLoss()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--numpy", action="store_true",
                        help="also time a hand-written NumPy loop of the same network")
    args = parser.parse_args(argv)

    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)

    rng = np.random.default_rng(0)
    X, y, source = load_data(rng)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    ours, theirs = build(seed=0)
    hand = HandWrittenMLP(ours[0].state_dict()) if args.numpy else None
    times = {"nnforge": [], "pytorch": [], "numpy": []}
    losses = {}
    for r in range(args.rounds + 1):  # round 0 warms both up and is not counted
        order = rng.permutation(len(X))
        order_t = torch.from_numpy(order)
        runs = [("nnforge", lambda: nnforge_epoch(X, y, order, args.batch_size, ours)),
                ("pytorch", lambda: torch_epoch(Xt, yt, order_t, args.batch_size, theirs))]
        if hand is not None:
            runs.append(("numpy", lambda: numpy_epoch(X, y, order, args.batch_size, hand)))
        if r % 2:
            runs.reverse()
        for name, fn in runs:
            start = time.perf_counter()
            losses[name] = fn()
            elapsed = time.perf_counter() - start
            if r:
                times[name].append(elapsed)
    ours_s = statistics.median(times["nnforge"])
    theirs_s = statistics.median(times["pytorch"])
    print(f"MLP 784-256-128-10, Adam, batch {args.batch_size}, float32, {source}, "
          f"{args.threads} threads, median of {args.rounds} epochs")
    print(f"  nnforge  {ours_s:7.3f} s/epoch   (last loss {losses['nnforge']:.4f})")
    print(f"  pytorch  {theirs_s:7.3f} s/epoch   (last loss {losses['pytorch']:.4f})")
    if hand is not None:
        hand_s = statistics.median(times["numpy"])
        print(f"  numpy    {hand_s:7.3f} s/epoch   (last loss {losses['numpy']:.4f}; "
              f"hand-written loop)")
        print(f"  ratio numpy/pytorch = {hand_s / theirs_s:.2f}")
    print(f"  ratio nnforge/pytorch = {ours_s / theirs_s:.2f}")
    return ours_s / theirs_s


if __name__ == "__main__":
    main()
