"""Fashion-MNIST quality: each shipped config trained with nnforge and with PyTorch, each
library in its own process.

For every config in examples/ (fashion_mlp, fashion_cnn, fashion_cnn_aug) the script builds
the run exactly as `nnforge train` does (`nnforge.build.build_run`: data splits, scaler,
model, loss, optimizer, scheduler, early stopping), then translates the same recipe to
PyTorch 2.13 and trains both:

- same initial weights: the nnforge model's `state_dict` is loaded into the torch model
  before either trains;
- same data order and augmentation: both read batches from two nnforge DataLoaders seeded
  identically (same permutation and same random flips/crops every epoch);
- same epochs and stopping rule: the PyTorch loop is driven by the same nnforge
  `EarlyStopping` object type (weights restored from the best epoch in both);
- same threads: numpy's BLAS (threadpoolctl) and torch both use `--threads`;
- own processes: every (config, library) pair trains in a fresh process (the order of the
  two libraries alternates from config to config), so neither library's threads or
  process-wide settings touch the other's run. nnforge trains through `Trainer.fit`, which
  turns on `nnforge.perf` as `nnforge train` does; the PyTorch process uses nnforge only to
  build the same data, loaders and initial weights, which changes no process state.

Dropout masks differ (each library draws its own). Reported per config and library: test
accuracy, wall time of training (including the per-epoch validation pass) and epochs, next
to the published Fashion-MNIST benchmark rows and scikit-learn's MLPClassifier.

    .venv/bin/python bench/quality.py                      # all three configs, full data
    .venv/bin/python bench/quality.py --configs fashion_mlp --sklearn
    .venv/bin/python bench/quality.py --fast               # CI: subsets, 1 epoch, < 60 s

`--json PATH` also writes the rows as JSON. The table is printed as Markdown.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = {name: os.path.join(ROOT, "examples", f"{name}.toml")
           for name in ("fashion_mlp", "fashion_cnn", "fashion_cnn_aug")}

#: Published reference rows (Fashion-MNIST benchmark table of the dataset's README,
#: github.com/zalandoresearch/fashion-mnist).
PUBLISHED = [
    ("MLP 256-128-100", 0.8833),
    ("2 conv + pooling", 0.916),
    ("2 conv + pooling + BatchNorm", 0.934),
    ("2 conv + 2 FC, random flips", 0.939),
    ("scikit-learn MLPClassifier (hidden 100, relu)", "0.877-0.880"),
]

#: --fast: rows of train / val / test kept, per config kind (CNN steps cost ~10x more)
FAST_ROWS = {"mlp": (1024, 256, 500), "cnn": (256, 128, 256)}


# --- the recipe in PyTorch ------------------------------------------------------------------
_NNFORGE_ONLY_ARGS = {"Linear": ("init", "bias_init")}


def torch_layer(spec):
    """The torch.nn module for one `[model].layers` spec (same class name and arguments)."""
    import torch

    if spec.type in ("Sequential", "ModuleList", "Residual"):
        raise ValueError(f"bench/quality.py: container {spec.type!r} is not translated; "
                         "use a flat layer list")
    args = {k: v for k, v in spec.args.items()
            if k not in _NNFORGE_ONLY_ARGS.get(spec.type, ())}
    return getattr(torch.nn, spec.type)(**args)


def torch_recipe(config, model):
    """(torch model with `model`'s weights, loss, optimizer, scheduler) for `config`."""
    import torch

    net = torch.nn.Sequential(*[torch_layer(s) for s in config.model.layers])
    weights = {k: torch.from_numpy(np.array(v, copy=True)) for k, v in
               model.state_dict().items()}
    net.load_state_dict(weights, strict=True)
    if config.model.dtype == "float64":
        net.double()
    loss_fn = getattr(torch.nn, config.loss.type)(**config.loss.args)
    opt_args = dict(config.optimizer.args)
    if opt_args.pop("l1", 0):
        raise ValueError("bench/quality.py: the optimizer's l1 option has no PyTorch "
                         "counterpart")
    optimizer = getattr(torch.optim, config.optimizer.type)(net.parameters(), **opt_args)
    scheduler = None
    if config.scheduler is not None:
        scheduler = getattr(torch.optim.lr_scheduler, config.scheduler.type)(
            optimizer, **config.scheduler.args)
    return net, loss_fn, optimizer, scheduler


class _TorchTrainerView:
    """What nnforge's EarlyStopping needs from a trainer, over a torch model: a `model`
    whose state dict travels as NumPy arrays, `stop_training`, `stop_reason`, `history`."""

    class _Model:
        def __init__(self, net):
            self.net = net

        def state_dict(self):
            return {k: v.detach().numpy() for k, v in self.net.state_dict().items()}

        def load_state_dict(self, arrays):
            import torch
            self.net.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in
                                      arrays.items()})

    def __init__(self, net):
        self.model = self._Model(net)
        self.stop_training = False
        self.stop_reason = None
        self.history = None


def _torch_evaluate(net, loss_fn, X, y, batch_size=512):
    import torch

    net.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(X), batch_size):
            xb = torch.from_numpy(X[i:i + batch_size])
            yb = torch.from_numpy(y[i:i + batch_size])
            out = net(xb)
            loss_sum += float(loss_fn(out, yb)) * len(xb)
            correct += int((out.argmax(1) == yb).sum())
    return loss_sum / len(X), correct / len(X)


def train_torch(config, recipe, loader, val, epochs, interval="epoch"):
    """The Trainer's loop written for torch; returns (seconds, per-epoch logs).

    `interval` ("epoch" or "step") is when the scheduler steps: the nnforge Trainer's
    resolved value, since the config may leave it to the scheduler's default."""
    import torch

    from nnforge.train import EarlyStopping

    net, loss_fn, optimizer, scheduler = recipe
    stopper, view = None, _TorchTrainerView(net)
    if config.train.early_stopping is not None:
        stopper = EarlyStopping(**config.train.early_stopping.model_dump())
        stopper.set_trainer(view)
        stopper.on_train_begin({})
    start = time.perf_counter()
    history = []
    for epoch in range(epochs):
        net.train()
        loss_sum, correct, count = 0.0, 0, 0
        for xb, yb in loader:
            xb, yb = torch.from_numpy(xb.numpy()), torch.from_numpy(yb.numpy())
            optimizer.zero_grad()
            out = net(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            optimizer.step()
            if scheduler is not None and interval == "step":
                scheduler.step()
            loss_sum += loss.item() * len(xb)
            correct += int((out.argmax(1) == yb).sum())
            count += len(xb)
        logs = {"loss": loss_sum / count, "accuracy": correct / count}
        if val is not None:
            logs["val_loss"], logs["val_accuracy"] = _torch_evaluate(net, loss_fn, *val)
        if scheduler is not None and interval == "epoch":
            if type(scheduler).__name__ == "ReduceLROnPlateau":
                scheduler.step(logs.get("val_loss", logs["loss"]))
            else:
                scheduler.step()
        history.append(logs)
        if stopper is not None:
            stopper.on_epoch_end(epoch, logs)
            if view.stop_training:
                break
    if stopper is not None:
        stopper.on_train_end({})
    return time.perf_counter() - start, history


# --- one config -----------------------------------------------------------------------------
def _fast_config(config):
    from nnforge.config import parse_config

    raw = config.model_dump(mode="json")
    raw["train"]["epochs"] = 1
    return parse_config(raw, source=f"{config.name} (--fast)")


def _cut(part, n):
    return None if part is None else part.subset(np.arange(min(n, len(part))))


def run_library(name, path, library, fast=False, seed=0):
    """Train `path`'s recipe with one library ("nnforge" or "pytorch") in this process;
    returns its result row."""
    from nnforge.build import build_run
    from nnforge.config import load_config
    from nnforge.data import DataLoader

    config = load_config(path)
    if fast:
        config = _fast_config(config)
    run = build_run(config)
    if fast:
        kind = "cnn" if run.train.X.ndim == 4 else "mlp"
        n_train, n_val, n_test = FAST_ROWS[kind]
        run.train, run.val, run.test = (_cut(run.train, n_train), _cut(run.val, n_val),
                                        _cut(run.test, n_test))
    cfg = config.train
    loader = DataLoader(run.train.to_dataset(), batch_size=cfg.batch_size,
                        shuffle=cfg.shuffle, generator=np.random.default_rng(seed + 1),
                        transform=run.transform)
    val = None if run.val is None else (run.val.X, run.val.y)
    common = {"config": name, "train_rows": len(run.train),
              "test_rows": len(run.test), "max_epochs": cfg.epochs}
    if library == "nnforge":
        import nnforge
        start = time.perf_counter()
        history = run.trainer.fit(loader, val, epochs=cfg.epochs, batch_size=cfg.batch_size,
                                  verbose=0)
        seconds = time.perf_counter() - start
        accuracy = run.trainer.evaluate(run.test, cfg.eval_batch_size)["accuracy"]
        return dict(common, library=f"nnforge ({nnforge.get_backend()})",
                    test_accuracy=accuracy, seconds=seconds, epochs=len(history),
                    stop_reason=history.stop_reason,
                    final_lr=run.optimizer.param_groups[0]["lr"],
                    val_loss=history["val_loss"] if "val_loss" in history else None)
    import torch

    recipe = torch_recipe(config, run.model)          # the untrained nnforge weights
    torch.manual_seed(seed)
    seconds, history = train_torch(config, recipe, loader, val, cfg.epochs,
                                   run.trainer.scheduler_interval or "epoch")
    _, accuracy = _torch_evaluate(recipe[0], recipe[1], run.test.X, run.test.y)
    return dict(common, library=f"PyTorch {torch.__version__}", test_accuracy=accuracy,
                seconds=seconds, epochs=len(history),
                final_lr=recipe[2].param_groups[0]["lr"],
                val_loss=[logs.get("val_loss") for logs in history])


def run_config(name, fast=False, seed=0, threads=2, pytorch_first=False):
    """Both libraries on one config, each in its own process; rows nnforge first."""
    import subprocess

    rows = {}
    order = ["pytorch", "nnforge"] if pytorch_first else ["nnforge", "pytorch"]
    for library in order:
        command = [sys.executable, os.path.abspath(__file__), "--worker", library,
                   "--configs", name, "--seed", str(seed), "--threads", str(threads)]
        command += ["--fast"] if fast else []
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
        rows[library] = json.loads(done.stdout.strip().splitlines()[-1])
    return [rows["nnforge"], rows["pytorch"]]


def run_sklearn_mlp(fast=False):
    """scikit-learn's MLPClassifier (hidden 100, relu, adam, its own early stopping) on the
    same standardized pixels: the frozen baseline the issue compares against."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    from nnforge.data import load_fashion_mnist

    train, test = load_fashion_mnist(flatten=True)
    n = FAST_ROWS["mlp"][0] if fast else len(train)
    scaler = StandardScaler().fit(train.X[:n])
    clf = MLPClassifier(hidden_layer_sizes=(100,), early_stopping=True, random_state=0,
                        max_iter=5 if fast else 200)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(scaler.transform(train.X[:n]), train.y[:n])
    seconds = time.perf_counter() - start
    acc = clf.score(scaler.transform(test.X), test.y)
    return {"config": "sklearn MLPClassifier(100)", "library": "scikit-learn",
            "train_rows": n, "test_rows": len(test), "test_accuracy": acc,
            "seconds": seconds, "epochs": clf.n_iter_, "max_epochs": clf.max_iter}


def table(rows):
    lines = ["| config | library | test accuracy | wall time | epochs | train rows |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['config']} | {r['library']} | {r['test_accuracy']:.4f} | "
                     f"{r['seconds']:.1f} s | {r['epochs']}/{r['max_epochs']} | "
                     f"{r['train_rows']} |")
    lines += ["", "| published Fashion-MNIST benchmark row | test accuracy |", "|---|---|"]
    lines += [f"| {label} | {acc} |" for label, acc in PUBLISHED]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", choices=sorted(CONFIGS),
                        default=list(CONFIGS), help="which shipped configs to train")
    parser.add_argument("--fast", action="store_true",
                        help="subsets and one epoch (the CI smoke run)")
    parser.add_argument("--sklearn", action="store_true",
                        help="also train scikit-learn's MLPClassifier(100) on the same data")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="data-order seed")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--worker", choices=["nnforge", "pytorch"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
        if args.worker == "pytorch":
            import torch
            torch.set_num_threads(args.threads)
        (name,) = args.configs
        row = run_library(name, CONFIGS[name], args.worker, fast=args.fast, seed=args.seed)
        print(json.dumps(row))
        return row
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows = []
    for k, name in enumerate(args.configs):
        print(f"[quality] {name} ...", file=sys.stderr, flush=True)
        rows.extend(run_config(name, fast=args.fast, seed=args.seed, threads=args.threads,
                               pytorch_first=k % 2 == 1))
    if args.sklearn:
        rows.append(run_sklearn_mlp(fast=args.fast))
    print(f"load average at start: {load:.2f} on {os.cpu_count()} CPUs; threads "
          f"{args.threads}; {'--fast' if args.fast else 'full run'}")
    print(table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "load_average": load, "fast": args.fast}, f, indent=2)
    return rows


if __name__ == "__main__":
    main()
