"""`Tensor`: a NumPy array that remembers how it was computed, so gradients can flow back.

Arithmetic, reductions and shape methods here are thin doors into the ops in
`elementwise`, `reductions`, `shapes`, `linalg` and `activations`; the maths lives there.
"""
import numpy as np

_DEFAULT_FLOAT = np.float32


def _as_array(data, dtype=None):
    """Convert user data to an ndarray with PyTorch's dtype rules: Python floats become
    float32, Python ints int64, and NumPy arrays keep their dtype."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.array(data, dtype=np.dtype(dtype))
    if isinstance(data, np.ndarray):
        return data.copy()
    if isinstance(data, np.generic):
        return np.array(data)
    array = np.array(data)
    if array.dtype == np.float64:
        return array.astype(_DEFAULT_FLOAT)
    if array.dtype.kind == "O":
        raise TypeError(f"tensor(): cannot build a numeric tensor from {type(data).__name__} "
                        "data with ragged or non-numeric elements")
    return array


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    `data` is the NumPy array; `grad` is None or an array of the same shape that
    `backward()` fills in (and accumulates into, like PyTorch) for leaf tensors with
    `requires_grad=True`.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retain_grad", "__weakref__")
    __array_priority__ = 1000  # so ndarray <op> Tensor dispatches to Tensor's reflected op

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients, got dtype "
                            f"{self.data.dtype}")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None
        self._retain_grad = False

    @classmethod
    def _make(cls, data, requires_grad, ctx):
        """Wrap an op's output array without copying or validating it."""
        t = object.__new__(cls)
        t.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        t.grad = None
        t.requires_grad = requires_grad
        t._ctx = ctx
        t._retain_grad = False
        return t

    # --- basic properties -------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self):
        return self.data.ndim

    def numel(self):
        return self.data.size

    @property
    def is_leaf(self):
        return self._ctx is None

    @property
    def grad_fn(self):
        return self._ctx

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    def numpy(self):
        """The underlying array (shared, not copied)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item(): only a tensor with one element can be converted to a "
                             f"Python number, this one has shape {self.data.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def detach(self):
        """A tensor sharing the data but cut from the graph."""
        return Tensor._make(self.data, False, None)

    def clone(self):
        return _shapes.Clone.apply(self)

    def requires_grad_(self, requires_grad=True):
        if not self.is_leaf:
            raise RuntimeError("requires_grad_(): only leaf tensors can change requires_grad; "
                               "use detach() first")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (for inspection)."""
        self._retain_grad = True
        return self

    def graph(self, path=None, names=None, grads=True):
        """Graphviz DOT text of the graph that produced this tensor, values and gradients on
        the nodes (see `autograd.graphviz`); with `path`, also write it (PNG when the `dot`
        program is installed, else the .dot text). Call before backward()."""
        from . import graphviz

        dot = graphviz.to_dot(self, names=names, grads=grads)
        if path is not None:
            graphviz.render(dot, path)
        return dot

    def zero_(self):
        self.data[...] = 0
        return self

    def astype(self, dtype):
        return Tensor._make(self.data.astype(dtype), False, None) if not self.requires_grad \
            else _elementwise.Cast.apply(self, dtype=np.dtype(dtype))

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    def long(self):
        return Tensor._make(self.data.astype(np.int64), False, None)

    def backward(self, grad=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (see `engine.backward`)."""
        _engine.backward(self, grad, retain_graph)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype not in (np.float32, np.int64, np.bool_):
            extra += f", dtype={self.data.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn={self._ctx!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    __hash__ = object.__hash__

    # --- arithmetic -------------------------------------------------------------------
    def __add__(self, other):
        return _elementwise.Add.apply(self, other)

    def __radd__(self, other):
        return _elementwise.Add.apply(other, self)

    def __sub__(self, other):
        return _elementwise.Sub.apply(self, other)

    def __rsub__(self, other):
        return _elementwise.Sub.apply(other, self)

    def __mul__(self, other):
        return _elementwise.Mul.apply(self, other)

    def __rmul__(self, other):
        return _elementwise.Mul.apply(other, self)

    def __truediv__(self, other):
        return _elementwise.Div.apply(self, other)

    def __rtruediv__(self, other):
        return _elementwise.Div.apply(other, self)

    def __pow__(self, other):
        return _elementwise.Pow.apply(self, other)

    def __rpow__(self, other):
        return _elementwise.Pow.apply(other, self)

    def __neg__(self):
        return _elementwise.Neg.apply(self)

    def __pos__(self):
        return self

    def __matmul__(self, other):
        return _linalg.MatMul.apply(self, other)

    def __rmatmul__(self, other):
        return _linalg.MatMul.apply(other, self)

    def __abs__(self):
        return _elementwise.Abs.apply(self)

    # comparisons give boolean tensors outside the graph, like PyTorch
    def _compare(self, other, op):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor._make(op(self.data, other), False, None)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def add(self, other):
        return self + other

    def sub(self, other):
        return self - other

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, exponent):
        return self ** exponent

    def neg(self):
        return -self

    def matmul(self, other):
        return self @ other

    def exp(self):
        return _elementwise.Exp.apply(self)

    def log(self):
        return _elementwise.Log.apply(self)

    def sqrt(self):
        return _elementwise.Sqrt.apply(self)

    def abs(self):
        return _elementwise.Abs.apply(self)

    def sign(self):
        return Tensor._make(np.sign(self.data), False, None)

    def clamp(self, min=None, max=None):
        return _elementwise.Clamp.apply(self, min=min, max=max)

    clip = clamp

    def maximum(self, other):
        return _elementwise.Maximum.apply(self, other)

    def minimum(self, other):
        return _elementwise.Minimum.apply(self, other)

    # --- activations ------------------------------------------------------------------
    def relu(self):
        return _activations.ReLU.apply(self)

    def sigmoid(self):
        return _activations.Sigmoid.apply(self)

    def tanh(self):
        return _activations.Tanh.apply(self)

    def softmax(self, dim=-1):
        return _activations.Softmax.apply(self, dim=dim)

    def log_softmax(self, dim=-1):
        return _activations.LogSoftmax.apply(self, dim=dim)

    # --- reductions -------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims)
        return _reductions.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims)
        return _reductions.Mean.apply(self, dim=dim, keepdim=keepdim)

    def var(self, dim=None, keepdim=False, *, unbiased=True, axis=None, keepdims=None):
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims)
        centred = self - self.mean(dim, keepdim=True)
        count = self.data.size if dim is None else int(np.prod(
            [self.shape[d] for d in np.atleast_1d(dim)]))
        return (centred * centred).sum(dim, keepdim=keepdim) / max(count - int(unbiased), 1)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The largest value; with one `dim`, the named pair (values, indices) like PyTorch
        (NumPy's `axis=` spelling gives the values alone); with a tensor, the elementwise
        maximum."""
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        numpy_spelling = axis is not None
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims)
        if isinstance(dim, (int, np.integer)) and not numpy_spelling:
            return _indexing.extremum(self, dim, keepdim, largest=True)
        return _reductions.Max.apply(self, dim=dim, keepdim=keepdim)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The smallest value; with one `dim`, the named pair (values, indices) like PyTorch;
        with a tensor, the elementwise minimum."""
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        numpy_spelling = axis is not None
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims)
        if isinstance(dim, (int, np.integer)) and not numpy_spelling:
            return _indexing.extremum(self, dim, keepdim, largest=False)
        return _reductions.Min.apply(self, dim=dim, keepdim=keepdim)

    def argmax(self, dim=None, keepdim=False):
        out = np.argmax(self.data, axis=dim)
        if keepdim and dim is not None:
            out = np.expand_dims(out, dim)
        return Tensor._make(np.asarray(out, dtype=np.int64), False, None)

    def argmin(self, dim=None, keepdim=False):
        out = np.argmin(self.data, axis=dim)
        if keepdim and dim is not None:
            out = np.expand_dims(out, dim)
        return Tensor._make(np.asarray(out, dtype=np.int64), False, None)

    # --- shapes -----------------------------------------------------------------------
    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _shapes.Reshape.apply(self, shape=tuple(shape))

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        return _shapes.flatten(self, start_dim, end_dim)

    def transpose(self, dim0, dim1):
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return _shapes.Permute.apply(self, axes=tuple(axes))

    def t(self):
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with at most 2 dimensions, got {self.ndim}")
        return self.T

    def permute(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return _shapes.Permute.apply(self, axes=tuple(axes))

    def unsqueeze(self, dim):
        return _shapes.unsqueeze(self, dim)

    def squeeze(self, dim=None):
        return _shapes.squeeze(self, dim)

    def expand(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _shapes.expand(self, tuple(shape))

    def __getitem__(self, index):
        return _shapes.GetItem.apply(self, index=index)

    # --- PyTorch surface: more everyday ops (function forms in nnforge.functions) ------
    def sin(self):
        return _trig.Sin.apply(self)

    def cos(self):
        return _trig.Cos.apply(self)

    def tan(self):
        return _trig.Tan.apply(self)

    def square(self):
        return self * self

    def mm(self, other):
        """Matrix product of two 2-D tensors (no broadcasting, unlike matmul)."""
        _check_ndim("mm", (self, other), 2)
        return _linalg.MatMul.apply(self, other)

    def bmm(self, other):
        """Batched matrix product of two 3-D tensors (b, n, m) @ (b, m, p)."""
        _check_ndim("bmm", (self, other), 3)
        if self.shape[0] != np.shape(other)[0]:
            raise ValueError(f"bmm(): batch sizes differ: {self.shape} and {np.shape(other)}")
        return _linalg.MatMul.apply(self, other)

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def equal(self, other):
        """True when both tensors have the same shape and values."""
        mine, other = self.numpy(), np.asarray(other)
        return mine.shape == other.shape and bool(np.array_equal(mine, other))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return bool(np.allclose(self.numpy(), np.asarray(other), rtol=rtol, atol=atol,
                                equal_nan=equal_nan))

    def all(self, dim=None, keepdim=False):
        return Tensor._make(np.asarray(np.all(self.numpy(), axis=dim, keepdims=keepdim)),
                            False, None)

    def any(self, dim=None, keepdim=False):
        return Tensor._make(np.asarray(np.any(self.numpy(), axis=dim, keepdims=keepdim)),
                            False, None)

    def round(self, decimals=0):
        """Round half to even, like PyTorch; no gradient flows (it is zero almost
        everywhere)."""
        return Tensor._make(np.round(self.numpy(), decimals), False, None)

    def std(self, dim=None, keepdim=False, *, unbiased=True, correction=None):
        if correction is not None:
            unbiased = bool(correction)
        return self.var(dim, keepdim=keepdim, unbiased=unbiased).sqrt()

    def prod(self, dim=None, keepdim=False):
        return _indexing.Prod.apply(self, dim=dim, keepdim=keepdim)

    def cumsum(self, dim):
        return _indexing.Cumsum.apply(self, dim=dim)

    def norm(self, p=2, dim=None, keepdim=False):
        if p == "fro":
            p = 2
        return _indexing.Norm.apply(self, p=p, dim=dim, keepdim=keepdim)

    def gather(self, dim, index):
        return _indexing.gather(self, dim, index)

    def scatter(self, dim, index, src=None, *, value=None):
        if src is not None and not isinstance(src, Tensor) and np.ndim(src) == 0:
            src, value = None, src
        return _indexing.scatter(self, dim, index, src, value=value)

    def sort(self, dim=-1, descending=False, stable=False):
        return _indexing.sort(self, dim, descending)

    def argsort(self, dim=-1, descending=False):
        return _indexing.sort(self, dim, descending).indices

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return _indexing.topk(self, k, dim, largest, sorted)

    def split(self, split_size, dim=0):
        return _indexing.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return _indexing.chunk(self, chunks, dim)

    def repeat(self, *sizes):
        sizes = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        return _indexing.Repeat.apply(self, repeats=tuple(int(s) for s in sizes))

    def masked_fill(self, mask, value):
        """A copy with `value` wherever `mask` (broadcast to this shape) is true."""
        mask = np.asarray(mask)
        if mask.dtype != np.bool_:
            raise TypeError(f"masked_fill(): mask must be a bool tensor, got dtype {mask.dtype}")
        if not isinstance(value, Tensor):
            value = np.asarray(value, dtype=self.numpy().dtype)
        return _elementwise.Where.apply(mask, value, self)

    def view_as(self, other):
        return self.reshape(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def expand_as(self, other):
        return self.expand(other.shape)

    def swapaxes(self, axis0, axis1):
        return self.transpose(axis0, axis1)

    def type_as(self, other):
        return self.astype(other.dtype)
    # --- end of the PyTorch surface block ----------------------------------------------


def _reduction_args(dim, axis, keepdim, keepdims):
    """Accept both PyTorch (`dim`, `keepdim`) and NumPy (`axis`, `keepdims`) spellings."""
    if axis is not None:
        if dim is not None:
            raise TypeError("pass either dim= or axis=, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


def _check_ndim(name, tensors, ndim):
    shapes = [np.shape(t) for t in tensors]
    for shape in shapes:
        if len(shape) != ndim:
            raise ValueError(f"{name}(): expects {ndim}-D tensors, got shapes {shapes}")


def tensor(data, requires_grad=False, dtype=None):
    """Build a leaf tensor, copying `data` (PyTorch's `torch.tensor`)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


# Ops import Tensor from this module, so they are bound after the class exists.
from . import activations as _activations  # noqa: E402
from . import elementwise as _elementwise  # noqa: E402
from . import engine as _engine  # noqa: E402
from . import linalg as _linalg  # noqa: E402
from . import reductions as _reductions  # noqa: E402
from . import shapes as _shapes  # noqa: E402
from . import indexing as _indexing  # noqa: E402
from . import trig as _trig  # noqa: E402
