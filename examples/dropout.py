"""Dropout on and off: the same over-sized MLP on a small part of
scikit-learn's digits, trained with and without dropout from the same initial weights and
batch order; training and validation loss curves side by side.

    .venv/bin/python examples/dropout.py [OUT.png] [--fast]

Without dropout the training loss goes to ~0 while the validation loss turns upward
(overfitting); with p = 0.5 hidden dropout (and 0.2 on the inputs) the gap stays small.
"""
import argparse
from pathlib import Path

import numpy as np

import nnforge.nn as nn
from nnforge import optim
from nnforge.data import StandardScaler, load_digits, train_val_test_split
from nnforge.train import Trainer


def make_model(p_hidden, p_input, seed=0):
    g = np.random.default_rng(seed)
    layers = [nn.Dropout(p_input, generator=g)] if p_input else []
    layers += [nn.Linear(64, 128, generator=g), nn.ReLU()]
    layers += [nn.Dropout(p_hidden, generator=g)] if p_hidden else []
    layers += [nn.Linear(128, 128, generator=g), nn.ReLU()]
    layers += [nn.Dropout(p_hidden, generator=g)] if p_hidden else []
    return nn.Sequential(*layers, nn.Linear(128, 10, generator=g))


def main(argv=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="dropout on/off learning curves")
    parser.add_argument("out", nargs="?", default="out/dropout.png")
    parser.add_argument("--fast", action="store_true", help="5 epochs")
    args = parser.parse_args(argv)
    epochs = 5 if args.fast else 60
    digits = load_digits()
    train, val, _ = train_val_test_split(digits.y, fractions=(0.15, 0.45, 0.4), seed=0,
                                         stratify=True)
    scaler = StandardScaler().fit(digits.X[train])
    X_train, X_val = scaler.transform(digits.X[train]), scaler.transform(digits.X[val])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, (label, p_hidden, p_input) in zip(axes, [("no dropout", 0.0, 0.0),
                                                     ("dropout 0.5 hidden, 0.2 input", 0.5,
                                                      0.2)]):
        model = make_model(p_hidden, p_input)
        trainer = Trainer(model, optim.Adam(model.parameters(), lr=1e-3),
                          nn.CrossEntropyLoss(), generator=0)
        history = trainer.fit((X_train, digits.y[train]), (X_val, digits.y[val]),
                              epochs=epochs, batch_size=32, verbose=0)
        loss, val_loss = history["loss"], history["val_loss"]
        ax.plot(range(1, epochs + 1), loss, label="training loss")
        ax.plot(range(1, epochs + 1), val_loss, label="validation loss")
        ax.set_yscale("log")
        ax.set_title(f"{label}: best val loss {min(val_loss):.3f}, final {val_loss[-1]:.3f}")
        ax.set_xlabel("epoch")
        ax.legend()
        print(f"{label:<30} final train loss {loss[-1]:.4f}  val loss {val_loss[-1]:.4f}  "
              f"val accuracy {history['val_accuracy'][-1]:.4f}")
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
