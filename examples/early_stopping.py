"""Early stopping with Prechelt's criteria GL, PQ and UP next to Keras' patience,
on one training run that overfits.

    .venv/bin/python examples/early_stopping.py [OUT.png] [--fast]

An MLP learns a small part of scikit-learn's digits whose training labels are 20% noise,
so after a few epochs it starts memorizing the noise and the validation loss climbs. The
run goes to the end once; then the library's `EarlyStopping` callback, one per criterion,
is driven through the recorded epoch logs (exactly the calls the Trainer makes) to show
where each would have stopped, and which epoch it would have restored.
"""
import argparse
from pathlib import Path
from types import SimpleNamespace

import numpy as np

import nnforge.nn as nn
from nnforge import optim
from nnforge.data import StandardScaler, load_digits, train_val_test_split
from nnforge.train import EarlyStopping, Trainer

CRITERIA = {
    "patience 10": dict(criterion="patience", patience=10),
    "GL, alpha 5": dict(criterion="GL", alpha=5.0),
    "PQ, alpha 0.1": dict(criterion="PQ", alpha=0.1, strip=5),
    "UP, s 2": dict(criterion="UP", s=2, strip=5),
}


def replay(rows, **kwargs):
    """(stop epoch or None, best epoch) of EarlyStopping(**kwargs) over recorded logs."""
    trainer = SimpleNamespace(stop_training=False, stop_reason=None, model=None)
    callback = EarlyStopping(monitor="val_loss", restore_best_weights=False, **kwargs)
    callback.set_trainer(trainer)
    callback.on_train_begin({})
    for epoch, logs in enumerate(rows):
        callback.on_epoch_end(epoch, dict(logs))
        if trainer.stop_training:
            return epoch + 1, callback.best_epoch
    return None, callback.best_epoch


def main(argv=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="where GL, PQ, UP and patience stop")
    parser.add_argument("out", nargs="?", default="out/early_stopping.png")
    parser.add_argument("--fast", action="store_true", help="20 epochs")
    args = parser.parse_args(argv)
    epochs = 20 if args.fast else 80
    digits = load_digits()
    train, val, _ = train_val_test_split(digits.y, fractions=(0.2, 0.4, 0.4), seed=0,
                                         stratify=True)
    rng = np.random.default_rng(0)
    y_train = digits.y[train].copy()
    noisy = rng.random(len(y_train)) < 0.2
    y_train[noisy] = rng.integers(0, 10, noisy.sum())
    scaler = StandardScaler().fit(digits.X[train])
    g = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(64, 128, generator=g), nn.ReLU(),
                          nn.Linear(128, 10, generator=g))
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=3e-3), nn.CrossEntropyLoss(),
                      generator=0)
    history = trainer.fit((scaler.transform(digits.X[train]), y_train),
                          (scaler.transform(digits.X[val]), digits.y[val]),
                          epochs=epochs, batch_size=32, verbose=0)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    t = np.arange(1, len(history) + 1)
    ax.plot(t, history["loss"], label="training loss (20% noisy labels)")
    ax.plot(t, history["val_loss"], label="validation loss")
    for i, (label, kwargs) in enumerate(CRITERIA.items()):
        stop, best = replay(history.rows, **kwargs)
        print(f"{label:<14} stops after epoch {stop if stop else '- (never)':>3}; best epoch "
              f"{best} (val loss {history['val_loss'][best - 1]:.4f})")
        if stop:
            ax.axvline(stop, color=f"C{i + 2}", ls="--", label=f"{label}: stop at {stop}")
    ax.set_xlabel("epoch")
    ax.set_title("early stopping criteria on one run (Prechelt 1998)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
