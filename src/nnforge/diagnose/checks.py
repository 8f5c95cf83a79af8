"""The doctor's recipe checks: what a careful practitioner
verifies before a long training run, each ending in pass / warn / fail and, when it does
not pass, a one-line suggested fix.

Every check receives a `Patient` (the model, loss, optimizer and training arrays of a built
run) and works on deep copies, so the checks never change the run and never depend on
each other's side effects. `run_checks(run)` runs them all in the order of the recipe:
the data first, then the untrained model, then short training experiments.
"""
import copy
import math
import os
from dataclasses import dataclass, field

import numpy as np

from ..autograd import Tensor, no_grad
from ..config.registry import classes
from ..nn import LogSoftmax, MSELoss, ReLU, Sigmoid, Softmax
from .lr_finder import _prepare_target, lr_range_test

__all__ = ["CheckResult", "Patient", "CHECKS", "run_checks", "expected_initial_loss"]

PASS, WARN, FAIL = "pass", "warn", "fail"


def _loss_class(loss):
    """The class of a loss given as an object, a class or a registered name (or None)."""
    if isinstance(loss, str):
        return classes("loss").get(loss)
    return loss if isinstance(loss, type) else type(loss)


def _target_kind(loss):
    return getattr(_loss_class(loss), "target_kind", None)


@dataclass
class CheckResult:
    """One line of the doctor's report; `details` holds the numbers (for tests, plots)."""

    name: str
    status: str
    message: str
    fix: str = ""
    details: dict = field(default_factory=dict)

    def line(self):
        text = f"{self.status.upper():4}  {self.name:<24} {self.message}"
        return text + (f"\n      fix: {self.fix}" if self.fix and self.status != PASS else "")


@dataclass
class Patient:
    """What the checks examine: model, loss function, optimizer, training arrays."""

    model: object
    loss_fn: object
    optimizer: object
    X: np.ndarray
    y: np.ndarray
    batch_size: int = 32
    seed: int = 0
    plot_dir: object = None

    @classmethod
    def from_run(cls, run, plot_dir=None):
        """From `nnforge.build.build_run(config)`."""
        return cls(run.model, run.loss_fn, run.optimizer, np.asarray(run.train.X),
                   np.asarray(run.train.y), run.config.train.batch_size or 32,
                   run.config.seed, plot_dir)

    @property
    def loss_name(self):
        return type(self.loss_fn).__name__

    @property
    def lr(self):
        return float(self.optimizer.param_groups[0]["lr"])

    def copies(self):
        """Fresh (model, optimizer, loss_fn) copies sharing nothing with the run."""
        return copy.deepcopy((self.model, self.optimizer, self.loss_fn))

    def rows(self, n):
        """The first n rows of a fixed permutation (the same rows for every check)."""
        order = np.random.default_rng(self.seed).permutation(len(self.X))[:n]
        return self.X[order], self.y[order]


def _dtype(model):
    return next((p._data.dtype for p in model.parameters()), np.dtype(np.float32))


def _input(model, X):
    return Tensor(X.astype(_dtype(model), copy=False) if X.dtype.kind == "f" else X)


def _loss(model, loss_fn, X, y, graph=False, training=None):
    """(loss Tensor, output Tensor) of one batch; a graph only when `graph`; the model in
    training mode when `training` (default: as `graph`)."""
    model.train(graph if training is None else training)
    name, dtype = getattr(loss_fn, "target_kind", None), _dtype(model)
    if graph:
        out = model(_input(model, X))
        return loss_fn(out, _prepare_target(y, out, name, dtype)), out
    with no_grad():
        out = model(_input(model, X))
        return loss_fn(out, _prepare_target(y, out, name, dtype)), out


def _output_size(patient):
    model = copy.deepcopy(patient.model)
    with no_grad():
        model.eval()
        out = model(_input(model, patient.X[:2]))
    return out.shape[1] if out.ndim > 1 else 1


def expected_initial_loss(loss, y, n_outputs=None):
    """(expected, lowest, description): the loss of a freshly initialised model.

    Small random weights give near-uniform outputs, so the loss is ln C for cross-entropy
    over C outputs and ln 2 for binary cross-entropy, whatever the class frequencies;
    `lowest` is the entropy of the real class frequencies (positive rate), which is what
    a model whose last bias is set to the log class priors starts at (equal to ln C only
    when the classes are balanced). For MSE outputs near 0 give E[y^2] (= Var(y) for
    centred targets). None for other losses. `loss`: the loss object, class or name."""
    y, kind = np.asarray(y), _target_kind(loss)
    if kind == "class" and y.dtype.kind in "iu":
        p = np.bincount(y.reshape(-1) - min(int(y.min()), 0)) / y.size
        p = p[p > 0]
        c = max(len(p), n_outputs or 0)
        entropy = float(-(p * np.log(p)).sum())
        return math.log(c), entropy, (f"ln {c} for uniform outputs; the class frequencies' "
                                      f"entropy is {entropy:.4f}")
    if kind == "binary":
        q = float(np.clip(np.mean(y), 1e-12, 1 - 1e-12))
        entropy = -(q * math.log(q) + (1 - q) * math.log(1 - q))
        return math.log(2), entropy, (f"ln 2 for outputs 0.5; the positive rate's entropy is "
                                      f"{entropy:.4f}")
    cls = _loss_class(loss)
    if isinstance(cls, type) and issubclass(cls, MSELoss):
        value = float(np.mean(np.square(y, dtype=np.float64)))
        return value, float(np.var(y)), f"E[y^2] for outputs near 0 (Var(y) = " \
            f"{float(np.var(y)):.4g})"
    return None, None, ""


# --- data ---------------------------------------------------------------------------------
def check_finite(patient):
    bad_x = int((~np.isfinite(patient.X)).sum()) if patient.X.dtype.kind == "f" else 0
    bad_y = int((~np.isfinite(patient.y)).sum()) if patient.y.dtype.kind == "f" else 0
    if bad_x or bad_y:
        return CheckResult("data: NaN/Inf", FAIL, f"{bad_x} non-finite inputs, {bad_y} "
                           "non-finite targets", "drop or impute those rows before training")
    return CheckResult("data: NaN/Inf", PASS, f"all {patient.X.size} inputs and "
                       f"{patient.y.size} targets are finite")


def check_class_balance(patient):
    name = "data: class balance"
    if _target_kind(patient.loss_fn) not in ("class", "binary") or \
            patient.y.dtype.kind not in "iub":
        return CheckResult(name, PASS, "not a classification loss: skipped")
    labels, counts = np.unique(patient.y, return_counts=True)
    ratio = counts.min() / counts.max()
    detail = f"{len(labels)} classes, smallest/largest = {counts.min()}/{counts.max()}"
    if ratio < 0.1:
        return CheckResult(name, WARN, detail, "imbalanced: use class weights (weight=), "
                           "a stratified split and F1 or balanced accuracy", {"ratio": ratio})
    return CheckResult(name, PASS, detail, details={"ratio": ratio})


def check_feature_scale(patient):
    name = "data: feature scale"
    X = patient.X.reshape(len(patient.X), -1).astype(np.float64)
    typical = float(np.percentile(np.abs(X), 99))
    centre = float(np.abs(X.mean(axis=0)).max())
    detail = f"99th percentile of |x| = {typical:.3g}, largest |feature mean| = {centre:.3g}"
    details = {"p99": typical, "max_mean": centre}
    if typical > 20:
        return CheckResult(name, FAIL, detail, "inputs are unscaled (pixel values 0-255?): "
                           "divide by 255 or set data.scaler = \"standard\"", details)
    if typical > 5 or centre > 3:
        return CheckResult(name, WARN, detail, "standardize the inputs (data.scaler = "
                           "\"standard\") so every feature has mean 0 and std 1", details)
    return CheckResult(name, PASS, detail, details=details)


def check_labels(patient):
    name = "data: labels vs output"
    n_out, y, loss = _output_size(patient), patient.y, patient.loss_name
    kind = _target_kind(patient.loss_fn)
    if kind == "class":
        if y.dtype.kind not in "iu":
            return CheckResult(name, FAIL, f"{loss} needs integer class labels, got dtype "
                               f"{y.dtype}", "convert y to int64 class indices 0..C-1")
        low, high = int(y.min()), int(y.max())
        detail = f"labels {low}..{high}, {n_out} outputs"
        if low >= 1 and high == n_out:
            return CheckResult(name, FAIL, detail + " (class 0 never occurs, label "
                               f"{high} has no output)", "labels are 1-based: subtract 1 from y")
        if low < 0 or high >= n_out:
            return CheckResult(name, FAIL, detail, f"labels must be in 0..{n_out - 1}: give "
                               f"the last layer {high + 1} outputs or re-encode y")
        if low >= 1 and high == n_out - 1:
            return CheckResult(name, WARN, detail + " (class 0 never occurs)",
                               f"labels look 1-based: subtract 1 and use {n_out - 1} outputs")
        if high < n_out - 1:
            return CheckResult(name, WARN, detail, f"outputs {high + 1}..{n_out - 1} are "
                               f"never a target: use {high + 1} outputs")
        return CheckResult(name, PASS, detail)
    if kind == "binary":
        values = np.unique(y)
        if values.min() < 0 or values.max() > 1:
            return CheckResult(name, FAIL, f"{loss} targets in [{values.min()}, "
                               f"{values.max()}]", "binary losses need 0/1 targets; for more "
                               "classes use CrossEntropyLoss")
        return CheckResult(name, PASS, f"targets in [0, 1], {n_out} output(s)")
    if kind == "real" and y.dtype.kind not in "f":
        return CheckResult(name, WARN, f"{loss} with integer targets (dtype {y.dtype})",
                           "for class labels use CrossEntropyLoss")
    return CheckResult(name, PASS, f"{loss} with {y.dtype} targets, {n_out} output(s)")


def check_output_layer(patient):
    name = "output layer vs loss"
    modules = [m for _, m in patient.model.named_modules() if not m._modules]
    last = type(modules[-1]).__name__ if modules else ""
    expects = getattr(patient.loss_fn, "expects", None)
    if expects == "logits" and _target_kind(patient.loss_fn) in ("class", "binary") and \
            isinstance(modules[-1], (Softmax, Sigmoid)):
        return CheckResult(name, FAIL, f"the model ends with {last} but {patient.loss_name} "
                           "expects logits (it applies the softmax/sigmoid itself)",
                           f"remove the final {last} layer (apply it only for predictions)")
    if expects == "log_probabilities" and not (modules and isinstance(modules[-1], LogSoftmax)):
        return CheckResult(name, WARN, f"{patient.loss_name} after {last}: it expects "
                           "log-probabilities",
                           "end the model with LogSoftmax or use CrossEntropyLoss")
    return CheckResult(name, PASS, f"{last or 'model'} -> {patient.loss_name}")


# --- the untrained model ------------------------------------------------------------------
def check_initial_loss(patient):
    name = "initial loss"
    model, _, loss_fn = patient.copies()
    X, y = patient.rows(1024)
    loss = float(_loss(model, loss_fn, X, y)[0]._data)
    expected, lowest, description = expected_initial_loss(patient.loss_fn, patient.y,
                                                          _output_size(patient))
    details = {"loss": loss, "expected": expected, "lowest": lowest}
    if expected is None:
        return CheckResult(name, PASS, f"{loss:.4g} (no reference value for "
                           f"{patient.loss_name})", details=details)
    detail = f"{loss:.4f} vs expected {expected:.4f} ({description})"
    if not np.isfinite(loss) or loss > 3 * expected + 0.1:
        return CheckResult(name, FAIL, detail, "the outputs are far from uniform at "
                           "initialization: scale the inputs and use a smaller init scale "
                           "(Xavier/He), zero final-layer bias", details)
    if not lowest - 0.05 <= loss <= 1.25 * expected + 0.05:
        return CheckResult(name, WARN, detail, "the initial outputs are not near-uniform: "
                           "check the input scale and the last layer's initialization", details)
    return CheckResult(name, PASS, detail, details=details)


def _named_weights(model):
    return [(n, p) for n, p in model.named_parameters() if p._data.ndim >= 2]


def check_gradient_flow(patient):
    name = "gradient flow at init"
    model, _, loss_fn = patient.copies()
    X, y = patient.rows(max(patient.batch_size, 64))
    loss, _ = _loss(model, loss_fn, X, y, graph=True)
    loss.backward()
    rows = []
    for pname, p in _named_weights(model):
        g = np.zeros_like(p._data) if p._grad is None else p._grad
        rows.append((pname, float(np.linalg.norm(p._data)), float(np.linalg.norm(g)),
                     float(np.sqrt(np.mean(np.square(g, dtype=np.float64))))))
    details = {"layers": rows}
    if not rows:
        return CheckResult(name, PASS, "no weight matrices", details=details)
    table = ", ".join(f"{n}: |W| {w:.3g} |g| {g:.3g}" for n, w, g, _ in rows)
    constant = [n for n, p in _named_weights(model)
                if p._data.shape[0] > 1 and np.ptp(p._data, axis=0).max() == 0]
    if constant:
        return CheckResult(name, FAIL, f"every unit of {', '.join(constant)} has the same "
                           "weights (zero/constant init: symmetry is never broken)",
                           "initialize weights randomly (He for ReLU, Xavier for tanh)", details)
    zero = [n for n, _, g, _ in rows if g == 0.0]
    if zero:
        return CheckResult(name, FAIL, f"zero gradient for {', '.join(zero)}",
                           "nothing flows back: check for dead ReLUs, zero weights or a "
                           "detached graph", details)
    ratio = rows[0][3] / rows[-1][3]
    details["ratio"] = ratio
    detail = f"first/last gradient RMS ratio {ratio:.3g}; {table}"
    if ratio < 1e-4 or ratio > 1e4:
        kind = "vanishing" if ratio < 1 else "exploding"
        return CheckResult(name, FAIL, f"{kind} gradients: {detail}", "use He/Xavier init, "
                           "ReLU instead of sigmoid/tanh, BatchNorm or residual connections",
                           details)
    if ratio < 1e-2 or ratio > 1e2:
        kind = "vanishing" if ratio < 1 else "exploding"
        return CheckResult(name, WARN, f"{kind} tendency: {detail}", "consider a better-"
                           "scaled initialization or normalization layers", details)
    return CheckResult(name, PASS, detail, details=details)


def check_dead_relus(patient):
    name = "dead ReLUs"
    model, _, loss_fn = patient.copies()
    relus = [(n, m) for n, m in model.named_modules() if isinstance(m, ReLU)]
    if not relus:
        return CheckResult(name, PASS, "no ReLU layers")
    alive = {}

    def hook_for(layer):
        def hook(module, args, output):
            data = output._data
            axes = (0,) + tuple(range(2, data.ndim))
            alive[layer] = (data > 0).any(axis=axes) if data.ndim > 1 else data > 0
        return hook

    handles = [m.register_forward_hook(hook_for(n)) for n, m in relus]
    X, y = patient.rows(512)
    _loss(model, loss_fn, X, y)
    for h in handles:
        h.remove()
    dead = {n: 1.0 - float(a.mean()) for n, a in alive.items()}
    detail = ", ".join(f"ReLU '{n}': {d:.0%}" for n, d in dead.items())
    worst = max(dead.values())
    if worst > 0.5:
        return CheckResult(name, FAIL, f"dead units (0 for all {len(X)} inputs): {detail}",
                           "use He initialization with a small positive bias (0.01), a lower "
                           "LR, or LeakyReLU", {"dead": dead})
    if worst > 0.1:
        return CheckResult(name, WARN, detail, "some units never fire: check initialization "
                           "and input scale", {"dead": dead})
    return CheckResult(name, PASS, detail, details={"dead": dead})


def check_gradients_numerically(patient, n_params=3, n_entries=4, eps=1e-6):
    """Backprop gradients of a few parameter entries vs central differences (float64 copy,
    eval mode so Dropout is deterministic)."""
    name = "gradient check"
    model, _, loss_fn = patient.copies()
    model.to(np.float64)
    model.eval()
    X, y = patient.rows(8)
    X = X.astype(np.float64) if X.dtype.kind == "f" else X
    if y.dtype.kind == "f":
        y = y.astype(np.float64)
    loss, _ = _loss(model, loss_fn, X, y, graph=True, training=False)
    loss.backward()
    rng = np.random.default_rng(patient.seed)
    worst, where = 0.0, ""
    params = list(model.named_parameters())
    chosen = [params[i] for i in np.linspace(0, len(params) - 1, min(n_params, len(params)),
                                             dtype=int)]
    for pname, p in chosen:
        flat, grad = p._data.reshape(-1), p._grad.reshape(-1)
        for i in rng.choice(flat.size, min(n_entries, flat.size), replace=False):
            old = flat[i]
            flat[i] = old + eps
            up = float(_loss(model, loss_fn, X, y)[0]._data)
            flat[i] = old - eps
            down = float(_loss(model, loss_fn, X, y)[0]._data)
            flat[i] = old
            numeric = (up - down) / (2 * eps)
            error = abs(numeric - grad[i]) / max(1e-8, abs(numeric) + abs(grad[i]))
            if error > worst:
                worst, where = error, f"{pname}[{i}]"
    detail = f"largest relative error {worst:.2g}" + (f" at {where}" if where else "")
    if worst > 1e-4:
        return CheckResult(name, FAIL, detail, "backprop disagrees with finite differences: "
                           "a custom op's backward is wrong", {"error": worst})
    return CheckResult(name, PASS, detail, details={"error": worst})


# --- short training experiments -------------------------------------------------------------
def _overfit(patient, n, steps, name):
    model, optimizer, loss_fn = patient.copies()
    X, y = patient.rows(n)
    first = float(_loss(model, loss_fn, X, y)[0]._data)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss, _ = _loss(model, loss_fn, X, y, graph=True)
        value = float(loss._data)
        losses.append(value)
        if not np.isfinite(value):
            break
        loss.backward()
        optimizer.step()
    final, out = _loss(model, loss_fn, X, y)
    final = float(final._data)
    details = {"initial": first, "final": final, "losses": losses}
    detail = f"{len(X)} samples, {len(losses)} steps: loss {first:.4g} -> {final:.4g}"
    if _target_kind(patient.loss_fn) == "class":
        accuracy = float((out._data.argmax(axis=1) == y).mean())
        details["accuracy"] = accuracy
        detail += f", accuracy {accuracy:.0%}"
    if not np.isfinite(final):
        return CheckResult(name, FAIL, detail + " (diverged)", f"the learning rate "
                           f"{patient.lr:g} is too high: lower it (see the LR range test)",
                           details)
    if final < 0.05 * first or final < 1e-2:
        return CheckResult(name, PASS, detail + ": memorized", details=details)
    if final < 0.5 * first:
        return CheckResult(name, WARN, detail + ": still falling", "train longer or raise the "
                           "learning rate a little; it should reach ~0", details)
    return CheckResult(name, FAIL, detail + ": cannot even memorize", "check the learning rate "
                       "(too high or too low), the initialization (not zero) and that labels "
                       "match inputs", details)


def check_overfit_handful(patient):
    return _overfit(patient, 4, 200, "overfit 4 samples")


def check_overfit_batch(patient):
    return _overfit(patient, patient.batch_size, 300, "overfit one batch")


def check_lr_range(patient):
    name = "LR range test"
    model, optimizer, loss_fn = patient.copies()
    try:
        result = lr_range_test(model, optimizer, loss_fn, patient.X, patient.y,
                               batch_size=patient.batch_size, generator=patient.seed)
    except ValueError as exc:
        return CheckResult(name, FAIL, str(exc), "the loss is not finite even at tiny "
                           "learning rates: check data and initialization")
    details = {"result": result, "lr": patient.lr}
    if patient.plot_dir is not None:
        path = os.path.join(patient.plot_dir, "lr_range_test.png")
        result.plot(path)
        details["plot"] = path
    detail = (f"suggested lr {result.suggested_lr:.2g} (steepest descent at "
              f"{result.steepest_lr:.2g}, minimum loss at {result.min_loss_lr:.2g}); "
              f"configured lr {patient.lr:g}")
    if patient.lr > 3 * result.min_loss_lr:
        return CheckResult(name, FAIL, detail, f"lr {patient.lr:g} is past the loss minimum: "
                           f"use about {result.suggested_lr:.2g}", details)
    if patient.lr < result.suggested_lr / 100:
        return CheckResult(name, WARN, detail, f"lr {patient.lr:g} is very low: training will "
                           f"be slow; try about {result.suggested_lr:.2g}", details)
    return CheckResult(name, PASS, detail, details=details)


CHECKS = {
    "finite": check_finite, "balance": check_class_balance, "scale": check_feature_scale,
    "labels": check_labels, "output": check_output_layer, "initial-loss": check_initial_loss,
    "gradcheck": check_gradients_numerically, "gradient-flow": check_gradient_flow,
    "dead-relu": check_dead_relus, "overfit-4": check_overfit_handful,
    "overfit-batch": check_overfit_batch, "lr-range": check_lr_range,
}


def run_checks(patient, names=None, stream=None):
    """Run the named checks (all by default) in recipe order; print each line to `stream`
    as it finishes; return the list of CheckResult. A check that raises becomes a FAIL."""
    results = []
    for key in names or CHECKS:
        if key not in CHECKS:
            raise ValueError(f"doctor: unknown check {key!r}; known: {', '.join(CHECKS)}")
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # divergence
                result = CHECKS[key](patient)                                 # is reported
        except (ValueError, IndexError, TypeError, FloatingPointError) as exc:
            result = CheckResult(key, FAIL, f"raised {type(exc).__name__}: {exc}",
                                 "fix the error above first (data, labels or model shapes)")
        results.append(result)
        if stream is not None:
            print(result.line(), file=stream, flush=True)
    return results
