"""L1/L2 penalties to add to the loss, and parameter groups that keep biases and
normalization parameters out of the decay.

Two equivalent ways to regularize, pick one:

* as a **penalty** in the loss — ``loss = data_loss + lam * l2_penalty(model.parameters())``
  — differentiated by autograd like any other term;
* as an **update rule** in the optimizer — the ``weight_decay`` (L2) and ``l1`` group
  options of every nnforge optimizer. ``weight_decay = 2*lam`` reproduces the
  penalty ``lam*||w||^2``; ``l1 = lam`` reproduces ``lam*||w||_1``.

Biases (and the scales and shifts of normalization layers) should not be penalized: shrinking
an intercept does not reduce model complexity, and decaying a normalization scale fights the
normalization. `regularized_param_groups` builds the two groups for you.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Union

from ..autograd import Tensor

if TYPE_CHECKING:   # optim sits below nn: it reads a model's modules, it imports no layer
    from ..nn.module import Module

__all__ = ["l1_penalty", "l2_penalty", "regularized_param_groups", "is_exempt"]

#: Parameters: a Tensor, Tensors, or ``(name, Tensor)`` pairs from ``named_parameters()``.
Params = Union[Tensor, Iterable[Union[Tensor, tuple[str, Tensor]]]]
#: An exemption rule: a name suffix, ``"norm"``, or ``rule(name, param, module) -> bool``.
ExemptRule = Union[str, Callable[[str, Tensor, Union["Module", None]], bool]]


def _as_list(params: Params, caller: str) -> list[Tensor]:
    if isinstance(params, Tensor):
        return [params]
    tensors = []
    for i, p in enumerate(params):
        if isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], Tensor):
            tensors.append(p[1])  # (name, parameter) pairs from named_parameters()
        elif isinstance(p, Tensor):
            tensors.append(p)
        else:
            raise TypeError(f"{caller}: expected Tensors (or (name, Tensor) pairs), item {i} "
                            f"is a {type(p).__name__}")
    return tensors


def l2_penalty(params: Params) -> Tensor:
    """sum of w**2 over all given parameters: a 0-d Tensor in the graph.

    Its gradient is ``2*w``; multiply by lambda and add to the loss."""
    tensors = _as_list(params, "l2_penalty")
    if not tensors:
        raise ValueError("l2_penalty: got no parameters")
    total = (tensors[0] * tensors[0]).sum()
    for p in tensors[1:]:
        total = total + (p * p).sum()
    return total


def l1_penalty(params: Params) -> Tensor:
    """sum of |w| over all given parameters: a 0-d Tensor in the graph.

    Its (sub)gradient is ``sign(w)`` (0 at w = 0)."""
    tensors = _as_list(params, "l1_penalty")
    if not tensors:
        raise ValueError("l1_penalty: got no parameters")
    total = tensors[0].abs().sum()
    for p in tensors[1:]:
        total = total + p.abs().sum()
    return total


def is_exempt(name: str, param: Tensor, module: Module | None,
              exempt: Sequence[ExemptRule] = ("bias", "norm")) -> bool:
    """Whether a parameter stays out of decay under the rules in ``exempt``.

    Each rule is one of:

    * ``"norm"`` — 1-D parameters of a normalization layer, i.e. a module whose class
      declares ``is_normalization = True`` (BatchNorm1d/2d: their weight and bias; a
      normalization layer of your own opts in by declaring it);
    * any other string — a suffix of the dotted parameter name after its last dot
      (``"bias"`` matches ``"0.bias"`` and ``"fc.bias"``);
    * a callable ``rule(name, param, module) -> bool``.
    """
    short = name.rsplit(".", 1)[-1]
    for rule in exempt:
        if callable(rule):
            if rule(name, param, module):
                return True
        elif rule == "norm":
            if getattr(module, "is_normalization", False) and param.ndim == 1:
                return True
        elif short == rule or name == rule:
            return True
    return False


def _owning_modules(model: Module) -> dict[str, Module]:
    """Dotted parameter name -> the module that holds the parameter itself."""
    owner: dict[str, Module] = {}
    for module_name, module in model.named_modules():
        for name, _ in module.named_parameters(recurse=False):
            full = f"{module_name}.{name}" if module_name else name
            owner.setdefault(full, module)
    return owner


def regularized_param_groups(model: Module, weight_decay: float = 0.0, l1: float = 0.0,
                             exempt: Sequence[ExemptRule] = ("bias", "norm"), *,
                             l2: float | None = None, **options: Any) -> list[dict[str, Any]]:
    """Two parameter groups: decayed weights and exempt parameters.

    Parameters
    ----------
    model : Module
        Anything with ``named_modules()`` and ``named_parameters()``.
    weight_decay, l1 : float
        Coupled L2 (``weight_decay * w`` added to the gradient) and L1 (``l1 * sign(w)``)
        strengths for the decayed group; the exempt group gets 0 for both.
    exempt : sequence of rules, default ("bias", "norm")
        See `is_exempt`; pass ``()`` to decay everything.
    l2 : float, optional
        The lecture's lambda for the penalty ``lambda * ||w||^2`` (a config's ``l2 = ...``):
        sets ``weight_decay = 2 * l2``. Give either ``l2`` or ``weight_decay``.
    **options
        Other options (e.g. ``lr``) copied into both groups.

    Returns
    -------
    list of dict
        The groups to pass to any optimizer: the decayed one first, then the exempt one;
        an empty group is left out. Edit the dicts to override options per group.

    Examples
    --------
    The Linear weights are decayed; the biases and BatchNorm's scale and shift are not:

    >>> import nnforge
    >>> from nnforge import nn
    >>> from nnforge.optim import SGD
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    >>> groups = regularized_param_groups(model, weight_decay=1e-4, lr=0.1)
    >>> [(len(g["params"]), g["weight_decay"]) for g in groups]
    [(2, 0.0001), (4, 0.0)]
    >>> optimizer = SGD(groups, lr=0.1, momentum=0.9)
    """
    if l2 is not None:
        if weight_decay:
            raise ValueError("regularized_param_groups: give l2 (penalty lambda*||w||^2) or "
                             f"weight_decay (= 2*lambda), not both (got l2={l2}, "
                             f"weight_decay={weight_decay})")
        weight_decay = 2.0 * l2
    if weight_decay < 0 or l1 < 0:
        raise ValueError(f"regularized_param_groups: weight_decay and l1 must be >= 0, got "
                         f"weight_decay={weight_decay}, l1={l1}")
    owner = _owning_modules(model)
    decayed: list[Tensor] = []
    kept: list[Tensor] = []
    for name, p in model.named_parameters():
        (kept if is_exempt(name, p, owner.get(name), exempt) else decayed).append(p)
    groups = []
    if decayed:
        groups.append(dict(options, params=decayed, weight_decay=weight_decay, l1=l1))
    if kept:
        groups.append(dict(options, params=kept, weight_decay=0.0, l1=0.0))
    return groups
