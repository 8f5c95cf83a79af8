"""The catalogue of user mistakes nnforge recognises, with the exact message each one gets.

Each entry below makes one mistake and states the exception and the message. The test
runs every entry, checks the message, checks that the mistake left nothing lost or
half-written (files, model weights), and checks that `docs/errors.md` lists exactly
these entries. Regenerate the page after changing a message:

    .venv/bin/python tests/test_error_catalogue.py
"""
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import nnforge as nf
from nnforge import data as D
from nnforge import nn, optim
from nnforge.config import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "errors.md"
CLI = [sys.executable, "-m", "nnforge"]


@dataclass
class Mistake:
    area: str
    id: str
    what: str
    run: object          # callable(tmp: Path) that makes the mistake
    error: type
    message: str         # exact text ({tmp}: the test's folder); None: as in docs/errors.md
    intact: object = None  # optional callable(tmp) -> None asserting nothing was damaged


def x(*shape, dtype=np.float32):
    return nf.tensor(np.zeros(shape, dtype=dtype))


def _linear_loaded_with(state):
    """A Linear whose load_state_dict(state) must fail without touching its weights."""
    layer = nn.Linear(2, 2, generator=np.random.default_rng(0))
    before = {k: v.clone() for k, v in layer.state_dict().items()}
    try:
        layer.load_state_dict(state)
    finally:
        for k, v in layer.state_dict().items():
            np.testing.assert_array_equal(v, before[k])


def _write(tmp, name, text):
    path = tmp / name
    path.write_text(text)
    return path


def _write_bytes(tmp, name, content):
    path = tmp / name
    path.write_bytes(content)
    return path


def _cli(tmp, config_text, name="config.toml"):
    """Run `nnforge train` on a config; raise what a user sees as the exception."""
    path = _write(tmp, name, config_text) if config_text is not None else tmp / name
    result = subprocess.run(CLI + ["train", str(path), "--out", str(tmp / "run")],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    lines = result.stderr.strip().splitlines()
    if result.returncode != 2 or len(lines) != 1:
        raise AssertionError(f"expected one error line and exit 2, got {result.returncode}: "
                             f"{result.stderr}")
    raise CLIError(lines[0])


class CLIError(Exception):
    """What the command line printed (one line) when it refused a config."""


def _no_run_folder(tmp):
    assert not (tmp / "run").exists(), "a refused config must not leave a run folder"


def _weights_file_intact(tmp):
    assert nf.load(tmp / "model.safetensors")["w"].tolist() == [1.0, 2.0]
    leftovers = [p.name for p in tmp.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers, f"temporary files left behind: {leftovers}"


def _save_good_then_bad(tmp):
    nf.save({"w": np.array([1.0, 2.0], dtype=np.float32)}, tmp / "model.safetensors")
    nf.save({"w": np.array(["not", "numbers"])}, tmp / "model.safetensors")


def _train(X, y, model=None, loss=None):
    from nnforge.train import Trainer
    model = model or nn.Sequential(nn.Linear(4, 3))
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1),
                      loss or nn.CrossEntropyLoss())
    trainer.fit((X, y), epochs=1, batch_size=5, shuffle=False, verbose=0)


_X = np.linspace(0, 1, 80, dtype=np.float32).reshape(20, 4)
_Y = np.arange(20) % 3
_NAN_X = _X.copy()
_NAN_X[3, 2] = np.nan

# --- run folders, prediction inputs and values checked against their meaning -------------------
_BLOBS = {"seed": 0, "data": {"dataset": "blobs", "options": {"n_samples": 60, "centers": 3}},
          "model": {"layers": [{"type": "Linear", "in_features": 2, "out_features": 3}]},
          "optimizer": {"type": "SGD", "lr": 0.1}, "train": {"epochs": 1, "batch_size": 16}}


def _blobs(**sections):
    import json
    raw = json.loads(json.dumps(_BLOBS))
    for section, values in sections.items():
        if isinstance(values, dict) and isinstance(raw.get(section), dict):
            raw[section].update(values)
        else:
            raw[section] = values
    return raw


def _parse(**sections):
    from nnforge.config import parse_config
    return parse_config(_blobs(**sections), source="config.toml")


def _build(**sections):
    from nnforge.build import build_run
    return build_run(_parse(**sections))


def _crafted_sidecar(tmp):
    from nnforge.train import Trainer
    from nnforge.train.checkpoint import save_checkpoint
    (tmp / "victim.txt").write_text("precious")
    (tmp / "checkpoints").mkdir()
    (tmp / "checkpoints" / "last.json").write_text('{"weights": "../victim.txt"}')
    model = nn.Linear(2, 2)
    save_checkpoint(tmp / "checkpoints", Trainer(model, optim.SGD(model.parameters(), lr=0.1),
                                                 nn.CrossEntropyLoss()), "last")


def _victim_intact(tmp):
    assert (tmp / "victim.txt").read_text() == "precious"


def _existing_run(tmp):
    (tmp / "run").mkdir()
    (tmp / "run" / "config.json").write_text("{}")
    (tmp / "run" / "metrics.json").write_text("{}")      # a run with results
    from nnforge.build import check_new_run_folder
    check_new_run_folder(str(tmp / "run"))


def _out_is_file(tmp):
    from nnforge.build import check_new_run_folder
    check_new_run_folder(str(_write(tmp, "notes.txt", "keep")))


def _resume_before_checkpoint(tmp):
    from nnforge.train.checkpoint import load_checkpoint
    (tmp / "config.json").write_text("{}")
    load_checkpoint(tmp)


def _damaged_run_json(tmp):
    from nnforge.runs import read_run_json
    read_run_json(_write(tmp, "config.json", '{"name": "run", "seed'))


def _corrupt_index(tmp):
    from nnforge.runs import RunIndex
    _write_bytes(tmp, "runs.db", b"not a database" * 100)
    RunIndex(tmp).rows()


def _missing_run_folder(tmp):
    from nnforge.runs import resolve_run
    resolve_run(str(tmp / "nope"), str(tmp))


def _columns(tmp):
    from nnforge.cli.saved_run import match_columns
    match_columns(["sepal", "petal", "leaf"], np.zeros((2, 3)),
                  {"feature_names": ["petal", "sepal", "stem"]}, f"{tmp}/x.csv")


def _width(tmp):
    from nnforge.cli.saved_run import check_width
    check_width(np.zeros((2, 5)), {"input_shape": [4]}, f"{tmp}/x.npy")


def _object_npy(tmp):
    from nnforge.cli.saved_run import load_npy
    np.save(tmp / "o.npy", np.array([{}, None], dtype=object), allow_pickle=True)
    load_npy(str(tmp / "o.npy"))


def _exploded(tmp):
    from nnforge.train.divergence import ExplosionGuard
    guard = ExplosionGuard(patience=2)
    guard.on_batch_end(0, {"loss": 1.1})
    for epoch in range(2):
        guard.on_epoch_end(epoch, {"loss": 7e19})


def _at_chance(tmp):
    from nnforge.train.divergence import ExplosionGuard
    guard = ExplosionGuard(chance=0.34, patience=3, warmup=5)
    guard.on_batch_end(0, {"loss": 1.1})
    for epoch in range(7):
        guard.on_epoch_end(epoch, {"loss": 2.5, "accuracy": 0.34})


VALID_CONFIG = """
seed = 0
[data]
dataset = "iris"
[model]
layers = [{type = "Linear", in_features = 4, out_features = 3}]
[loss]
type = "CrossEntropyLoss"
[optimizer]
type = "SGD"
lr = 0.1
[train]
epochs = 1
batch_size = 16
"""

MISTAKES = [
    # --- shapes fed to layers -----------------------------------------------------------
    Mistake("shapes", "linear-features", "Linear fed the wrong number of features",
            lambda t: nn.Linear(64, 32)(x(8, 10)), ValueError,
            "Linear(in_features=64, out_features=32): input has 10 features in its last "
            "dimension, expected 64 (input shape (8, 10))"),
    Mistake("shapes", "conv-channels", "Conv2d fed the wrong number of channels",
            lambda t: nn.Conv2d(3, 8, 3)(x(8, 1, 28, 28)), ValueError,
            "Conv2d(in_channels=3): input has 1 channel at dim 1, expected 3 "
            "(shape (8, 1, 28, 28))"),
    Mistake("shapes", "conv-ndim", "Conv2d fed a flat image",
            lambda t: nn.Conv2d(1, 8, 3)(x(28, 28)), ValueError,
            "Conv2d(in_channels=1): expected a 4-D input (N, C, H, W) or a 3-D unbatched "
            "input (C, H, W), got a 2-D input of shape (28, 28)"),
    Mistake("shapes", "conv-kernel-too-big", "Conv2d kernel larger than the padded input",
            lambda t: nn.Conv2d(1, 8, 5)(x(1, 1, 3, 3)), ValueError,
            "Conv2d(in_channels=1): kernel height 5 (spanning 5 pixels with dilation 1) is "
            "larger than the padded input height 3 (input 3 + 2*padding 0); input shape "
            "(1, 1, 3, 3)"),
    Mistake("shapes", "pool-ndim", "MaxPool2d fed a 2-D array",
            lambda t: nn.MaxPool2d(2)(x(3, 3)), ValueError,
            "MaxPool2d(kernel_size=2): expected a 4-D input (N, C, H, W) or a 3-D unbatched "
            "input (C, H, W), got shape (3, 3)"),
    Mistake("shapes", "batchnorm-channels", "BatchNorm2d fed the wrong number of channels",
            lambda t: nn.BatchNorm2d(16)(x(2, 3, 4, 4)), ValueError,
            "BatchNorm2d(num_features=16): input has 3 channels at dim 1, expected 16 "
            "(shape (2, 3, 4, 4))"),
    Mistake("shapes", "batchnorm-batch-of-one", "BatchNorm in training mode on one sample",
            lambda t: nn.BatchNorm1d(16)(x(1, 16)), ValueError,
            "BatchNorm1d(num_features=16): training mode needs more than one value per "
            "channel to compute a batch variance; got input shape (1, 16). Use a batch size "
            "> 1 or call model.eval()"),
    Mistake("shapes", "reshape", "reshape to a shape with another number of elements",
            lambda t: x(2, 3).reshape(4, 4), ValueError,
            "reshape(): shape (4, 4) is invalid for a tensor of shape (2, 3) (6 elements)"),
    Mistake("shapes", "matmul", "matrix product of unaligned shapes",
            lambda t: x(2, 3) @ x(2, 3), ValueError,
            "matmul: shapes (2, 3) and (2, 3) are not aligned (the last dimension of the "
            "first must equal the second-to-last of the second)"),
    Mistake("shapes", "augment-flat-images", "image augmentation on flat images",
            lambda t: D.augment.RandomHorizontalFlip(0.5)(np.zeros((28, 28), np.float32),
                                                           np.random.default_rng(0)),
            ValueError,
            "RandomHorizontalFlip: expected an image batch of shape (N, C, H, W), got shape "
            "(28, 28) (flat images? load them with flatten=False or reshape to "
            "(N, 1, 28, 28))"),
    # --- dtypes and autograd --------------------------------------------------------------
    Mistake("autograd", "int-requires-grad", "an integer tensor that requires grad",
            lambda t: nf.tensor([1, 2], requires_grad=True), TypeError,
            "only floating-point tensors can require gradients, got dtype int64"),
    Mistake("autograd", "backward-non-scalar", "backward() on a non-scalar without grad",
            lambda t: (nf.tensor(np.ones(3), requires_grad=True) * 2).backward(), RuntimeError,
            "backward(): grad can be implicitly created only for a tensor with one element; "
            "this one has shape (3,). Pass grad= of the same shape."),
    Mistake("autograd", "backward-twice", "backward() twice through the same graph",
            lambda t: [loss.backward() for loss in
                       [(nf.tensor(2.0, requires_grad=True) * 3).exp()] * 2],
            RuntimeError,
            "backward(): trying to backward through the graph a second time; its saved "
            "values were freed after the first backward. Pass retain_graph=True to the "
            "first call if you need to call backward twice."),
    # --- labels and losses ----------------------------------------------------------------
    Mistake("labels", "ce-out-of-range", "class index outside the output's classes",
            lambda t: nn.CrossEntropyLoss()(x(4, 3), np.array([0, 1, 2, 3])), IndexError,
            "CrossEntropyLoss: target 3 at position (3,) is out of range; class indices must "
            "be in [0, 2] for an input with 3 classes (or equal ignore_index=-100)"),
    Mistake("labels", "ce-batch-mismatch", "as many targets as samples missing",
            lambda t: nn.CrossEntropyLoss()(x(4, 3), np.array([0, 1, 2])), ValueError,
            "CrossEntropyLoss: batch size mismatch: input has 4 samples (shape (4, 3)) but "
            "target has 3 (shape (3,))"),
    Mistake("labels", "ce-float-labels", "float class labels for cross-entropy",
            lambda t: nn.CrossEntropyLoss()(x(4, 3), np.array([0.0, 1.0, 2.0, 1.0])),
            ValueError,
            "CrossEntropyLoss: a probability (float) target must have the input's shape "
            "(4, 3), got (4,); for class indices pass an integer array of shape (4,)"),
    Mistake("labels", "mse-broadcast", "(N,) targets against (N, 1) predictions",
            lambda t: nn.MSELoss()(x(4, 1), np.zeros(4, np.float32)), ValueError,
            "mse_loss: target shape (4,) must equal the input shape (4, 1) (broadcasting them "
            "would silently compare every prediction with every target)"),
    Mistake("labels", "loss-reduction", "an unknown reduction",
            lambda t: nn.MSELoss(reduction="avg"), ValueError,
            "MSELoss: reduction must be one of 'mean', 'sum', 'none', got 'avg'"),
    Mistake("labels", "train-labels-out-of-range", "training labels beyond the output size",
            lambda t: _train(_X, _Y + 3), IndexError,
            "CrossEntropyLoss: target 3 at position (0,) is out of range; class indices must "
            "be in [0, 2] for an input with 3 classes (or equal ignore_index=-100)"),
    # --- data -----------------------------------------------------------------------------
    Mistake("data", "nan-in-data", "NaN in the training inputs",
            lambda t: _train(_NAN_X, _Y), ValueError,
            "fit: the data contain NaN or Inf (X[3, 2] = nan); clean or impute them before "
            "training"),
    Mistake("data", "xy-lengths", "inputs and targets of different lengths",
            lambda t: _train(_X, _Y[:10]), ValueError,
            "TensorDataset: all arrays must have the same length along dim 0, got lengths "
            "[20, 10] (shapes (20, 4), (10,))"),
    Mistake("data", "empty-dataset", "an empty dataset",
            lambda t: list(D.DataLoader(D.TensorDataset(np.zeros((0, 2)), np.zeros(0)),
                                        batch_size=2)),
            ValueError, "DataLoader(dataset): the dataset is empty (0 samples)"),
    Mistake("data", "batch-larger-than-data", "batch larger than the data with drop_last",
            lambda t: list(D.DataLoader(D.TensorDataset(np.zeros((3, 2)), np.zeros(3)),
                                        batch_size=4, drop_last=True)),
            ValueError,
            "DataLoader: batch_size=4 is larger than the dataset (3 samples) with "
            "drop_last=True, so an epoch would have zero batches; lower batch_size or set "
            "drop_last=False"),
    Mistake("data", "scaler-nan", "fitting a scaler on data with NaN",
            lambda t: D.StandardScaler().fit(np.array([[np.nan, 1.0]])), ValueError,
            "StandardScaler.fit: the data contain NaN or Inf (first in feature 0); clean or "
            "impute them before scaling"),
    Mistake("data", "scaler-unfitted", "transforming with a scaler that was never fitted",
            lambda t: D.StandardScaler().transform(np.zeros((2, 2))), RuntimeError,
            "StandardScaler.transform: this scaler is not fitted yet; call fit on the "
            "training data first"),
    Mistake("data", "split-fractions", "split fractions that do not sum to 1",
            lambda t: D.train_val_test_split(10, fractions=(0.5, 0.6, 0.1)), ValueError,
            "train_val_test_split(fractions): expected 3 non-negative fractions summing to 1, "
            "got (0.5, 0.6, 0.1)"),
    Mistake("data", "kfold-too-many-folds", "more folds than samples",
            lambda t: list(D.KFold(5).split(np.zeros((3, 2)))), ValueError,
            "KFold: n_splits=5 is larger than the number of samples (3)"),
    Mistake("data", "csv-non-numeric", "a non-numeric feature cell in a CSV",
            lambda t: D.load_csv(_write(t, "bad.csv", "a,b,label\n1,2,x\n3,oops,y\n"),
                                 target="label"),
            D.CSVFormatError,
            "CSV file {tmp}/bad.csv, line 3, column 'b': non-numeric value 'oops' (feature "
            "columns must be numbers)"),
    Mistake("data", "csv-missing-value", "an empty cell in a CSV",
            lambda t: D.load_csv(_write(t, "gap.csv", "a,b,label\n1,2,x\n3,,y\n"),
                                 target="label"),
            D.CSVFormatError,
            "CSV file {tmp}/gap.csv, line 3, column 'b': missing value ('')"),
    Mistake("data", "csv-target-column", "a target column that the CSV does not have",
            lambda t: D.load_csv(_write(t, "t.csv", "a,b,label\n1,2,x\n"), target="lbl"),
            D.CSVFormatError,
            "CSV file {tmp}/t.csv: no target column 'lbl'; available columns: 'a', 'b', "
            "'label'"),
    Mistake("data", "idx-missing-dir", "an IDX dataset folder that does not exist",
            lambda t: D.load_idx_dataset(t / "nowhere"), FileNotFoundError,
            "load_idx_dataset: directory {tmp}/nowhere does not exist"),
    # --- hyperparameters --------------------------------------------------------------------
    Mistake("hyperparameters", "negative-lr", "a negative learning rate",
            lambda t: optim.SGD(nn.Linear(2, 2).parameters(), lr=-1), ValueError,
            "SGD(lr=-1): lr must be a non-negative number (>= 0), got -1"),
    Mistake("hyperparameters", "momentum-range", "momentum of 1 or more",
            lambda t: optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1, momentum=1.0),
            ValueError, "SGD(momentum=1.0): momentum must be in [0, 1), got 1.0"),
    Mistake("hyperparameters", "nesterov-without-momentum", "Nesterov without momentum",
            lambda t: optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1, nesterov=True),
            ValueError,
            "SGD(nesterov=True): Nesterov momentum requires momentum > 0 and dampening = 0, "
            "got momentum=0 and dampening=0"),
    Mistake("hyperparameters", "adam-betas", "an Adam beta of 1",
            lambda t: optim.Adam(nn.Linear(2, 2).parameters(), betas=(0.9, 1.0)), ValueError,
            "Adam(betas=(0.9, 1.0)): betas[1] must be in [0, 1), got 1.0"),
    Mistake("hyperparameters", "no-parameters", "an optimizer over no parameters",
            lambda t: optim.Adam([]), ValueError, "Adam got an empty parameter list"),
    Mistake("hyperparameters", "dropout-p", "a dropout probability of 1 or more",
            lambda t: nn.Dropout(1.5), ValueError,
            "Dropout: p (the probability of dropping a unit) must be a number in [0, 1), got "
            "1.5; p = 1 would drop everything"),
    Mistake("hyperparameters", "step-size", "a StepLR step size of 0",
            lambda t: optim.lr_scheduler.StepLR(optim.SGD(nn.Linear(2, 2).parameters(),
                                                          lr=0.1), step_size=0),
            ValueError, "StepLR(step_size=0): step_size must be a positive integer"),
    Mistake("hyperparameters", "conv-stride", "a convolution stride of 0",
            lambda t: nn.Conv2d(1, 2, 3, stride=0), ValueError,
            "Conv2d(in_channels=1): stride must be >= 1, got 0"),
    Mistake("hyperparameters", "epochs", "zero epochs",
            lambda t: __import__("nnforge.train", fromlist=["Trainer"]).Trainer(
                nn.Linear(4, 3), optim.SGD(nn.Linear(4, 3).parameters(), lr=0.1),
                nn.CrossEntropyLoss()).fit((_X, _Y), epochs=0),
            ValueError, "fit(epochs): expected a positive integer, got 0"),
    Mistake("hyperparameters", "seed", "a negative seed",
            lambda t: nf.manual_seed(-1), ValueError,
            "manual_seed(seed): seed must be a non-negative integer, got -1"),
    # --- state dicts and files ------------------------------------------------------------------
    Mistake("files", "state-dict-missing-key", "a state dict without the bias",
            lambda t: _linear_loaded_with({"weight": np.ones((2, 2))}), KeyError,
            "\"load_state_dict() for Linear: missing keys ['bias']\""),
    Mistake("files", "state-dict-shape", "a state dict with a wrongly shaped weight",
            lambda t: _linear_loaded_with({"weight": np.ones((3, 2)), "bias": np.ones(2)}),
            ValueError,
            "load_state_dict() for Linear: shape mismatch for weight: expected (2, 2), got "
            "(3, 2)"),
    Mistake("files", "weights-corrupt", "loading a file that is not safetensors",
            lambda t: nf.load(_write_bytes(t, "bad.safetensors", b"garbage12345678")),
            ValueError,
            "{tmp}/bad.safetensors: not a safetensors file, or truncated (header says "
            "3559364748467396967 bytes, file has 7 after the length)"),
    Mistake("files", "weights-missing", "loading a weights file that does not exist",
            lambda t: nf.load(t / "nope.safetensors"), FileNotFoundError,
            "{tmp}/nope.safetensors: no such weights file"),
    Mistake("files", "weights-directory", "loading a folder as a weights file",
            lambda t: nf.load(t), ValueError,
            "{tmp}: is a directory, expected a .safetensors file"),
    Mistake("files", "save-non-numeric", "saving text as weights over a good file",
            _save_good_then_bad, TypeError,
            "save(): entry 'w' has dtype <U7; only bool, integer and floating-point arrays "
            "can be stored", intact=_weights_file_intact),
    # --- configs and the command line -------------------------------------------------------
    Mistake("config", "config-missing", "a config file that does not exist",
            lambda t: _cli(t, None, "absent.toml"), CLIError,
            "nnforge: error: {tmp}/absent.toml: no such config file", intact=_no_run_folder),
    Mistake("config", "config-malformed", "a config that is not valid TOML",
            lambda t: _cli(t, "seed = [1\n"), CLIError,
            "nnforge: error: {tmp}/config.toml: invalid TOML: Unclosed array (at end of "
            "document)", intact=_no_run_folder),
    Mistake("config", "config-unknown-key", "a misspelt optimizer option",
            lambda t: _cli(t, VALID_CONFIG.replace("lr = 0.1", "lrr = 0.1")), CLIError,
            None, intact=_no_run_folder),
    Mistake("config", "config-wrong-type", "a seed that is not a number",
            lambda t: _cli(t, VALID_CONFIG.replace("seed = 0", 'seed = "zero"')), CLIError,
            None, intact=_no_run_folder),
    Mistake("config", "config-unknown-layer", "a layer type that does not exist",
            lambda t: _cli(t, VALID_CONFIG.replace('type = "Linear"', 'type = "Dense"')),
            CLIError, None, intact=_no_run_folder),
    Mistake("config", "config-bool-integer", "a boolean where a count belongs",
            lambda t: _parse(train={"epochs": True}), ConfigError, None),
    Mistake("config", "config-over-limit", "an absurd number of epochs",
            lambda t: _parse(train={"epochs": 10**12}), ConfigError, None),
    Mistake("config", "config-infinite-rate", "an infinite learning rate",
            lambda t: _parse(optimizer={"type": "SGD", "lr": float("inf")}), ConfigError,
            None),
    Mistake("config", "config-huge-seed", "a seed beyond 2^64",
            lambda t: _parse(seed=2**64 + 1), ConfigError, None),
    Mistake("config", "config-not-a-scheduler", "an optimizer named as the scheduler",
            lambda t: _parse(scheduler={"type": "Optimizer"}), ConfigError, None),
    Mistake("config", "config-negative-gamma", "a negative ExponentialLR gamma",
            lambda t: _build(scheduler={"type": "ExponentialLR", "gamma": -0.5}),
            ConfigError, None),
    Mistake("config", "config-cosine-t-max", "a CosineAnnealingLR of zero length",
            lambda t: _build(scheduler={"type": "CosineAnnealingLR", "T_max": 0}),
            ConfigError, None),
    Mistake("config", "config-split-too-small", "a dataset too small for its split",
            lambda t: _build(data={"options": {"n_samples": 1, "centers": 1}}), ConfigError,
            None),
    Mistake("config", "config-accumulation", "accumulating more batches than an epoch has",
            lambda t: _build(train={"accumulate_steps": 1000}), ConfigError, None),
    # --- run folders, prediction inputs, divergence ---------------------------------------------
    Mistake("runs", "run-path-outside", "a checkpoint sidecar naming a file outside its folder",
            _crafted_sidecar, ValueError, None, intact=_victim_intact),
    Mistake("runs", "run-exists", "training into an existing run folder",
            _existing_run, FileExistsError, None),
    Mistake("runs", "run-out-is-file", "--out naming an existing file", _out_is_file,
            FileExistsError, None),
    Mistake("runs", "run-no-checkpoint", "resuming a run killed before its first checkpoint",
            _resume_before_checkpoint, ValueError, None),
    Mistake("runs", "run-damaged-json", "a truncated config.json in a run folder",
            _damaged_run_json, ValueError, None),
    Mistake("runs", "run-index-corrupt", "a corrupt run index", _corrupt_index,
            RuntimeError, None),
    Mistake("runs", "run-folder-missing", "a run folder that does not exist",
            _missing_run_folder, FileNotFoundError, None),
    Mistake("runs", "predict-columns", "prediction columns that are not the training ones",
            _columns, ValueError, None),
    Mistake("runs", "predict-width", "an array of the wrong width", _width, ValueError, None),
    Mistake("runs", "predict-object-npy", "an .npy of Python objects", _object_npy,
            ValueError, None),
    Mistake("runs", "diverged-finite", "a loss that explodes without NaN", _exploded,
            RuntimeError, None),
    Mistake("runs", "diverged-at-chance", "accuracy at chance after the warm-up", _at_chance,
            RuntimeError, None),
]


def _observed(mistake, tmp):
    with pytest.raises(mistake.error) as info:
        mistake.run(tmp)
    return str(info.value).replace(str(tmp), "{tmp}")


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_mistake_gets_its_message(mistake, tmp_path):
    message = _observed(mistake, tmp_path)
    expected = mistake.message if mistake.message is not None else _documented()[mistake.id]
    assert message == expected
    assert "Traceback" not in message
    if mistake.intact is not None:
        mistake.intact(tmp_path)


def test_catalogue_is_large_enough_and_ids_unique():
    assert len(MISTAKES) >= 30
    assert len({m.id for m in MISTAKES}) == len(MISTAKES)


def _documented():
    """id -> message as written in docs/errors.md."""
    text = DOCS.read_text()
    return {m.group(1): m.group(2).replace("\\|", "|")
            for m in re.finditer(r"^\| `([^`]+)` \| .*? \| `[^`]+` \| (.*) \|$", text,
                                 re.MULTILINE)}


def test_docs_list_every_mistake():
    documented = _documented()
    assert sorted(documented) == sorted(m.id for m in MISTAKES)
    for m in MISTAKES:
        if m.message is not None:
            assert documented[m.id] == m.message, m.id


def area_count(lines):
    return sum(line.startswith("## ") for line in lines)


def render(tmp):
    """docs/errors.md from the table above and the messages observed now."""
    lines = [
        "# Errors nnforge recognises",
        "",
        "Every user mistake below ends in one exception (or, on the command line, one "
        "`nnforge: error:` line and exit status 2) whose message names what was wrong and "
        "where. `{tmp}` stands for the folder the file was in. The list is checked by "
        "`tests/test_error_catalogue.py`, which also checks that the mistake left no file "
        "half-written and no model half-loaded; regenerate it with "
        "`.venv/bin/python tests/test_error_catalogue.py`.",
        "",
    ]
    area = None
    for m in MISTAKES:
        if m.area != area:
            area = m.area
            lines += ([""] if area_count(lines) else []) + [f"## {area.capitalize()}", "", "| id | mistake | exception | message |",
                      "|---|---|---|---|"]
        case = tmp / m.id
        case.mkdir()
        try:
            m.run(case)
        except m.error as exc:
            message = str(exc).replace(str(case), "{tmp}")
        else:
            raise AssertionError(f"{m.id}: no error raised")
        kind = "exit 2" if m.error is CLIError else m.error.__name__
        lines.append(f"| `{m.id}` | {m.what} | `{kind}` | "
                     f"{message.replace('|', chr(92) + '|')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        DOCS.parent.mkdir(exist_ok=True)
        DOCS.write_text(render(Path(folder)))
    print(f"wrote {DOCS.relative_to(ROOT)} ({len(MISTAKES)} mistakes)")
