"""The doctor's checks on the untrained model: the initial loss against its expected
value, gradient flow through the layers, dead ReLUs, and backprop against finite
differences."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..autograd import Tensor
from ..nn import Module, Parameter, ReLU
from .patient import (FAIL, PASS, WARN, CheckResult, Patient, _loss, _output_size,
                      expected_initial_loss)

__all__ = ["check_initial_loss", "check_gradient_flow", "check_dead_relus",
           "check_gradients_numerically"]


def check_initial_loss(patient: Patient) -> CheckResult:
    """The untrained model's loss against its expected value (ln C for C classes)."""
    name = "initial loss"
    model, _, loss_fn = patient.copies()
    X, y = patient.rows(1024)
    loss = float(_loss(model, loss_fn, X, y)[0]._data)
    expected, lowest, description = expected_initial_loss(patient.loss_fn, patient.y,
                                                          _output_size(patient))
    details = {"loss": loss, "expected": expected, "lowest": lowest}
    if expected is None or lowest is None:
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


def _named_weights(model: Module) -> list[tuple[str, Parameter]]:
    return [(n, p) for n, p in model.named_parameters() if p._data.ndim >= 2]


def check_gradient_flow(patient: Patient) -> CheckResult:
    """Gradient norms per weight matrix at initialization: symmetric (constant)
    weights, zero gradients, and vanishing or exploding ratios between first and last layer."""
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
    details: dict[str, Any] = {"layers": rows}
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


def check_dead_relus(patient: Patient) -> CheckResult:
    """The fraction of each ReLU layer's units that output 0 for every input."""
    name = "dead ReLUs"
    model, _, loss_fn = patient.copies()
    relus = [(n, m) for n, m in model.named_modules() if isinstance(m, ReLU)]
    if not relus:
        return CheckResult(name, PASS, "no ReLU layers")
    alive = {}

    def hook_for(layer: str) -> Callable[[Module, tuple, Tensor], None]:
        def hook(module: Module, args: tuple, output: Tensor) -> None:
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


def check_gradients_numerically(patient: Patient, n_params: int = 3, n_entries: int = 4,
                                eps: float = 1e-6) -> CheckResult:
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
