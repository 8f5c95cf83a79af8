"""Reverse-mode differentiation: walk the recorded graph backwards once, in topological order.

The walk is iterative (a 10,000-deep chain needs no recursion), every node's gradient is
the sum over its uses, and leaf gradients accumulate across calls as in PyTorch. Unless
`retain_graph` is set, each node drops its saved arrays as soon as it has been used, so
the memory of a forward pass is released by the backward pass.
"""
import numpy as np

from .tensor import Tensor


class _FreedNode:
    """Stands in for a graph node whose buffers were released by a previous backward."""

    inputs = ()

    def __repr__(self):
        return "<FreedBackward>"


_FREED = _FreedNode()


def _topological_order(root):
    """Nodes that need a gradient, the root first and every node before its inputs."""
    order = []
    visited = set()
    stack = [(root, False)]
    while stack:
        t, children_done = stack.pop()
        if children_done:
            order.append(t)
            continue
        if id(t) in visited:
            continue
        visited.add(id(t))
        stack.append((t, True))
        ctx = t._ctx
        if ctx is _FREED:
            raise RuntimeError(
                "backward(): trying to backward through the graph a second time; its saved "
                "values were freed after the first backward. Pass retain_graph=True to the "
                "first call if you need to call backward twice.")
        if ctx is not None:
            for parent in ctx.inputs:
                if isinstance(parent, Tensor) and parent.requires_grad \
                        and id(parent) not in visited:
                    stack.append((parent, False))
    order.reverse()
    return order


def _store_leaf_grad(leaf, grad, owned):
    """Accumulate into `leaf.grad`, copying any array that another leaf might share."""
    if not isinstance(grad, np.ndarray):  # ops on 0-d arrays can return NumPy scalars
        grad = np.asarray(grad)
    if grad.dtype != leaf.data.dtype:
        grad = grad.astype(leaf.data.dtype)
    elif grad.base is not None or id(grad) in owned or not grad.flags.writeable:
        grad = grad.copy()
    if grad.shape != leaf.data.shape:
        grad = np.broadcast_to(grad, leaf.data.shape).copy()
    if leaf.grad is None:
        leaf.grad = grad
        owned.add(id(grad))
    else:
        leaf.grad = leaf.grad + grad


def backward(root, grad=None, retain_graph=False):
    """Compute d(root)/d(leaf) for every leaf of root's graph that requires grad."""
    if not root.requires_grad:
        raise RuntimeError("backward(): this tensor does not require grad and has no grad_fn "
                           "(did you build it inside no_grad() or from detached tensors?)")
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(f"backward(): grad can be implicitly created only for a tensor "
                               f"with one element; this one has shape {root.shape}. Pass "
                               f"grad= of the same shape.")
        grad = np.ones_like(root.data)
    else:
        grad = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=root.dtype)
        if grad.shape != root.shape:
            raise ValueError(f"backward(): grad has shape {grad.shape}, expected the tensor's "
                             f"shape {root.shape}")

    order = _topological_order(root)
    grads = {id(root): grad}
    owned = set()
    for t in order:
        g = grads.pop(id(t), None)
        if g is None:
            continue
        ctx = t._ctx
        if ctx is None:
            _store_leaf_grad(t, g, owned)
            continue
        if t._retain_grad:
            t.grad = g.copy() if t.grad is None else t.grad + g
        input_grads = type(ctx).backward(ctx, g)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for parent, pg in zip(ctx.inputs, input_grads):
            if pg is None or not isinstance(parent, Tensor) or not parent.requires_grad:
                continue
            key = id(parent)
            previous = grads.get(key)
            grads[key] = pg if previous is None else previous + pg
        if not retain_graph:
            t._ctx = _FREED
