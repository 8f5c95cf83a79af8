"""Batch normalization: a deep sigmoid MLP with and without BatchNorm1d,
same initial weights, batches and SGD learning rate, on scikit-learn's digits.

    .venv/bin/python examples/batch_norm.py [OUT.png] [--fast]

Eight sigmoid layers shrink the gradient layer after layer (sigmoid' <= 0.25), so plain
SGD barely moves the early layers and the loss stays near ln 10 for many epochs; with
BatchNorm1d before each sigmoid the pre-activations stay centred where the slope is
largest and the same learning rate trains at once. The right panel shows the first
layer's gradient RMS at initialization for both (`diagnose.stats.gradient_statistics`).
"""
import argparse
from pathlib import Path

import numpy as np

import nnforge
import nnforge.nn as nn
from nnforge import optim
from nnforge.data import StandardScaler, load_digits, train_val_test_split
from nnforge.diagnose.stats import gradient_statistics
from nnforge.train import Trainer

DEPTH, WIDTH = 8, 64


def make_model(batch_norm, seed=0):
    g = np.random.default_rng(seed)
    layers, width = [], 64
    for _ in range(DEPTH):
        layers.append(nn.Linear(width, WIDTH, generator=g))
        if batch_norm:
            layers.append(nn.BatchNorm1d(WIDTH))
        layers.append(nn.Sigmoid())
        width = WIDTH
    return nn.Sequential(*layers, nn.Linear(width, 10, generator=g))


def main(argv=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="deep sigmoid MLP with/without BatchNorm")
    parser.add_argument("out", nargs="?", default="out/batch_norm.png")
    parser.add_argument("--fast", action="store_true", help="3 epochs")
    args = parser.parse_args(argv)
    epochs = 3 if args.fast else 30
    digits = load_digits()
    train, val, _ = train_val_test_split(digits.y, seed=0, stratify=True)
    scaler = StandardScaler().fit(digits.X[train])
    X_train, X_val = scaler.transform(digits.X[train]), scaler.transform(digits.X[val])
    fig, (ax, ax_grad) = plt.subplots(1, 2, figsize=(11, 4))
    for label, bn in [("without BatchNorm", False), ("with BatchNorm1d", True)]:
        model = make_model(bn)
        loss = nn.CrossEntropyLoss()(model(nnforge.tensor(X_train[:256])), digits.y[train][:256])
        loss.backward()
        linear = {f"{i}.weight" for i, m in enumerate(model) if isinstance(m, nn.Linear)}
        rms = [float(np.hypot(s.mean, s.std)) for s in gradient_statistics(model)
               if s.name in linear]
        model.zero_grad()
        trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                          nn.CrossEntropyLoss(), generator=0)
        history = trainer.fit((X_train, digits.y[train]), (X_val, digits.y[val]),
                              epochs=epochs, batch_size=32, verbose=0)
        ax.plot(range(1, epochs + 1), history["loss"], label=f"{label}: training")
        ax.plot(range(1, epochs + 1), history["val_loss"], ls="--", label=f"{label}: validation")
        ax_grad.semilogy(range(1, len(rms) + 1), rms, marker="o", label=label)
        print(f"{label:<18} val accuracy after {epochs} epochs: "
              f"{history['val_accuracy'][-1]:.4f}; weight-gradient RMS layer 1 / layer "
              f"{len(rms)} at init: {rms[0]:.2e} / {rms[-1]:.2e}")
    ax.axhline(np.log(10), color="0.6", lw=0.8)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.legend(fontsize=8)
    ax.set_title(f"{DEPTH} sigmoid layers, SGD momentum 0.9, lr 0.1")
    ax_grad.set_xlabel("Linear layer")
    ax_grad.set_ylabel("weight-gradient RMS at init")
    ax_grad.legend(fontsize=8)
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
