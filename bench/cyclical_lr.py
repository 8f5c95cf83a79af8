"""Cyclical learning rates against a fixed rate and step decay, on Fashion-MNIST at CPU scale.

Smith (2017, "Cyclical learning rates for training neural networks", Table 1) reports on
CIFAR-10 that the triangular2 policy reaches the fixed learning rate's final accuracy
(81.4 %) in 25,000 iterations instead of 70,000, about a third, and that exp_range can end
above it (82.2 %). Here the same comparison runs on a small MLP:

1. the LR range test (`nnforge.diagnose.lr_range_test`) on the training rows gives one
   suggested rate and the (base_lr, max_lr) bounds for the cyclical policies;
2. the same network, from the same initial weights and batch order, trains for the same
   number of iterations with
   (a) **fixed**: the suggested rate throughout,
   (b) **triangular2**: `CyclicLR(base_lr, max_lr, mode="triangular2")`,
   (c) **exp_range**: `CyclicLR(..., mode="exp_range", gamma=...)`,
   (d) **step decay**: the fixed rate divided by 10 at 50 % and again at 75 % of the run;
3. test accuracy is measured every `--eval-every` iterations; the table gives each
   policy's final accuracy, its best, and the first iteration at which it reached the fixed
   rate's final accuracy.

SGD with momentum 0.9 throughout; CyclicLR's inverse momentum cycling is switched off so
only the learning rate differs. Half cycles of `--step-size` iterations (Smith: 2-10
epochs; the defaults, 20,000 training rows in batches of 100 for 4,800 iterations, give
half cycles of 2 epochs and 6 full cycles).

    .venv/bin/python bench/cyclical_lr.py                        # ~10 min on a shared core
    .venv/bin/python bench/cyclical_lr.py --iterations 600 --train-rows 2000   # a smoke run
"""
import argparse
import json
import os
import sys
import time

import numpy as np

POLICIES = ("fixed", "triangular2", "exp_range", "step decay")


def load_data(train_rows=None, test_rows=None):
    """Fashion-MNIST as flat float32 rows, standardized per pixel on the training rows."""
    from nnforge.data import load_fashion_mnist

    train, test = load_fashion_mnist(flatten=True)
    n = min(train_rows or len(train), len(train))
    m = min(test_rows or len(test), len(test))
    X, y = train.X[:n], train.y[:n]
    mean, std = X.mean(axis=0), X.std(axis=0) + np.float32(1e-3)
    return (X - mean) / std, y, (test.X[:m] - mean) / std, test.y[:m]


def build_mlp(n_in, widths, n_out, seed):
    """A ReLU MLP with PyTorch's default initialization drawn from `seed`."""
    from nnforge import nn

    rng = np.random.default_rng(seed)
    layers, fan_in = [], n_in
    for width in widths:
        layers += [nn.Linear(fan_in, width, generator=rng), nn.ReLU()]
        fan_in = width
    layers.append(nn.Linear(fan_in, n_out, generator=rng))
    return nn.Sequential(*layers)


def range_test(model, X, y, args):
    """The LR range test with SGD + momentum; returns the `LRFinderResult`."""
    from nnforge import nn, optim
    from nnforge.diagnose import lr_range_test

    optimizer = optim.SGD(model.parameters(), lr=args.start_lr, momentum=args.momentum)
    return lr_range_test(model, optimizer, nn.CrossEntropyLoss(), X, y,
                         start_lr=args.start_lr, end_lr=args.end_lr,
                         num_steps=args.range_steps, batch_size=args.batch_size,
                         generator=args.seed, mode=args.range_mode)


def make_scheduler(policy, optimizer, fixed_lr, base_lr, max_lr, args):
    """The per-iteration scheduler of `policy` (None for a fixed rate)."""
    from nnforge.optim import lr_scheduler

    if policy == "fixed":
        return None
    if policy in ("triangular2", "exp_range"):
        return lr_scheduler.CyclicLR(optimizer, base_lr, max_lr, step_size_up=args.step_size,
                                     mode=policy, gamma=exp_range_gamma(args),
                                     cycle_momentum=False)
    if policy == "step decay":
        n = args.iterations
        return lr_scheduler.MultiStepLR(optimizer, [n // 2, (3 * n) // 4], gamma=0.1)
    raise ValueError(f"make_scheduler: unknown policy {policy!r}; expected one of "
                     f"{', '.join(POLICIES)}")


def exp_range_gamma(args):
    """Smith's gamma = 0.99994 with 2,000-iteration half cycles, rescaled so the bounds
    shrink by the same factor per half cycle at `--step-size`."""
    return args.gamma if args.gamma is not None else 0.99994 ** (2000 / args.step_size)


def accuracy(model, X, y, batch_size=2000):
    from nnforge.autograd import no_grad, tensor

    model.eval()
    with no_grad():
        labels = np.concatenate([model(tensor(X[i:i + batch_size])).numpy().argmax(axis=1)
                                 for i in range(0, len(X), batch_size)])
    model.train()
    return float((labels == y).mean())


def train_policy(policy, X, y, X_test, y_test, fixed_lr, base_lr, max_lr, args):
    """Train a fresh network (seed `args.seed`) under `policy`; returns (iterations,
    test accuracies, learning rates) sampled every `args.eval_every` iterations."""
    from nnforge import nn, optim
    from nnforge.autograd import tensor

    model = build_mlp(X.shape[1], args.widths, 10, args.seed)
    optimizer = optim.SGD(model.parameters(), lr=fixed_lr, momentum=args.momentum)
    scheduler = make_scheduler(policy, optimizer, fixed_lr, base_lr, max_lr, args)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(args.seed + 1)       # the same batch order for every policy
    order, position = rng.permutation(len(X)), 0
    steps, accuracies, lrs = [], [], []
    model.train()
    for it in range(1, args.iterations + 1):
        if position + args.batch_size > len(order):
            order, position = rng.permutation(len(X)), 0
        rows = order[position:position + args.batch_size]
        position += args.batch_size
        lr = optimizer.param_groups[0]["lr"]
        optimizer.zero_grad()
        loss = loss_fn(model(tensor(X[rows])), y[rows])
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if it % args.eval_every == 0 or it == args.iterations:
            steps.append(it)
            accuracies.append(accuracy(model, X_test, y_test))
            lrs.append(lr)
    return np.array(steps), np.array(accuracies), np.array(lrs)


def iterations_to_reach(steps, accuracies, target):
    """The first sampled iteration whose accuracy is at least `target` (None if never)."""
    hit = np.flatnonzero(accuracies >= target)
    return int(steps[hit[0]]) if hit.size else None


def summarize(curves):
    """Rows of (policy, final accuracy, best accuracy, iterations to the fixed rate's final
    accuracy, that as a fraction of the fixed run's iterations)."""
    steps, fixed = curves["fixed"][:2]
    target, total = fixed[-1], int(steps[-1])
    rows = []
    for policy, (s, acc, _) in curves.items():
        reach = iterations_to_reach(s, acc, target)
        rows.append((policy, float(acc[-1]), float(acc.max()), reach,
                     None if reach is None else reach / total))
    return rows


def table(rows, n_train, n_test):
    lines = [f"| policy | final test accuracy % (of {n_test}) | best % | iterations to the fixed "
             f"rate's final accuracy | fraction of the run |", "|---|---|---|---|---|"]
    for policy, final, best, reach, fraction in rows:
        lines.append(f"| {policy} | {100 * final:.2f} | {100 * best:.2f} | "
                     f"{'never' if reach is None else f'{reach:,}'} | "
                     f"{'-' if fraction is None else f'{fraction:.2f}'} |")
    return "\n".join(lines)


def run(args):
    X, y, X_test, y_test = load_data(args.train_rows, args.test_rows)
    found = range_test(build_mlp(X.shape[1], args.widths, 10, args.seed), X, y, args)
    fixed_lr = args.fixed_lr or found.suggested_lr
    base_lr = args.base_lr or found.base_lr
    max_lr = args.max_lr or found.max_lr
    if not (np.isfinite(base_lr) and np.isfinite(max_lr)):
        raise RuntimeError("cyclical_lr: the LR range test found no bounds (the loss never "
                           "fell); widen --start-lr/--end-lr or give --base-lr/--max-lr")
    print(f"[clr] range test ({args.range_mode}, {len(found.lrs)} steps): suggested lr "
          f"{found.suggested_lr:.4g}, base_lr {found.base_lr:.4g}, max_lr {found.max_lr:.4g}",
          file=sys.stderr, flush=True)
    curves = {}
    for policy in args.policies:
        start = time.perf_counter()
        curves[policy] = train_policy(policy, X, y, X_test, y_test, fixed_lr, base_lr,
                                      max_lr, args)
        print(f"[clr] {policy:12s} final {100 * curves[policy][1][-1]:.2f} %, "
              f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return {"fixed_lr": fixed_lr, "base_lr": base_lr, "max_lr": max_lr, "curves": curves,
            "range_test": found, "n_train": len(y), "n_test": len(y_test)}


def plot(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    for policy, (steps, acc, lrs) in result["curves"].items():
        top.plot(steps, 100 * acc, label=policy)
        bottom.plot(steps, lrs, label=policy)
    top.axhline(100 * result["curves"]["fixed"][1][-1], color="0.5", ls=":", lw=1)
    top.set_ylabel("test accuracy %")
    top.legend()
    bottom.set_yscale("log")
    bottom.set_ylabel("learning rate")
    bottom.set_xlabel("iteration")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=4800)
    parser.add_argument("--step-size", type=int, default=400,
                        help="half-cycle length in iterations")
    parser.add_argument("--gamma", type=float, default=None,
                        help="exp_range's gamma (default: Smith's, rescaled to --step-size)")
    parser.add_argument("--eval-every", type=int, default=200)
    parser.add_argument("--widths", type=int, nargs="+", default=[256, 128])
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--train-rows", type=int, default=20000,
                        help="use the first N training rows (0: all 60,000)")
    parser.add_argument("--test-rows", type=int, default=None)
    parser.add_argument("--start-lr", type=float, default=1e-4)
    parser.add_argument("--end-lr", type=float, default=3.0)
    parser.add_argument("--range-steps", type=int, default=300)
    parser.add_argument("--range-mode", choices=["exponential", "linear"],
                        default="exponential")
    parser.add_argument("--fixed-lr", type=float, default=None,
                        help="default: the range test's suggested rate")
    parser.add_argument("--base-lr", type=float, default=None)
    parser.add_argument("--max-lr", type=float, default=None)
    parser.add_argument("--policies", nargs="+", choices=POLICIES, default=list(POLICIES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--plot", metavar="PNG", help="save accuracy and LR curves")
    parser.add_argument("--json", metavar="PATH", help="also write the curves as JSON")
    args = parser.parse_args(argv)
    if "fixed" not in args.policies:
        parser.error("--policies must include 'fixed' (the reference accuracy)")

    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    start = time.perf_counter()
    result = run(args)
    print(f"MLP 784-{'-'.join(map(str, args.widths))}-10, SGD momentum {args.momentum:g}, "
          f"batch {args.batch_size}, {args.iterations} iterations, {result['n_train']} "
          f"training rows; fixed lr {result['fixed_lr']:.4g}, cyclic bounds "
          f"{result['base_lr']:.4g} .. {result['max_lr']:.4g}, half cycle {args.step_size}, "
          f"exp_range gamma {exp_range_gamma(args):.6g}; "
          f"{time.perf_counter() - start:.0f} s total, load average at start {load:.2f}")
    print(table(summarize(result["curves"]), result["n_train"], result["n_test"]))
    if args.plot:
        plot(result, args.plot)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "load_average": load,
                       **{k: result[k] for k in ("fixed_lr", "base_lr", "max_lr")},
                       "curves": {p: {"iterations": s.tolist(), "accuracy": a.tolist(),
                                      "lr": lr.tolist()}
                                  for p, (s, a, lr) in result["curves"].items()}},
                      f, indent=2)
    return result


if __name__ == "__main__":
    main()
