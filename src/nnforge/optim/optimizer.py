"""`Optimizer`: the plumbing every update rule shares.

The base class owns parameter groups, argument validation, lazy per-parameter state, weight
decay (coupled L2, decoupled AdamW-style, and the L1 sign term), `zero_grad`, `step` and a
PyTorch-shaped `state_dict`. A subclass supplies only `init_state(p, group)` and an in-place
`update(p, g, state, group)` (Keras / scikit-learn style), so each rule reads like its paper.

Regularization in the base class:

* ``weight_decay = wd`` (coupled, PyTorch's convention): the rule sees ``g + wd * w``, the
  gradient of the penalty ``wd/2 * ||w||^2``. For plain SGD the update is
  ``w <- w(1 - lr*wd) - lr*dL/dw``; the lecture's ``w <- w(1 - 2*alpha*lambda) - alpha*dL/dw``
  for the penalty ``lambda*||w||^2`` is ``weight_decay = 2*lambda``.
* decoupled decay (AdamW, class flag ``decoupled_weight_decay``): ``w <- w(1 - lr*wd)``
  before the rule runs, independent of the adaptive scaling.
* ``l1 = lam`` (nnforge's own group option, not in PyTorch): the rule sees
  ``g + lam * sign(w)``, the subgradient of ``lam * ||w||_1`` (``sign(0) = 0``); for SGD
  this is the lecture's additive update ``w <- w - lr*lam*sign(w) - lr*dL/dw``.

``maximize`` (as in PyTorch) negates the gradient first. Every optimizer also takes ``l1`` as a
keyword-only constructor argument. All of these are per-group options, so biases and
normalization parameters can sit in a group without decay (see
`nnforge.optim.regularization.regularized_param_groups`).

Memory: updates write into the parameter and state arrays in place (``out=``, ``+=``). Each
parameter also gets up to three reusable scratch arrays (allocated on the first step, never
saved), so a step allocates no new full-size arrays. A step runs with denormal floats
flushed to zero (`nnforge.denormals`): decayed moving averages otherwise slow it by half.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from numbers import Real
from typing import Any, NoReturn, Union

import numpy as np

from ..autograd import Tensor, enable_grad
from ..denormals import flush_denormals
from ..errors import ArgumentError

__all__ = ["Optimizer"]

#: A parameter group: ``"params"`` (a list of Tensors) and the options of the update rule
#: (numbers, bools, tuples such as Adam's ``betas``).
ParamGroup = dict[str, Any]
#: One parameter's state: arrays and step counts under names the rule chooses.
State = dict[str, Any]
#: What an optimizer is built from: Tensors, or parameter groups (dicts with "params").
Params = Union[Iterable[Tensor], Iterable[dict[str, Any]]]


class Optimizer:
    """Base class of the optimizers: parameter groups, validation, lazy state, weight
    decay and saving; a subclass gives the update rule.

    Parameters
    ----------
    params : iterable of Tensors, or iterable of dicts
        The tensors to optimize, or parameter groups: dicts with a ``"params"`` entry and any
        per-group options (``lr``, ``weight_decay``, ``l1`` ...) overriding ``defaults``.
    defaults : dict
        Default option values for groups that do not set them.

    Subclasses set ``decoupled_weight_decay = True`` to get AdamW's decay, define
    ``init_state(p, group) -> dict`` and ``update(p, g, state, group)`` (in place), and may
    extend ``_validate_group(group)``.

    Examples
    --------
    Gradient descent with a step counter in its state, as a subclass; the base class
    handles the groups, the L1 term and saving:

    >>> import nnforge
    >>> class GradientDescent(Optimizer):
    ...     def __init__(self, params, lr=0.1, *, l1=0.0):
    ...         super().__init__(params, dict(lr=lr, l1=l1))
    ...     def init_state(self, p, group):
    ...         return {"step": 0}
    ...     def update(self, p, g, state, group):
    ...         state["step"] += 1
    ...         p._data -= group["lr"] * g
    >>> w = nnforge.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = GradientDescent([w], lr=0.25)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> print(w.numpy().round(4))
    [ 0.5 -1. ]
    >>> optimizer.state_dict()["state"]
    {0: {'step': 1}}
    """

    decoupled_weight_decay = False
    #: How many scratch arrays (shaped like the parameter) `update` uses besides the gradient.
    scratch_arrays = 1

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.defaults.setdefault("l1", 0.0)
        self.state: dict[Tensor, State] = {}
        self.param_groups: list[ParamGroup] = []
        self._scratch: dict[int, list[np.ndarray]] = {}
        self.steps_taken = 0   # calls of step(); lets tools spot a scheduler stepped first
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors or "
                            f"dicts, got a single Tensor; wrap it in a list")
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{type(self).__name__}: optimizer parameters need to be organized "
                            "in ordered collections, but the ordering of a set changes between "
                            "runs; use a list")
        items: list[Any] = list(params)
        if len(items) == 0:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(items[0], dict):
            items = [{"params": items}]
        for group in items:
            self.add_param_group(group)

    # --- groups and validation ---------------------------------------------------------
    def add_param_group(self, param_group: ParamGroup) -> None:
        """Add a group of parameters (dict with "params") with its own options."""
        if not isinstance(param_group, dict):
            raise TypeError(f"{type(self).__name__}.add_param_group: expected a dict with a "
                            f"'params' entry, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{type(self).__name__}.add_param_group: the group has no 'params' "
                             f"entry (keys: {sorted(param_group)})")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{type(self).__name__}: optimizer parameters need to be organized in "
                            "ordered collections, but the ordering of a set changes between runs; "
                            "use a list")
        else:
            params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: can only optimize Tensors, but "
                                f"params[{i}] is a {type(p).__name__}")
            if p._data.dtype.kind != "f":
                raise TypeError(f"{type(self).__name__}: can only optimize floating-point tensors, "
                                f"params[{i}] has dtype {p._data.dtype}")
        group = dict(param_group)
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{type(self).__name__}: a parameter appears twice in one group")
        if any(id(p) in seen for p in params):
            raise ValueError(f"{type(self).__name__}: some parameters appear in more than one "
                             "parameter group")
        self._validate_group(group)
        self.param_groups.append(group)

    def _validate_group(self, group: ParamGroup) -> None:
        """Check the options shared by all optimizers; subclasses add their own."""
        self._check_nonnegative(group, "lr")
        for name in ("weight_decay", "l1", "eps"):
            if name in group:
                self._check_nonnegative(group, name)

    def _fail(self, name: str, value: object, expectation: str) -> NoReturn:
        raise ArgumentError(name, f"{type(self).__name__}({name}={value!r}): {name} must be "
                                  f"{expectation}, got {value!r}")

    def _check_number(self, group: ParamGroup, name: str) -> float:
        value = group[name]
        if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
            self._fail(name, value, "a real number")
        return float(value)

    def _check_nonnegative(self, group: ParamGroup, name: str) -> None:
        if self._check_number(group, name) < 0:
            self._fail(name, group[name], "a non-negative number (>= 0)")

    def _check_unit_interval(self, group: ParamGroup, name: str, closed: bool = False) -> None:
        value = self._check_number(group, name)
        if closed and not 0.0 <= value <= 1.0:
            self._fail(name, value, "in [0, 1]")
        if not closed and not 0.0 <= value < 1.0:
            self._fail(name, value, "in [0, 1)")

    # --- the step ----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: set it to None (default) or fill it with 0."""
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p._grad.fill(0)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns the closure's loss, if any.

        ``closure`` re-evaluates the model and returns the loss (it should zero the gradients
        and call backward itself); it runs with gradient recording switched on.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with flush_denormals():
            self._update_all()
        self.steps_taken += 1
        return loss

    def _update_all(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                grad = self.grad_of(p)
                if grad is None:
                    continue
                if grad.shape != p._data.shape:
                    raise ValueError(f"{type(self).__name__}.step: a parameter of shape "
                                     f"{p._data.shape} has a gradient of shape {grad.shape}")
                state = self.state.get(p)
                if state is None:
                    state = self.init_state(p, group)
                    self.state[p] = state
                if self.decoupled_weight_decay and group.get("weight_decay", 0):
                    p._data *= 1.0 - group["lr"] * group["weight_decay"]
                self.update(p, self._effective_grad(p, grad, group), state, group)
                p._bump()   # a graph that saved the old values now refuses to backward

    @staticmethod
    def grad_of(p: Tensor) -> np.ndarray | None:
        """The parameter's gradient as the NumPy array the update rules work on (None when
        it has none): the one place optimizers read gradients."""
        return p._grad

    def _effective_grad(self, p: Tensor, grad: np.ndarray, group: ParamGroup) -> np.ndarray:
        """``±grad + weight_decay * w + l1 * sign(w)`` (written into a scratch array when it
        differs from ``p.grad``; ``p.grad`` itself is never modified)."""
        maximize = group.get("maximize", False)
        weight_decay = 0.0 if self.decoupled_weight_decay else group.get("weight_decay", 0.0)
        l1 = group.get("l1", 0.0)
        if not (maximize or weight_decay or l1):
            return grad
        g = self.scratch(p, 0)
        if weight_decay:
            np.multiply(p._data, weight_decay, out=g)
            if maximize:
                g -= grad
            else:
                g += grad
        elif maximize:
            np.negative(grad, out=g)
        else:
            np.copyto(g, grad)
        if l1:
            sign = self.scratch(p, 1)
            np.sign(p._data, out=sign)
            sign *= l1
            g += sign
        return g

    def scratch(self, p: Tensor, index: int) -> np.ndarray:
        """Reusable work array number ``index`` (0 holds the effective gradient) shaped like
        ``p``; contents are undefined on entry."""
        arrays = self._scratch.get(id(p))
        if arrays is None or arrays[0].shape != p._data.shape or arrays[0].dtype != p._data.dtype:
            arrays = [np.empty_like(p._data) for _ in range(self.scratch_arrays + 1)]
            self._scratch[id(p)] = arrays
        return arrays[index]

    def init_state(self, p: Tensor, group: ParamGroup) -> State:
        """Per-parameter state, created on the parameter's first step."""
        raise NotImplementedError(f"{type(self).__name__} must implement init_state(p, group)")

    def update(self, p: Tensor, g: np.ndarray, state: State, group: ParamGroup) -> None:
        """Apply the rule to ``p._data`` (the parameter's array) in place, given the effective
        gradient ``g``."""
        raise NotImplementedError(f"{type(self).__name__} must implement update(p, g, state, "
                                  "group)")

    # --- saving and loading ------------------------------------------------------------
    def state_dict(self, native: bool = False) -> dict[str, Any]:
        """``{"state": {index: {name: Tensor or number}}, "param_groups": [options with
        "params": [indices]]}`` like PyTorch: parameters are numbered in group order, and
        per-parameter state (``exp_avg``, ``momentum_buffer`` ...) is Tensors, copies taken
        now (a snapshot; PyTorch's share memory with the optimizer). Everything else is plain
        numbers and lists (no pickle needed; JSON turns the integer keys into strings, which
        `load_state_dict` accepts).

        ``native=True`` saves each parameter's state as the optimizer keeps it in memory,
        NumPy arrays rather than Tensors, and in the optimizer's own form where that differs
        from PyTorch's; `load_state_dict` accepts both, and only the native form restores bit
        for bit (checkpoints use it)."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: (list(v) if isinstance(v, tuple) else v)
                      for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state: dict[int, State] = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    own = self.state[p]
                    state[index[id(p)]] = (Optimizer.export_state(self, own, group) if native
                                           else _as_tensors(self.export_state(own, group)))
        return {"state": state, "param_groups": groups}

    def export_state(self, state: State, group: ParamGroup) -> State:
        """One parameter's state as saved by `state_dict`: PyTorch's names and values, with
        arrays copied. A rule that keeps its state in another form converts it here."""
        return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()}

    def import_state(self, saved: State, p: Tensor, group: ParamGroup) -> State:
        """The inverse of `export_state`: in-memory state from a saved entry whose arrays
        are already in ``p``'s dtype."""
        return saved

    def import_options(self, saved: dict[str, Any]) -> dict[str, Any]:
        """A parameter group's options as saved by `state_dict` (lists where the group held
        tuples) in the form the rule keeps in memory. A rule with tuple-valued options
        restores them here."""
        return saved

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by `state_dict` (groups must match in number and
        size). Arrays are copied and cast to each parameter's dtype."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"{name}.load_state_dict: expected a dict with keys 'state' and "
                             f"'param_groups', got {type(state_dict).__name__}"
                             + (f" with keys {sorted(state_dict)}" if isinstance(state_dict, dict)
                                else ""))
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the saved state has {len(saved_groups)} "
                             f"parameter groups, this optimizer has {len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {i} has "
                                 f"{len(saved['params'])} parameters in the saved state and "
                                 f"{len(group['params'])} here")
        by_index: dict[int, tuple[Tensor, ParamGroup]] = {}
        for saved, group in zip(saved_groups, self.param_groups):
            for saved_index, p in zip(saved["params"], group["params"]):
                by_index[int(saved_index)] = (p, group)
        for key in state_dict["state"]:
            if int(key) not in by_index:
                raise ValueError(f"{name}.load_state_dict: state for parameter index {key} does "
                                 "not belong to any parameter group")
        for saved, group in zip(saved_groups, self.param_groups):
            group.update(self.import_options({k: v for k, v in saved.items() if k != "params"}))
        new_state: dict[Tensor, State] = {}
        for key, values in state_dict["state"].items():
            p, group = by_index[int(key)]
            new_state[p] = self.import_state({k: _restore(v, p) for k, v in values.items()}, p,
                                             group)
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        lines.append(")")
        return "\n".join(lines)


def _as_tensors(state: State) -> State:
    """A parameter's exported state with its arrays as Tensors, as PyTorch saves it."""
    return {k: (Tensor._make(v, False, None) if isinstance(v, np.ndarray) else v)
            for k, v in state.items()}


def _restore(value: object, p: Tensor) -> object:
    """A saved state entry back in memory: Tensors, arrays (or lists) become arrays of p's
    dtype."""
    if isinstance(value, Tensor):
        value = value._data
    elif hasattr(value, "detach") and hasattr(value, "numpy"):       # a torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, (np.ndarray, list)):
        return np.array(value, dtype=p._data.dtype)
    if isinstance(value, np.generic):
        return value.item()
    return value
