"""Commands on finished runs, mounted by `nnforge.cli` with one `add_subparsers` call:

    nnforge runs list [--root runs]            one row per indexed run
    nnforge runs show ID|DIR [--root runs]     a run's index row, metrics and config hash
    nnforge runs compare ID ID... [--metric loss] [--out PNG]
                                               final metrics side by side + curves in one PNG
    nnforge report RUN                         (re)write RUN/report.html and its plots
    nnforge evaluate RUN --data CONFIG|CSV|NPZ|NPY
    nnforge predict RUN --input FILE.csv|.npy --out preds.csv

RUN is a run folder or an id in `--root`'s index. `evaluate` and `predict` rebuild the
model from the run's resolved config.json and model.safetensors and apply the run's saved
scaler and class names, so new data goes through exactly the training preprocessing.
Mistakes raise exceptions that `nnforge.cli.main` prints as one line (exit 2).
"""
import json
import os
import sys

__all__ = ["add_subparsers", "format_table", "load_run_model"]


def add_subparsers(commands):
    """Register runs, report, evaluate and predict on an argparse subparsers object."""
    runs = commands.add_parser("runs", help="list, show and compare indexed runs",
                               description="Query the run index (ROOT/runs.db).")
    runs.add_argument("action", choices=("list", "show", "compare"))
    runs.add_argument("ids", nargs="*", metavar="ID", help="run ids or run folders")
    runs.add_argument("--root", default="runs", help="folder holding runs.db (default runs)")
    runs.add_argument("--metric", default="loss",
                      help="curve drawn by compare (default loss: train and val_loss)")
    runs.add_argument("--out", default=None, help="PNG written by compare (default "
                                                  "ROOT/compare-<ids>.png)")
    runs.set_defaults(handler=_runs)

    report = commands.add_parser("report", help="(re)generate a run's report.html")
    report.add_argument("run", metavar="RUN", help="run folder or id")
    report.add_argument("--root", default="runs", help="folder holding runs.db")
    report.set_defaults(handler=_report)

    evaluate = commands.add_parser("evaluate", help="metrics of a trained run on new data")
    evaluate.add_argument("run", metavar="RUN", help="run folder or id")
    evaluate.add_argument("--data", required=True, metavar="CONFIG|CSV|NPZ|NPY",
                          help="a TOML config (its test split), a CSV with the target "
                               "column, an .npz with X and y, or an .npy whose last column "
                               "is the target")
    evaluate.add_argument("--target", default=None,
                          help="target column of a CSV (default: the run's data.target)")
    evaluate.add_argument("--root", default="runs", help="folder holding runs.db")
    evaluate.set_defaults(handler=_evaluate)

    predict = commands.add_parser("predict", help="predictions of a trained run")
    predict.add_argument("run", metavar="RUN", help="run folder or id")
    predict.add_argument("--input", required=True, metavar="FILE",
                         help="a CSV of feature columns (a target column is ignored) or .npy")
    predict.add_argument("--out", required=True, metavar="CSV", help="predictions file")
    predict.add_argument("--root", default="runs", help="folder holding runs.db")
    predict.set_defaults(handler=_predict)


# --- tables ---------------------------------------------------------------------------------
def _text(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    return str(value)


def format_table(headers, rows):
    """Plain fixed-width table text (header, rule, rows)."""
    cells = [[_text(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths])] +
                     [line(r) for r in cells])


def _headline(metrics):
    """The metrics a list shows: test_* (else val_*) values, loss first."""
    keys = [k for k in metrics if k.startswith("test_")] or \
        [k for k in metrics if k.startswith("val_")]
    return sorted(keys, key=lambda k: (not k.endswith("_loss"), k))[:3]


# --- runs -------------------------------------------------------------------------------------
def _runs(args):
    from .runs import RunIndex

    index = RunIndex(args.root)
    if args.action == "list":
        rows = index.rows()
        keys = []
        for r in rows:
            keys += [k for k in _headline(r["metrics"]) if k not in keys]
        keys = keys[:4]
        print(format_table(["id", "name", "status", "started", "epochs", *keys],
                           [[r["id"], r["name"], r["status"], r["started"],
                             r["metrics"].get("epochs"), *[r["metrics"].get(k) for k in keys]]
                            for r in rows]))
        return 0
    if not args.ids:
        raise ValueError(f"nnforge runs {args.action}: give at least one run id")
    rows = [_index_row(index, i) for i in args.ids]
    if args.action == "show":
        for row in rows:
            fields = [(k, row[k]) for k in row if k != "metrics"]
            fields += sorted((k, v) for k, v in row["metrics"].items() if k not in row)
            print(format_table(["field", "value"], fields))
        return 0
    if len(rows) < 2:
        raise ValueError("nnforge runs compare: give two or more run ids")
    keys = []
    for r in rows:
        keys += [k for k in r["metrics"] if k not in keys and k != "seed"]
    table = [["status", *[r["status"] for r in rows]], ["seed", *[r["seed"] for r in rows]],
             ["config_hash", *[r["config_hash"] for r in rows]]]
    table += [[k, *[r["metrics"].get(k) for r in rows]] for k in keys]
    print(format_table(["", *[r["id"] for r in rows]], table))
    from .report.plots import compare_curves, read_history

    curves = []
    for r in rows:
        path = os.path.join(r["path"], "history.csv")
        if os.path.isfile(path):
            curves.append((r["id"], read_history(path)))
    out = args.out or os.path.join(args.root, "compare-" + "-".join(r["id"] for r in rows)[:120]
                                   + ".png")
    print(f"curves: {compare_curves(curves, out, metric=args.metric)}")
    return 0


def _index_row(index, ident):
    """The index row of a run id, or of a run folder (id = folder name)."""
    from .runs import RunIndex

    if os.path.isdir(ident):
        parent = RunIndex(os.path.dirname(os.path.abspath(ident)))
        return parent.get(os.path.basename(os.path.abspath(ident)))
    return index.get(ident)


def _run_dir(args):
    from .runs import resolve_run

    path, _ = resolve_run(args.run, args.root)
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise FileNotFoundError(f"{path}: not a run folder (no config.json)")
    return path


def _report(args):
    from .report import write_report

    print(f"report: {write_report(_run_dir(args))}")
    return 0


# --- evaluate / predict ---------------------------------------------------------------------
def load_run_model(run_dir):
    """(config, model, scaler, labels) of a finished run, the model in eval mode."""
    import numpy as np

    import nnforge

    from . import data as D
    from .build import build_model
    from .config import parse_config
    from .serialization import load_metadata

    config_path = os.path.join(run_dir, "config.json")
    with open(config_path, encoding="utf-8") as f:
        config = parse_config(json.load(f), source=config_path)
    weights = os.path.join(run_dir, "model.safetensors")
    if not os.path.isfile(weights):
        raise FileNotFoundError(f"{weights}: the run has no trained weights (did it finish?)")
    model = build_model(config.model, np.random.default_rng(0))
    model.load_state_dict(nnforge.load(weights))
    model.eval()
    labels_path = os.path.join(run_dir, "labels.json")
    labels = {"task": None, "class_names": None, "scaler": None}
    if os.path.isfile(labels_path):
        with open(labels_path, encoding="utf-8") as f:
            labels.update(json.load(f))
    scaler = None
    scaler_path = os.path.join(run_dir, "scaler.safetensors")
    if os.path.isfile(scaler_path):
        kind = load_metadata(scaler_path).get("scaler") or labels.get("scaler")
        scaler = {s.__name__: s for s in D.SCALERS.values()}[kind]()
        scaler.load_state_dict(nnforge.load(scaler_path))
    return config, model, scaler, labels


def _prepare(X, config, scaler):
    import numpy as np

    X = np.asarray(X, dtype=np.float32)
    if config.data.flatten and X.ndim > 2:
        X = X.reshape(len(X), -1)
    if scaler is not None:
        X = scaler.transform(X.reshape(len(X), -1)).reshape(X.shape).astype(np.float32)
    return X


def _trainer(config, model):
    from . import optim
    from .config import module_classes
    from .train import Trainer

    loss_fn = module_classes()[config.loss.type](**config.loss.args)
    return Trainer(model, optim.SGD(model.parameters(), lr=0.0), loss_fn,
                   metrics=tuple(config.train.metrics))


def _evaluation_data(args, config, labels):
    import numpy as np

    from . import data as D
    from .config import load_config

    path = args.data
    ext = os.path.splitext(path)[1].lower()
    if ext == ".toml":
        from .build import split_data

        other = load_config(path)
        _, _, test = split_data(other.data, other.seed)
        if test is None:
            raise ValueError(f"{path}: its data.split has no test part to evaluate on")
        return test.X, test.y, f"{path} (test split)"
    if ext == ".csv":
        target = args.target or config.data.target
        if target is None:
            raise ValueError(f"{path}: give --target, the CSV's label column (the run was "
                             "not trained on a CSV)")
        data = D.load_csv(path, target, task=labels.get("task"),
                          class_names=labels.get("class_names"))
        return data.X, data.y, path
    if ext == ".npz":
        data = D.load_arrays(path, x_key=config.data.x_key, y_key=config.data.y_key,
                             mmap=False, task=labels.get("task"))
        return data.X, data.y, path
    if ext == ".npy":
        array = np.load(path, allow_pickle=False)
        if array.ndim != 2 or array.shape[1] < 2:
            raise ValueError(f"{path}: expected a 2-D array whose last column is the target, "
                             f"got shape {array.shape}")
        y = array[:, -1]
        y = y.astype(np.int64) if labels.get("task") == "classification" else \
            y.astype(np.float32)
        return array[:, :-1], y, path
    raise ValueError(f"--data {path}: expected a .toml config, a .csv, an .npz or an .npy "
                     "file")


def _evaluate(args):
    run_dir = _run_dir(args)
    config, model, scaler, labels = load_run_model(run_dir)
    X, y, source = _evaluation_data(args, config, labels)
    results = _trainer(config, model).evaluate((_prepare(X, config, scaler), y),
                                               batch_size=config.train.eval_batch_size)
    print(f"{os.path.basename(os.path.abspath(run_dir))} on {source}: {len(X)} samples")
    print(format_table(["metric", "value"], sorted(results.items())))
    return 0


def _read_input(path, config):
    import csv

    import numpy as np

    ext = os.path.splitext(path)[1].lower()
    if ext == ".npy":
        return np.load(path, allow_pickle=False)
    if ext != ".csv":
        raise ValueError(f"--input {path}: expected a .csv or .npy file")
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f) if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise ValueError(f"{path}: expected a header row and at least one data row")
    header, body = rows[0], rows[1:]
    keep = [i for i, h in enumerate(header) if h != str(config.data.target)]
    try:
        return np.array([[float(r[i]) for i in keep] for r in body], dtype=np.float32)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"{path}: every feature cell must be a number ({exc})") from None


def _predict(args):
    import csv

    import numpy as np

    run_dir = _run_dir(args)
    config, model, scaler, labels = load_run_model(run_dir)
    X = _prepare(_read_input(args.input, config), config, scaler)
    output = np.asarray(_trainer(config, model).predict(X), dtype=np.float64)
    names = labels.get("class_names")
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        if labels.get("task") == "classification":
            logits = output if output.ndim == 2 else output[:, None]
            if logits.shape[1] == 1:
                if config.loss.type == "BCELoss":
                    p1 = logits[:, 0]
                else:
                    p1 = 1.0 / (1.0 + np.exp(-logits[:, 0]))
                probs = np.stack([1.0 - p1, p1], axis=1)
            elif config.loss.type == "NLLLoss":
                probs = np.exp(logits)
            else:
                shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
                probs = shifted / shifted.sum(axis=1, keepdims=True)
            names = names or [str(i) for i in range(probs.shape[1])]
            writer.writerow(["prediction", *[f"p_{n}" for n in names]])
            for row, k in zip(probs, probs.argmax(axis=1)):
                writer.writerow([names[k], *[repr(float(v)) for v in row]])
        else:
            flat = output.reshape(len(output), -1)
            cols = ["prediction"] if flat.shape[1] == 1 else \
                [f"prediction_{i}" for i in range(flat.shape[1])]
            writer.writerow(cols)
            writer.writerows([[repr(float(v)) for v in row] for row in flat])
    print(f"{len(X)} predictions written to {args.out}", file=sys.stderr)
    return 0
