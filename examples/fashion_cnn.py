"""A small CNN on Fashion-MNIST (convolution, pooling, batch norm), trained on
a subset so it finishes in about a minute on two cores; learning curves and the test
confusion matrix.

    .venv/bin/python examples/fashion_cnn.py [OUT.png] [--fast]

Needs Debian's `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist). The full recipe
(all 60,000 images, augmentation) is `nnforge train examples/fashion_cnn.toml`.
Conv(1->16, 3x3) - BN - ReLU - MaxPool - Conv(16->32, 3x3) - BN - ReLU - MaxPool -
Flatten - Dropout 0.3 - Linear(1568, 10), Adam lr 2e-3, 10,000 training images, 3 epochs.
"""
import argparse
from pathlib import Path

import numpy as np

import nnforge.nn as nn
from nnforge import optim
from nnforge.data import FASHION_MNIST_CLASSES, load_fashion_mnist
from nnforge.train import Trainer, confusion_matrix


def make_model(seed=0):
    g = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, generator=g), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, generator=g), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.3, generator=g), nn.Linear(32 * 7 * 7, 10, generator=g))


def main(argv=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="a small CNN on Fashion-MNIST")
    parser.add_argument("out", nargs="?", default="out/fashion_cnn.png")
    parser.add_argument("--fast", action="store_true", help="1,000 images, 1 epoch")
    args = parser.parse_args(argv)
    n_train, n_test, epochs = (1000, 500, 1) if args.fast else (10000, 2000, 3)
    train, test = load_fashion_mnist()
    rng = np.random.default_rng(0)
    rows = rng.permutation(len(train.X))
    fit_rows, val_rows = rows[:n_train], rows[n_train:n_train + n_test]
    X = train.X.reshape(-1, 1, 28, 28)
    X_test = test.X[:n_test].reshape(-1, 1, 28, 28)
    model = make_model()
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=2e-3), nn.CrossEntropyLoss(),
                      generator=0)
    history = trainer.fit((X[fit_rows], train.y[fit_rows]), (X[val_rows], train.y[val_rows]),
                          epochs=epochs, batch_size=64, verbose=0)
    result = trainer.evaluate((X_test, test.y[:n_test]))
    predicted = trainer.predict(X_test).argmax(axis=1)
    matrix = confusion_matrix(test.y[:n_test], predicted, num_classes=10)
    print(f"{n_train} training images, {epochs} epoch(s): test accuracy on {n_test} test "
          f"images {result['accuracy']:.4f} (loss {result['loss']:.4f})")
    fig, (ax, ax_cm) = plt.subplots(1, 2, figsize=(12, 5))
    t = range(1, len(history) + 1)
    ax.plot(t, history["loss"], marker="o", label="training loss")
    ax.plot(t, history["val_loss"], marker="o", label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_title(f"test accuracy {result['accuracy']:.3f}")
    ax.legend()
    ax_cm.imshow(matrix, cmap="Blues")
    ax_cm.set_xticks(range(10), FASHION_MNIST_CLASSES, rotation=60, fontsize=7)
    ax_cm.set_yticks(range(10), FASHION_MNIST_CLASSES, fontsize=7)
    ax_cm.set_xlabel("predicted")
    ax_cm.set_ylabel("true")
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
