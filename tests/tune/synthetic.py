"""Synthetic objectives shared by the tune tests: pure functions of the config with a
known optimum, driven through the same callbacks a real training run uses."""
import math
import time

from nnforge.tune.space import get_path

OPTIMUM = {"optimizer.lr": 10 ** -2.5, "x": 0.3}


def distance(lr, x):
    """Normalised distance to the optimum: log10(lr) spans 5 decades, x spans 1."""
    return max(abs(math.log10(lr) + 2.5) / 5.0, abs(x - 0.3))


def make_train_fn(epochs=3, sleep=0.0, marker=None):
    """A train_fn whose 'validation loss' after each epoch is distance * (1 + 1/epoch)."""
    def train_fn(config, callbacks, out_dir, fold=None):
        loss = distance(get_path(config, "optimizer.lr"), get_path(config, "x", 0.3))
        if marker is not None:
            open(marker, "a").close()
        for cb in callbacks:
            cb.on_train_begin({})
        for epoch in range(epochs):
            if sleep:
                time.sleep(sleep)
            logs = {"val_loss": loss * (1 + 1.0 / (epoch + 1))}
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if any(getattr(cb, "pruned", False) for cb in callbacks):
                break
        return {"val_loss": logs["val_loss"]}
    return train_fn


BASE = {"name": "synthetic", "seed": 3, "optimizer": {"type": "SGD", "lr": 0.1}, "x": 0.5,
        "train": {"epochs": 3}}


def tune_table(strategy="random", trials=8, **params):
    params = params or {"optimizer.lr": {"type": "loguniform", "low": 1e-5, "high": 1.0},
                        "x": {"type": "uniform", "low": 0.0, "high": 1.0}}
    return {"metric": "val_loss", "direction": "minimize", "strategy": strategy,
            "trials": trials, "params": params}
