"""Dropout ablation on Fashion-MNIST, mirroring the lecture's MNIST result .

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


def run(args):
    from nnforge.data import load_fashion_mnist
    from nnforge.sklearn import NeuralNetClassifier

    train, test = load_fashion_mnist(flatten=True)
    n = min(args.train_rows or len(train), len(train))
    X, y = train.X[:n], train.y[:n]
    mean = X.mean(axis=0)
    std = X.std(axis=0) + np.float32(1e-3)
    X = (X - mean) / std                               # per-pixel, training rows only
    X_test = (test.X - mean) / std
    results = []
    for label, hidden, inputs in VARIANTS:
        for seed in args.seeds:
            clf = NeuralNetClassifier(hidden_layer_sizes=(args.width, args.width),
                                      dropout=hidden, input_dropout=inputs,
                                      init="he_normal", optimizer="adam", lr=args.lr,
                                      lr_scheduler="CosineAnnealingLR",
                                      batch_size=args.batch_size, max_epochs=args.epochs,
                                      random_state=seed)
            start = time.perf_counter()
            clf.fit(X, y)
            seconds = time.perf_counter() - start
            errors = int((clf.predict(X_test) != test.y).sum())
            train_errors = int((clf.predict(X) != y).sum())
            results.append({"variant": label, "dropout": hidden, "input_dropout": inputs,
                            "seed": seed, "test_errors": errors, "train_errors": train_errors,
                            "seconds": seconds})
            print(f"[ablation] {label:24s} seed {seed}: {errors} test errors, "
                  f"{train_errors} train errors, {seconds:.0f} s", file=sys.stderr, flush=True)
    return results, n, len(test.y)


def table(results, n_train, n_test):
    lines = [f"| variant | test errors per seed (of {n_test}) | mean ± std | test error % | "
             f"train errors (of {n_train}) | lecture, MNIST |", "|---|---|---|---|---|---|"]
    for label, _, _ in VARIANTS:
        rows = [r for r in results if r["variant"] == label]
        errors = np.array([r["test_errors"] for r in rows], dtype=float)
        train = np.array([r["train_errors"] for r in rows], dtype=float)
        spread = f"{errors.mean():.0f} ± {errors.std(ddof=1):.0f}" if len(errors) > 1 else \
            f"{errors.mean():.0f}"
        lines.append(f"| {label} | {', '.join(str(int(e)) for e in errors)} | {spread} | "
                     f"{100 * errors.mean() / n_test:.2f} | {train.mean():.0f} | "
                     f"{LECTURE_MNIST[label]} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--width", type=int, default=512, help="units per hidden layer")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--train-rows", type=int, default=None,
                        help="use the first N training rows (default: all 60,000)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", metavar="PATH", help="also write the per-run rows as JSON")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    start = time.perf_counter()
    results, n_train, n_test = run(args)
    print(f"MLP 784-{args.width}-{args.width}-10, {args.epochs} epochs, batch "
          f"{args.batch_size}, Adam lr {args.lr:g} + cosine, {n_train} training rows, seeds "
          f"{args.seeds}; {time.perf_counter() - start:.0f} s total, load average at start "
          f"{load:.2f}")
    print(table(results, n_train, n_test))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results, "load_average": load}, f,
                      indent=2)
    return results


if __name__ == "__main__":
    main()
