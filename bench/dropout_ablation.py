"""Dropout ablation on Fashion-MNIST, mirroring the lecture's MNIST result.

The lecture (Srivastava et al. 2014) reports MNIST test errors of 160 without
dropout, 130 with 50 % dropout on the hidden layers and 110 with 50 % hidden + 20 % input
dropout. Here the same three variants train the same MLP (784-W-W-10, ReLU, He init,
Adam with cosine annealing, batch 128) on Fashion-MNIST with the same budget (the same
number of epochs on the same rows, no early stopping), for several seeds each; the seed
sets the initial weights, dropout masks and batch order. The result is reported as test
error COUNTS out of 10,000 with their spread over the seeds, whichever way it comes out.

    .venv/bin/python bench/dropout_ablation.py                  # 3 seeds, full data
    .venv/bin/python bench/dropout_ablation.py --train-rows 10000 --epochs 10 --width 256

Uses `nnforge.sklearn.NeuralNetClassifier`, so each variant is one keyword.

`--recipe srivastava` trains instead with the recipe of Srivastava et al. (2014): plain SGD
with a learning rate decaying exponentially, momentum ramped up to 0.95, and a
max-norm constraint on every unit's incoming weights (`optim.max_norm_`) after each update,
on wider nets trained longer. The three variants share everything but the dropout rates:

    .venv/bin/python bench/dropout_ablation.py --recipe srivastava --train-rows 10000 \
        --width 1024 --epochs 50
"""
import argparse
import json
import os
import sys
import time

import numpy as np

VARIANTS = [("no dropout", 0.0, 0.0),
            ("50% hidden", 0.5, 0.0),
            ("50% hidden + 20% input", 0.5, 0.2)]

#: the lecture's MNIST errors (out of 10,000) for the same three variants
LECTURE_MNIST = {"no dropout": 160, "50% hidden": 130, "50% hidden + 20% input": 110}


def load_data(train_rows=None, test_rows=None):
    """Fashion-MNIST as flat float32 rows, standardized per pixel on the training rows."""
    from nnforge.data import load_fashion_mnist

    train, test = load_fashion_mnist(flatten=True)
    n = min(train_rows or len(train), len(train))
    m = min(test_rows or len(test), len(test))
    X, y = train.X[:n], train.y[:n]
    mean = X.mean(axis=0)
    std = X.std(axis=0) + np.float32(1e-3)
    X = (X - mean) / std                               # per-pixel, training rows only
    return X, y, (test.X[:m] - mean) / std, test.y[:m]


def build_mlp(n_in, width, n_out, hidden, inputs, seed):
    """784-W-W-10 ReLU MLP with dropout `inputs` on the pixels and `hidden` after each hidden
    layer; He-normal weights and zero biases, all drawn from `seed`."""
    from nnforge import nn

    rng = np.random.default_rng(seed)
    layers = [nn.Dropout(inputs, generator=rng)] if inputs else []
    for fan_in in (n_in, width):
        linear = nn.Linear(fan_in, width, generator=rng)
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", generator=rng)
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.ReLU()] + ([nn.Dropout(hidden, generator=rng)] if hidden else [])
    layers.append(nn.Linear(width, n_out, generator=rng))
    return nn.Sequential(*layers)


def fit_recipe(X, y, hidden, inputs, seed, args):
    """Srivastava et al.'s recipe: SGD, lr decaying by `lr_decay` per epoch, momentum ramped
    from 0.5 to `momentum` over the first quarter of the epochs, max-norm `max_norm` on every
    weight matrix after each update. Returns the trained model (in eval mode)."""
    from nnforge import nn, optim
    from nnforge.train import MaxNormConstraint, Trainer

    model = build_mlp(X.shape[1], args.width, 10, hidden, inputs, seed)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.5)
    decay = args.lr_decay ** (1.0 / max(args.epochs - 1, 1))     # lr * lr_decay at the end
    trainer = Trainer(model, optimizer, nn.CrossEntropyLoss(), metrics=(),
                      callbacks=[MaxNormConstraint(args.max_norm)],
                      generator=np.random.default_rng(seed + 1000),
                      scheduler=optim.lr_scheduler.ExponentialLR(optimizer, decay),
                      momentum_scheduler=optim.MomentumScheduler(
                          optimizer, start=0.5, end=args.momentum,
                          total_steps=max(args.epochs // 4, 1)))
    trainer.fit((X, y), epochs=args.epochs, batch_size=args.batch_size, verbose=0)
    model.eval()
    return model


def predict_labels(model, X, batch_size=1000):
    from nnforge.autograd import no_grad, tensor

    with no_grad():
        return np.concatenate([model(tensor(X[i:i + batch_size])).numpy().argmax(axis=1)
                               for i in range(0, len(X), batch_size)])


def run(args):
    X, y, X_test, y_test = load_data(args.train_rows, args.test_rows)
    n = len(y)
    results = []
    for label, hidden, inputs in VARIANTS:
        for seed in args.seeds:
            start = time.perf_counter()
            if args.recipe == "srivastava":
                model = fit_recipe(X, y, hidden, inputs, seed, args)
                seconds = time.perf_counter() - start

                def predict(rows, model=model):
                    return predict_labels(model, rows)
            else:
                from nnforge.sklearn import NeuralNetClassifier

                clf = NeuralNetClassifier(hidden_layer_sizes=(args.width, args.width),
                                          dropout=hidden, input_dropout=inputs,
                                          init="he_normal", optimizer="adam", lr=args.lr,
                                          lr_scheduler="CosineAnnealingLR",
                                          batch_size=args.batch_size, max_epochs=args.epochs,
                                          random_state=seed)
                clf.fit(X, y)
                seconds = time.perf_counter() - start
                predict = clf.predict
            errors = int((predict(X_test) != y_test).sum())
            train_errors = int((predict(X) != y).sum())
            results.append({"variant": label, "dropout": hidden, "input_dropout": inputs,
                            "seed": seed, "test_errors": errors, "train_errors": train_errors,
                            "seconds": seconds})
            print(f"[ablation] {label:24s} seed {seed}: {errors} test errors, "
                  f"{train_errors} train errors, {seconds:.0f} s", file=sys.stderr, flush=True)
    return results, n, len(y_test)


def table(results, n_train, n_test):
    lines = [f"| variant | test errors per seed (of {n_test}) | mean ± std | test error % | "
             f"train errors per seed (of {n_train}) | train error % | lecture, MNIST |",
             "|---|---|---|---|---|---|---|"]
    for label, _, _ in VARIANTS:
        rows = [r for r in results if r["variant"] == label]
        errors = np.array([r["test_errors"] for r in rows], dtype=float)
        train = np.array([r["train_errors"] for r in rows], dtype=float)
        spread = f"{errors.mean():.0f} ± {errors.std(ddof=1):.0f}" if len(errors) > 1 else \
            f"{errors.mean():.0f}"
        lines.append(f"| {label} | {', '.join(str(int(e)) for e in errors)} | {spread} | "
                     f"{100 * errors.mean() / n_test:.2f} | "
                     f"{', '.join(str(int(e)) for e in train)} | "
                     f"{100 * train.mean() / n_train:.2f} | {LECTURE_MNIST[label]} |")
    return "\n".join(lines)


def describe(args, n_train):
    if args.recipe == "srivastava":
        return (f"MLP 784-{args.width}-{args.width}-10, {args.epochs} epochs, batch "
                f"{args.batch_size}, SGD lr {args.lr:g} decaying x{args.lr_decay:g} over the "
                f"run, momentum 0.5 -> {args.momentum:g}, max-norm {args.max_norm:g}, "
                f"{n_train} training rows, seeds {args.seeds}")
    return (f"MLP 784-{args.width}-{args.width}-10, {args.epochs} epochs, batch "
            f"{args.batch_size}, Adam lr {args.lr:g} + cosine, {n_train} training rows, seeds "
            f"{args.seeds}")


def merge(paths):
    """The table of several JSON files written by --json (e.g. one process per seed)."""
    results, n_train, n_test = [], None, None
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        results += data["results"]
        n_train, n_test = data["n_train"], data["n_test"]
    results.sort(key=lambda r: r["seed"])
    return table(results, n_train, n_test)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", choices=["adam-cosine", "srivastava"],
                        default="adam-cosine",
                        help="adam-cosine (default): Adam + cosine annealing, no constraint; "
                             "srivastava: SGD with high lr and decay, momentum up to "
                             "--momentum, max-norm --max-norm")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--width", type=int, default=512, help="units per hidden layer")
    parser.add_argument("--lr", type=float, default=None,
                        help="default 1e-3 (adam-cosine) or 0.02 (srivastava; 0.1 killed most "
                             "ReLUs of the dropout nets at 50 epochs, see bench/RESULTS.md)")
    parser.add_argument("--lr-decay", type=float, default=0.05,
                        help="srivastava: final lr / initial lr (exponential decay)")
    parser.add_argument("--momentum", type=float, default=0.95,
                        help="srivastava: momentum reached after a quarter of the epochs")
    parser.add_argument("--max-norm", type=float, default=3.0,
                        help="srivastava: largest norm of a unit's incoming weights")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--train-rows", type=int, default=None,
                        help="use the first N training rows (default: all 60,000)")
    parser.add_argument("--test-rows", type=int, default=None,
                        help="use the first N test rows (default: all 10,000)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", metavar="PATH", help="also write the per-run rows as JSON")
    parser.add_argument("--merge", metavar="PATH", nargs="+",
                        help="only print the table of JSON files written by --json")
    args = parser.parse_args(argv)
    if args.merge:
        print(merge(args.merge))
        return None
    if args.lr is None:
        args.lr = 0.02 if args.recipe == "srivastava" else 1e-3

    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    start = time.perf_counter()
    results, n_train, n_test = run(args)
    print(f"{describe(args, n_train)}; {time.perf_counter() - start:.0f} s total, load "
          f"average at start {load:.2f}")
    print(table(results, n_train, n_test))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results, "load_average": load,
                       "n_train": n_train, "n_test": n_test}, f, indent=2)
    return results


if __name__ == "__main__":
    main()
