"""Shape ops: reshape, permute, indexing, concatenation, stacking, expand, clone.

None of these does arithmetic; their backward only moves gradient values back to where
the inputs' values came from.
"""
import numpy as np

from .function import Function, TensorBase, normalize_dims, unbroadcast


class Reshape(Function):
    """View x with a new shape (one dimension may be -1)."""

    saves_inputs = False
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape(): shape {tuple(shape)} is invalid for a tensor of "
                             f"shape {x.shape} ({x.size} elements)") from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Permute(Function):
    """Reorder dimensions; transpose(d0, d1) is the two-dimension special case."""

    saves_inputs = False
    is_view = True

    @staticmethod
    def forward(ctx, x, axes):
        if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ValueError(f"permute(): {axes} is not a permutation of the {x.ndim} "
                             f"dimensions of a tensor of shape {x.shape}")
        ctx.axes = axes
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, np.argsort(ctx.axes))


class Expand(Function):
    """Broadcast x to a larger shape without copying."""

    saves_inputs = False
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.shape)


class Clone(Function):
    """A copy of x that stays in the graph."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def _is_basic_index(index):
    """True when indexing makes a view (ints, slices, None, Ellipsis only)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


def _plain_index(index):
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, TensorBase):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, TensorBase) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


class GetItem(Function):
    """x[index] with NumPy semantics: ints, slices, None, Ellipsis, boolean masks and
    integer arrays (repeated indices accumulate their gradients)."""

    saves_inputs = False
    is_view = True

    @staticmethod
    def forward(ctx, x, index):
        index = _plain_index(index)
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        try:
            return x[index]
        except IndexError as err:
            raise IndexError(f"index {index!r} is out of range for a tensor of shape "
                             f"{x.shape}: {err}") from None

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if _is_basic_index(ctx.index):
            out[ctx.index] = grad
        else:
            np.add.at(out, ctx.index, grad)
        return out


class Cat(Function):
    """Join tensors along an existing dimension."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, *xs, dim=0):
        if not xs:
            raise ValueError("cat(): expected a non-empty sequence of tensors")
        axis = normalize_dims(dim, xs[0].ndim)[0]
        ctx.axis = axis
        ctx.splits = np.cumsum([x.shape[axis] for x in xs])[:-1]
        try:
            return np.concatenate(xs, axis=axis)
        except ValueError as err:
            raise ValueError(f"cat(): shapes {[x.shape for x in xs]} do not match except "
                             f"in dimension {dim}: {err}") from None

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.split(grad, ctx.splits, axis=ctx.axis))


class Stack(Function):
    """Join same-shaped tensors along a new dimension."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, *xs, dim=0):
        if not xs:
            raise ValueError("stack(): expected a non-empty sequence of tensors")
        if len({x.shape for x in xs}) != 1:
            raise ValueError(f"stack(): all tensors must have the same shape, got "
                             f"{[x.shape for x in xs]}")
        axis = dim % (xs[0].ndim + 1)
        ctx.axis = axis
        return np.stack(xs, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.moveaxis(grad, ctx.axis, 0))


def cat(tensors, dim=0):
    """Concatenate tensors along `dim` (PyTorch's `torch.cat`)."""
    return Cat.apply(*tensors, dim=dim)


def stack(tensors, dim=0):
    """Stack tensors along a new dimension `dim` (PyTorch's `torch.stack`)."""
    return Stack.apply(*tensors, dim=dim)


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dimensions start_dim..end_dim into one."""
    if x.ndim == 0:
        return x.reshape(1)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    if start > end:
        raise ValueError(f"flatten(): start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape[:start] + (int(np.prod(x.shape[start:end + 1])),) + x.shape[end + 1:]
    return Reshape.apply(x, shape=shape)


def unsqueeze(x, dim):
    dim = dim % (x.ndim + 1)
    return Reshape.apply(x, shape=x.shape[:dim] + (1,) + x.shape[dim:])


def squeeze(x, dim=None):
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = normalize_dims(dim, x.ndim)
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return Reshape.apply(x, shape=shape)


def expand(x, shape):
    """Broadcast to `shape`; -1 keeps a dimension's size (PyTorch's `expand`)."""
    lead = len(shape) - x.ndim
    full = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return Expand.apply(x, shape=full)
