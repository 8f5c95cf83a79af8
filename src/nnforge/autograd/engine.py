"""Reverse-mode differentiation: walk the recorded graph backwards once, in topological order.

The graph's nodes are the ops' contexts (`Function` instances); an edge leads from a node to
the node that produced each input, or to the input itself when it is a leaf that requires
grad. The walk is iterative (a 10,000-deep chain needs no recursion), every node's gradient
is the sum over its uses, and leaf gradients accumulate across calls as in PyTorch. Unless
`retain_graph` is set, each node drops its saved arrays as soon as it has been used, so the
memory of a forward pass is released by the backward pass (PyTorch keeps the emptied
nodes; nnforge drops them too, so a kept loss holds no graph).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence, Union

import numpy as np
import numpy.typing as npt

from .function import Function, TensorBase

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["backward", "grad"]

# A graph node, or a leaf tensor at the end of an edge.
Node = Union[Function, TensorBase]


def _free(node: Function) -> None:
    """Drop what the node saved for backward and its edges, so the graph above it can be
    released; keep only what names it (a custom op's Function) and a retained tensor."""
    state = node.__dict__
    kept = state.get("_function"), state.get("retained")
    state.clear()
    state["_freed"] = True
    if kept[0] is not None:
        state["_function"] = kept[0]
    if kept[1] is not None:
        state["retained"] = kept[1]


def _freed_error() -> RuntimeError:
    return RuntimeError(
        "backward(): trying to backward through the graph a second time; its saved values "
        "were freed after the first backward. Pass retain_graph=True to the first call if "
        "you need to call backward twice.")


def _topological_order(root: Any) -> list[Any]:
    """Nodes reachable from `root` (graph nodes and leaf tensors), root first and every
    node before the nodes of its inputs."""
    order: list[Any] = []
    visited: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        if isinstance(node, TensorBase):
            continue
        if node._freed:
            raise _freed_error()
        for parent in node.parents:
            if parent is not None and id(parent) not in visited:
                stack.append((parent, False))
    order.reverse()
    return order


def _as_root_grad(root: Tensor, grad: Optional[npt.ArrayLike]) -> np.ndarray:
    if grad is None:
        if root._data.size != 1:
            raise RuntimeError(f"backward(): grad can be implicitly created only for a tensor "
                               f"with one element; this one has shape {root.shape}. Pass "
                               f"grad= of the same shape.")
        return np.ones_like(root._data)
    grad = np.array(grad._data if isinstance(grad, TensorBase) else grad,
                    dtype=root._data.dtype)
    if grad.shape != root.shape:
        raise ValueError(f"backward(): grad has shape {grad.shape}, expected the tensor's "
                         f"shape {root.shape}")
    return grad


def _run(roots_and_grads: Sequence[tuple[Tensor, np.ndarray]], retain_graph: bool,
         on_leaf: Callable[[TensorBase, Any], None],
         capture: Optional[dict[int, Any]] = None) -> None:
    """Propagate gradients from the roots; `on_leaf(leaf, grad)` receives each leaf's total.
    With `capture` ({id(node or leaf): None}), the totals reaching those are stored there."""
    grads: dict[int, Any] = {}
    roots: list[Node] = []
    for root, g in roots_and_grads:
        node: Node = root._ctx if root._ctx is not None else root
        key = id(node)
        grads[key] = g if key not in grads else grads[key] + g
        roots.append(node)
    order = _topological_order(roots[0]) if len(roots) == 1 else _merge(roots)
    for node in order:
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if capture is not None and id(node) in capture:
            capture[id(node)] = g
        if isinstance(node, TensorBase):
            on_leaf(node, g)
            continue
        if node._saved_versions or node._output_version is not None:
            node.check_versions()
        hooks = node.hooks
        if hooks:
            for hook in hooks:
                replaced = hook(TensorBase._concrete._make(g, False, None))
                if replaced is not None:
                    g = replaced._data if isinstance(replaced, TensorBase) else replaced
        retained = node.retained
        if retained is not None:   # after the hooks, as in PyTorch 2
            _store_retained(retained, g)
        input_grads = type(node).backward(node, g)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for parent, pg in zip(node.parents, input_grads):
            if pg is None or parent is None:
                continue
            key = id(parent)
            previous = grads.get(key)
            grads[key] = pg if previous is None else previous + pg
        if not retain_graph:
            _free(node)


def _merge(nodes: Sequence[Node]) -> list[Any]:
    """Topological order of the graph above a virtual node whose inputs are `nodes`."""
    root = _MergedRoots()
    root.parents = tuple(nodes)
    return [n for n in _topological_order(root) if n is not root]


class _MergedRoots:
    """A stand-in node above several roots (never run, only ordered)."""

    _freed = False
    parents: tuple[Node, ...] = ()


def _store_retained(t: TensorBase, g: Any) -> None:
    g = np.array(g, dtype=t._data.dtype)
    if t._grad is None:
        t._grad = g
    else:
        t._grad = t._grad + g


def _store_leaf_grad(leaf: TensorBase, grad: Any, owned: set[int]) -> None:
    """Accumulate into the leaf's gradient, copying any array another leaf might share."""
    if not isinstance(grad, np.ndarray):  # ops on 0-d arrays can return NumPy scalars
        grad = np.asarray(grad)
    if leaf._hooks:
        for hook in leaf._hooks:
            replaced = hook(TensorBase._concrete._make(grad, False, None))
            if replaced is not None:
                grad = np.asarray(replaced._data if isinstance(replaced, TensorBase)
                                  else replaced)
    if grad.dtype != leaf._data.dtype:
        grad = grad.astype(leaf._data.dtype)
    elif grad.base is not None or id(grad) in owned or not grad.flags.writeable:
        grad = grad.copy()
    if grad.shape != leaf._data.shape:
        grad = np.broadcast_to(grad, leaf._data.shape).copy()
    if leaf._grad is None:
        leaf._grad = grad
        owned.add(id(grad))
    else:
        leaf._grad += grad   # in place, as PyTorch accumulates: `.grad` stays the same tensor


def backward(root: Tensor, grad: Optional[npt.ArrayLike] = None,
             retain_graph: bool = False) -> None:
    """Compute d(root)/d(leaf) for every leaf of root's graph that requires grad, and add it
    to the leaf's `.grad`."""
    if not root.requires_grad:
        raise RuntimeError("backward(): this tensor does not require grad and has no grad_fn "
                           "(did you build it inside no_grad() or from detached tensors?)")
    owned: set[int] = set()
    _run([(root, _as_root_grad(root, grad))], retain_graph,
         lambda leaf, g: _store_leaf_grad(leaf, g, owned))


def grad(outputs: Union[Tensor, Sequence[Tensor]], inputs: Union[Tensor, Sequence[Tensor]],
         grad_outputs: Union[Tensor, Sequence[Any], None] = None,
         retain_graph: Optional[bool] = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple[Optional[Tensor], ...]:
    """The gradients of `outputs` with respect to `inputs`, returned as a tuple of Tensors
    instead of being added to `.grad` (PyTorch's `torch.autograd.grad`). Gradients of
    gradients (`create_graph=True`) are not supported."""
    if create_graph:
        raise NotImplementedError("autograd.grad(create_graph=True): nnforge does not build "
                                  "graphs of the backward pass (no higher-order gradients)")
    outputs = [outputs] if isinstance(outputs, TensorBase) else list(outputs)
    inputs_list = [inputs] if isinstance(inputs, TensorBase) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, TensorBase):
        grad_outputs = [grad_outputs]
    for o in outputs:
        if not o.requires_grad:
            raise RuntimeError("autograd.grad(): an output does not require grad and has no "
                               "grad_fn")
    capture: dict[int, Any] = {}
    for x in inputs_list:
        if not x.requires_grad:
            raise RuntimeError("autograd.grad(): one of the inputs does not require grad")
        capture[id(x._ctx if x._ctx is not None else x)] = None
    roots = [(o, _as_root_grad(o, g)) for o, g in zip(outputs, grad_outputs)]
    _run(roots, bool(retain_graph), lambda leaf, g: None, capture)
    result: list[Optional[Tensor]] = []
    for x in inputs_list:
        g = capture[id(x._ctx if x._ctx is not None else x)]
        if g is None:
            if not allow_unused:
                raise RuntimeError("autograd.grad(): one of the inputs was not used to compute "
                                   "the outputs (pass allow_unused=True to get None for it)")
            result.append(None)
            continue
        g = np.array(np.broadcast_to(g, x.shape), dtype=x._data.dtype)
        result.append(TensorBase._concrete._make(g, False, None))
    return tuple(result)
