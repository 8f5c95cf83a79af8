"""From a validated config to a trained model and a run folder: the one build-and-fit path
that `nnforge train`, the tuner and Python users share (DESIGN.md, "Data flow of one run").

`build_run(config)` seeds the run and creates the data splits, scaler, model, loss,
optimizer, scheduler, callbacks and Trainer; `run_experiment(config, out_dir)` fits it,
evaluates on the test split and writes the run folder:

    config.json        the resolved config (every default filled in)
    history.csv        one row per epoch (loss, metrics, val_*, lr, seconds)
    metrics.json       test_loss, test_<metric>, val_*, epochs, seconds, best_epoch,
                       stop_reason, status
    model.safetensors  the final (best-restored) weights, PyTorch-compatible names
    scaler.safetensors the fitted scaler's statistics, when the config uses one

Seeding: `seed` resets the library generator (`nnforge.manual_seed`) and that one
Generator is handed to every layer (initialization, dropout) and to the Trainer (batch
order), so the same config gives bit-identical weights after training.
"""
import contextlib
import json
import os
import time
from dataclasses import dataclass

import numpy as np

from .config import CONTAINERS, ConfigError, module_classes

__all__ = ["Run", "build_run", "build_model", "build_data", "split_data", "run_experiment"]


@dataclass
class Run:
    """Everything `build_run` creates for one config."""

    config: object
    model: object
    loss_fn: object
    optimizer: object
    scheduler: object
    callbacks: list
    trainer: object
    train: object
    val: object
    test: object
    scaler: object = None
    transform: object = None
    generator: object = None
    data_info: str = ""
    momentum_scheduler: object = None
    batch_size_schedule: object = None


# --- data ---------------------------------------------------------------------------------
def _load_dataset(cfg, seed):
    """What the dataset's loader returns: an ArrayData, or (train, test) ArrayData for
    datasets that ship a test set (Fashion-MNIST, MNIST)."""
    from .config import loader_function

    load, options, name = loader_function(cfg.dataset), dict(cfg.options), cfg.dataset
    if name in ("fashion_mnist", "mnist"):
        return load(cfg.path, **options)
    if name == "csv":
        return load(cfg.path, cfg.target, task=cfg.task, **options)
    if name == "npz":
        return load(cfg.path, x_key=cfg.x_key, y_key=cfg.y_key, task=cfg.task, **options)
    if load.__name__.startswith("make_"):
        options.setdefault("seed", seed)                   # toy data: drawn from the seed
    return load(**options)


def _scale(scaler, X):
    """Scaler transform of image or tabular X (scalers see rows of features)."""
    return scaler.transform(X.reshape(len(X), -1)).reshape(X.shape)


def _flatten(part):
    """Images (N, C, H, W) as rows (N, C*H*W); other data unchanged."""
    from .data import ArrayData

    if part is None or part.X.ndim <= 2:
        return part
    return ArrayData(part.X.reshape(len(part.X), -1), part.y, part.class_names, part.task,
                     part.name, part.feature_names)


def split_data(cfg, seed):
    """(train, val, test) ArrayData splits of the `[data]` section, unscaled (val/test None
    when their fraction is 0): the one split every consumer shares (training, `nnforge
    data describe`, the tuner's k-fold pool of train + val rows).

    `data.split` = (train, val, test) fractions of the whole set; a dataset that ships its
    own test set (Fashion-MNIST, MNIST) keeps it as the test split and divides its
    training set train : val in the ratio split[0] : split[1].
    """
    from . import data as D

    loaded = _load_dataset(cfg, seed)
    data, official_test = loaded if isinstance(loaded, tuple) else (loaded, None)
    if cfg.flatten:
        data, official_test = _flatten(data), _flatten(official_test)
    if data.y is None:
        raise ValueError(f"data: {data.name} has no targets to train on")
    split_seed = seed if cfg.split_seed is None else cfg.split_seed
    stratify = cfg.stratify and data.task == "classification"
    fractions = list(cfg.split)
    if official_test is not None:
        fractions = [fractions[0] / (fractions[0] + fractions[1]),
                     fractions[1] / (fractions[0] + fractions[1]), 0.0]
    train_idx, val_idx, test_idx = D.train_val_test_split(data.y, fractions=fractions,
                                                          seed=split_seed, stratify=stratify)
    train, val, test = (data.subset(i) if len(i) else None
                        for i in (train_idx, val_idx, test_idx))
    if official_test is not None:
        test = official_test
    return train, val, test


def build_data(cfg, seed):
    """(train, val, test, scaler): `split_data`'s splits, scaled by a scaler fitted on the
    training rows only (I3)."""
    from . import data as D

    train, val, test = split_data(cfg, seed)
    scaler = None
    if cfg.scaler != "none":
        scaler = (D.StandardScaler() if cfg.scaler == "standard" else D.MinMaxScaler())
        scaler.fit(np.asarray(train.X).reshape(len(train.X), -1))
        train, val, test = (None if part is None else
                            D.ArrayData(_scale(scaler, np.asarray(part.X)), part.y,
                                        part.class_names, part.task, part.name,
                                        part.feature_names, part.role)
                            for part in (train, val, test))
    return train, val, test, scaler


# --- model and training objects -------------------------------------------------------------
def _construct(cls, args, where, generator, accepts_generator=True):
    import inspect

    kwargs = dict(args)
    if accepts_generator and "generator" in inspect.signature(cls.__init__).parameters:
        kwargs["generator"] = generator
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where} ({cls.__name__}): {exc}") from None


def _build_layers(specs, where, classes, generator):
    from .config import ComponentSpec

    layers = []
    for i, spec in enumerate(specs):
        if isinstance(spec, dict):
            spec = ComponentSpec.model_validate(spec)
        path, cls, args = f"{where}.{i}", classes[spec.type], spec.args
        if spec.type in CONTAINERS:
            children = _build_layers(args["layers"], f"{path}.layers", classes, generator)
            if spec.type == "Residual":
                block = children[0] if len(children) == 1 else classes["Sequential"](*children)
                layers.append(cls(block))
            elif spec.type == "ModuleList":
                layers.append(cls(children))
            else:
                layers.append(cls(*children))
        else:
            layers.append(_construct(cls, args, path, generator))
    return layers


def build_model(model_cfg, generator):
    """A `Sequential` of the `[model].layers` specs, in the configured dtype."""
    classes = module_classes()
    layers = _build_layers(model_cfg.layers, "model.layers", classes, generator)
    model = classes["Sequential"](*layers)
    if model_cfg.dtype == "float64":
        model.to(np.float64)
    return model


def _updates_per_epoch(config, n_train, schedule):
    """epoch -> parameter updates in that epoch (for OneCycleLR's total_steps)."""
    def updates(epoch):
        size = config.train.batch_size if schedule is None else schedule.batch_size(epoch)
        batches = 1 if size is None else -(-n_train // size)
        return -(-batches // config.train.accumulate_steps)
    return updates


def build_run(config):
    """Seed, then build data, model, loss, optimizer (l1/l2 through
    `optim.regularized_param_groups`), LR scheduler, momentum and batch-size schedules,
    augmentation, callbacks and Trainer."""
    import nnforge

    from . import data as D
    from .config import training_components
    from .train import EarlyStopping, Trainer

    generator = nnforge.manual_seed(config.seed)
    train, val, test, scaler = build_data(config.data, config.seed)
    model = build_model(config.model, generator)
    classes = module_classes()
    loss_fn = _construct(classes[config.loss.type], config.loss.args, "loss", generator)
    schedule = None
    if config.batch_size_schedule is not None:      # needed before OneCycleLR's total_steps
        schedule = training_components(config, [nnforge.tensor(0.0)])[3]
    optimizer, scheduler, momentum, schedule = training_components(
        config, model.parameters(), model=model,
        steps_per_epoch=_updates_per_epoch(config, len(train), schedule))
    callbacks = []
    es = config.train.early_stopping
    if es is not None:
        if val is None and es.monitor.startswith("val_"):
            raise ConfigError(f"train.early_stopping.monitor: {es.monitor!r} needs a "
                              "validation split")
        callbacks.append(EarlyStopping(**es.model_dump()))
    transform = None
    if config.data.augmentation:
        transform = D.Compose([getattr(D, spec.type)(**spec.args)
                               for spec in config.data.augmentation])
        if config.data.batch_augment is not None:
            transform = D.BatchAugment(transform, config.data.batch_augment)
    tc = config.train
    trainer = Trainer(model, optimizer, loss_fn, metrics=tuple(tc.metrics),
                      callbacks=callbacks, generator=generator, scheduler=scheduler,
                      scheduler_interval=config.scheduler.interval if config.scheduler
                      else None, nan_guard=tc.nan_guard,
                      scheduler_monitor=config.scheduler.monitor if config.scheduler else None,
                      momentum_scheduler=momentum,
                      momentum_interval=(config.momentum_schedule.interval
                                         if config.momentum_schedule else "epoch"),
                      batch_size_schedule=schedule, accumulate_steps=tc.accumulate_steps,
                      clip_grad_norm=tc.clip_grad_norm, clip_grad_value=tc.clip_grad_value,
                      guards=tc.guards)
    info = (f"{train.name.split('[')[0]}: {len(train)} train / {0 if val is None else len(val)}"
            f" val / {0 if test is None else len(test)} test, X {tuple(train.X.shape[1:])}, "
            f"{train.task}")
    return Run(config, model, loss_fn, optimizer, scheduler, callbacks, trainer, train, val,
               test, scaler, transform, generator, info, momentum, schedule)


def fit_run(run, verbose=1, progress_stream=None, resume=None):
    """Fit the built run with its `[train]` settings; returns the History. Augmentation
    (and batch augmentation) applies to the training loader only (I7)."""
    from .data import DataLoader

    cfg = run.config.train
    train = run.train
    if run.transform is not None:
        train = DataLoader(run.train.to_dataset(), batch_size=cfg.batch_size,
                           shuffle=cfg.shuffle, generator=run.generator,
                           transform=run.transform)
    from .warnings_codes import silence

    with silence(*cfg.silence) if cfg.silence else contextlib.nullcontext():
        return run.trainer.fit(train, run.val, epochs=cfg.epochs, batch_size=cfg.batch_size,
                               shuffle=cfg.shuffle, verbose=verbose,
                               progress_stream=progress_stream, resume=resume,
                               log_interval=cfg.log_interval)


# --- the run folder ---------------------------------------------------------------------------
def default_out_dir(config, root="runs"):
    """runs/<name>-<YYYYmmdd-HHMMSS>, with -2, -3 ... appended if that already exists."""
    base = os.path.join(root, f"{config.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    path, k = base, 1
    while os.path.exists(path):
        k += 1
        path = f"{base}-{k}"
    return path


def _write_json(path, payload):
    from .serialization import atomic_write_bytes

    text = json.dumps(payload, indent=2, sort_keys=False, default=_json_default) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def run_experiment(config, out_dir=None, quiet=False, progress_stream=None, callbacks=(),
                   resume=False):
    """Build, fit, test and write the run folder; returns the metrics dict (with the
    folder's path under "run_dir"). `callbacks` are added to the Trainer's (the tuner
    reports and prunes through one). A diverged run still writes its history and a
    metrics.json with status "diverged" before the TrainingDivergedError propagates.
    The run is indexed in the parent folder's runs.db and checkpointed every epoch
    (`runs.RunSession`); `resume=True` continues the run in `out_dir` from its last
    checkpoint. SIGINT/SIGTERM finish the batch, checkpoint and raise TrainingInterrupted."""
    from .runs import RunSession
    from .train import TrainingDivergedError
    from .train.checkpoint import TrainingInterrupted

    out_dir = out_dir or default_out_dir(config)
    session = RunSession(out_dir, config, resume=resume)       # checks a resumed run first
    os.makedirs(out_dir, exist_ok=True)
    _write_json(os.path.join(out_dir, "config.json"), config.model_dump(mode="json"))
    start = time.perf_counter()
    try:
        return _run_in_session(config, out_dir, quiet, progress_stream, callbacks, session,
                               start)
    except (TrainingDivergedError, TrainingInterrupted):
        raise
    except BaseException as exc:
        session.failed("interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
        raise


def _run_in_session(config, out_dir, quiet, progress_stream, callbacks, session, start):
    import nnforge

    from .train import TrainingDivergedError
    from .train.checkpoint import TrainingInterrupted, handle_signals

    run = build_run(config)
    run.trainer.callbacks.extend(callbacks)
    resume_state = session.attach(run)
    summary = {"name": config.name, "seed": config.seed, "nnforge_version": nnforge.__version__,
               "data": run.data_info,
               "parameters": int(sum(p._data.size for p in run.model.parameters()))}
    try:
        with handle_signals(run.trainer):
            history = fit_run(run, verbose=0 if quiet else 1, progress_stream=progress_stream,
                              resume=resume_state)
    except TrainingInterrupted as exc:
        summary.update(seconds=time.perf_counter() - start)
        _write_json(os.path.join(out_dir, "metrics.json"),
                    session.interrupted(run, exc, summary))
        raise
    except TrainingDivergedError as exc:
        history = run.trainer.history
        if history is not None:
            history.to_csv(os.path.join(out_dir, "history.csv"))
        summary.update(status="diverged", stop_reason=str(exc),
                       epochs=0 if history is None else len(history),
                       seconds=time.perf_counter() - start)
        _write_json(os.path.join(out_dir, "metrics.json"), summary)
        session.diverged(summary)
        raise
    eval_bs = config.train.eval_batch_size
    results = {}
    if run.test is not None:
        results.update({f"test_{k}": v
                        for k, v in run.trainer.evaluate(run.test, eval_bs).items()})
    if run.val is not None:
        results.update({f"val_{k}": v for k, v in run.trainer.evaluate(run.val, eval_bs).items()})
    best_epoch = history.best_epoch
    if best_epoch is None and "val_loss" in history:
        best_epoch = history.best("val_loss")[0]
    summary.update(results)
    summary.update(status="finished", epochs=len(history),
                   seconds=time.perf_counter() - start, best_epoch=best_epoch,
                   restored_epoch=history.restored_epoch, stop_reason=history.stop_reason)
    history.to_csv(os.path.join(out_dir, "history.csv"))
    nnforge.save(run.model.state_dict(), os.path.join(out_dir, "model.safetensors"),
                 metadata={"format": "nnforge", "name": config.name,
                           "nnforge_version": nnforge.__version__})
    if run.scaler is not None:
        nnforge.save(run.scaler.state_dict(), os.path.join(out_dir, "scaler.safetensors"),
                     metadata={"scaler": type(run.scaler).__name__})
    _write_json(os.path.join(out_dir, "metrics.json"), summary)
    summary["report"] = session.finished(run, summary)
    summary["run_dir"] = out_dir
    return summary
