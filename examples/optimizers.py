"""Every nnforge optimizer trains the same small MLP on scikit-learn's digits, from the same
initial weights and the same batch order; their training-loss curves go in one plot.

    .venv/bin/python examples/optimizers.py [OUT_DIR]      (default ./out/)

Writes OUT_DIR/optimizers.png and prints each optimizer's final losses and validation
accuracy. Runs in a few seconds on two cores.
"""
import sys
import time
from pathlib import Path

import numpy as np

import nnforge
import nnforge.nn as nn
import nnforge.optim as optim
from nnforge.data import load_digits, train_val_test_split

EPOCHS, BATCH = 15, 64
OPTIMIZERS = {
    "SGD lr=0.1": lambda p: optim.SGD(p, lr=0.1),
    "SGD momentum 0.9": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    "SGD Nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.05),
    "Adadelta": lambda p: optim.Adadelta(p, lr=1.0),
    "RMSprop": lambda p: optim.RMSprop(p, lr=3e-3),
    "Adam": lambda p: optim.Adam(p, lr=3e-3),
    "AdamW": lambda p: optim.AdamW(p, lr=3e-3, weight_decay=1e-2),
}


def make_model():
    generator = np.random.default_rng(0)        # the same initial weights for everyone
    return nn.Sequential(nn.Linear(64, 64, generator=generator), nn.ReLU(),
                         nn.Linear(64, 10, generator=generator))


def train(make_optimizer, X_train, y_train, X_val, y_val):
    model = make_model()
    optimizer = make_optimizer(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    order = np.random.default_rng(1)            # the same batch order for everyone
    losses = []
    for _ in range(EPOCHS):
        permutation = order.permutation(len(X_train))
        total = 0.0
        for start in range(0, len(X_train), BATCH):
            index = permutation[start:start + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(nnforge.tensor(X_train[index])), y_train[index])
            loss.backward()
            optimizer.step()
            total += float(loss) * len(index)
        losses.append(total / len(X_train))
    with nnforge.no_grad():
        predictions = model(nnforge.tensor(X_val)).numpy().argmax(axis=1)
    return losses, float((predictions == y_val).mean())


def main(out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    digits = load_digits()
    X = digits.X / 16.0                         # pixel values 0..16 -> 0..1
    train_idx, val_idx, _ = train_val_test_split(digits.y, seed=0)
    data = (X[train_idx], digits.y[train_idx], X[val_idx], digits.y[val_idx])
    figure, axis = plt.subplots(figsize=(8, 5))
    print(f"{'optimizer':<18} {'first loss':>10} {'final loss':>10} {'val acc':>8} {'s':>5}")
    for name, make_optimizer in OPTIMIZERS.items():
        start = time.perf_counter()
        losses, accuracy = train(make_optimizer, *data)
        seconds = time.perf_counter() - start
        print(f"{name:<18} {losses[0]:>10.4f} {losses[-1]:>10.4f} {accuracy:>8.3f} "
              f"{seconds:>5.1f}")
        axis.plot(range(1, EPOCHS + 1), losses, marker="o", markersize=3, label=name)
    axis.set(xlabel="epoch", ylabel="training loss (cross-entropy)", yscale="log",
             title=f"Optimizers on digits: MLP 64-64-10, batch {BATCH}, same init and batches")
    axis.legend()
    axis.grid(alpha=0.3)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "optimizers.png"
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
