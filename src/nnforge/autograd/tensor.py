"""`Tensor`: a NumPy array that remembers how it was computed, so gradients can flow back.

Arithmetic, reductions and shape methods here are thin doors into the ops in
`elementwise`, `reductions`, `shapes`, `linalg` and `activations`; the maths lives there.
In-place methods (`add_`, `+=`, `t[i] = v` ...) live in `inplace.InPlaceMethods` and follow
autograd's rules: they bump the tensor's version counter, so a backward that needs the old
value fails loudly instead of computing a wrong gradient.

Storage: `_data` is the NumPy array and `_grad` the gradient array. The PyTorch-facing
`.data` and `.grad` are Tensors sharing that memory; `.grad` is cached, so reading it every
step allocates nothing, and nnforge's own hot loops (optimizers, clipping, guards) read
`_grad` directly.
"""
import numpy as np

from . import activations as _activations
from . import dtypes as _dtypes
from . import elementwise as _elementwise
from . import engine as _engine
from . import grad_mode as _grad_mode
from . import indexing as _indexing
from . import graphviz as _graphviz
from . import linalg as _linalg
from . import reductions as _reductions
from . import shapes as _shapes
from . import trig as _trig
from .device import CPU as _CPU
from .device import cpu_only_error, to_device
from .function import TensorBase, _version_counter
from .inplace import InPlaceMethods

_FROM_NUMPY = _dtypes._FROM_NUMPY


def _as_array(data, dtype=None):
    """Convert user data to an ndarray with PyTorch's dtype rules: Python floats become the
    default dtype (float32), Python ints int64, and NumPy arrays keep their dtype."""
    if isinstance(data, TensorBase):
        data = data._data
    if dtype is not None:
        return np.array(data, dtype=_dtypes.to_numpy_dtype(dtype))
    if isinstance(data, np.ndarray):
        return data.copy()
    if isinstance(data, np.generic):
        return np.array(data)
    array = np.array(data)
    if array.dtype == np.float64:
        return array.astype(_dtypes.default_float())
    if array.dtype.kind == "O":
        raise TypeError(f"tensor(): cannot build a numeric tensor from {type(data).__name__} "
                        "data with ragged or non-numeric elements")
    return array


def _array_of(x):
    return x._data if isinstance(x, TensorBase) else x


def _sizes(size):
    """`f(2, 3)` and `f((2, 3))` both mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(n) for n in size)


_OPERAND_TYPES = (np.ndarray, np.generic, int, float, complex, list, tuple)


class _HookHandle:
    """Returned by `register_hook`; `remove()` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Tensor(TensorBase, InPlaceMethods):
    """An n-dimensional array with reverse-mode automatic differentiation.

    `data` is a detached Tensor sharing this tensor's memory; `grad` is None or a Tensor of
    the same shape that `backward()` fills in (and accumulates into, like PyTorch) for leaf
    tensors with `requires_grad=True` and for tensors that called `retain_grad()`.
    """

    __slots__ = ("_data", "_grad", "_grad_view", "requires_grad", "_ctx", "_version", "_base",
                 "_hooks", "__weakref__")
    __array_priority__ = 1000  # so ndarray <op> Tensor dispatches to Tensor's reflected op

    def __init__(self, data, requires_grad=False, dtype=None, device=None):
        to_device(device)
        array = _as_array(data, dtype)
        if requires_grad and array.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients, got dtype "
                            f"{array.dtype}")
        self._init(array, bool(requires_grad))

    def _init(self, array, requires_grad):
        self._data = array
        self._grad = None
        self._grad_view = None
        self.requires_grad = requires_grad
        self._ctx = None
        self._version = None
        self._base = None
        self._hooks = None

    @staticmethod
    def _make(data, requires_grad, ctx):
        """Wrap an op's output array without copying or validating it."""
        t = object.__new__(Tensor)
        t._data = data if type(data) is np.ndarray else np.asarray(data)
        t._grad = None
        t._grad_view = None
        t.requires_grad = requires_grad
        t._ctx = ctx
        t._version = None
        t._base = None
        t._hooks = None
        return t

    # --- storage, gradient and graph ---------------------------------------------------
    @property
    def data(self):
        """This tensor's values as a Tensor outside the graph, sharing memory; changes made
        through it are invisible to autograd (PyTorch's `.data`). Assigning replaces them."""
        return Tensor._make(self._data, False, None)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, TensorBase) else np.asarray(value)

    @property
    def grad(self):
        """The gradient (a Tensor, or None before the first backward)."""
        g = self._grad
        if g is None:
            return None
        view = self._grad_view
        if view is None or view._data is not g:
            view = self._grad_view = Tensor._make(g, False, None)
        return view

    @grad.setter
    def grad(self, value):
        if value is None:
            self._grad = self._grad_view = None
            return
        array = value._data if isinstance(value, TensorBase) else value
        if not isinstance(array, np.ndarray):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                            f"{type(value).__name__}")
        if array.dtype != self._data.dtype:
            raise RuntimeError(f"assigned grad has data of a different type "
                               f"({_FROM_NUMPY.get(array.dtype, array.dtype)}, expected "
                               f"{self.dtype})")
        if array.shape != self._data.shape:
            raise RuntimeError(f"assigned grad has data of a different size: shape "
                               f"{array.shape}, expected {self._data.shape}")
        self._grad = array
        self._grad_view = value if isinstance(value, TensorBase) else None

    @property
    def is_leaf(self):
        return self._ctx is None

    @property
    def grad_fn(self):
        """The graph node that produced this tensor (None for a leaf)."""
        return self._ctx

    @property
    def _version_value(self):
        return 0 if self._version is None else self._version[0]

    def numpy(self):
        """The underlying array (shared, not copied)."""
        return self._data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __dlpack__(self, **kwargs):
        """Zero-copy exchange with other array libraries (`torch.tensor(nnforge_tensor)`)."""
        data = self._data
        if not data.flags.writeable:
            data = data.copy()
        return data.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item(): only a tensor with one element can be converted to a "
                             f"Python number, this one has shape {self._data.shape}")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def detach(self):
        """A tensor sharing the data (and the version counter) but cut from the graph."""
        t = Tensor._make(self._data, False, None)
        t._version = _version_counter(self)
        return t

    def detach_(self):
        self._ctx = None
        self.requires_grad = False
        return self

    def clone(self):
        return _shapes.Clone.apply(self)

    def requires_grad_(self, requires_grad=True):
        if not self.is_leaf:
            raise RuntimeError("requires_grad_(): only leaf tensors can change requires_grad; "
                               "use detach() first")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, "
                               f"got {self.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (for inspection)."""
        if self._ctx is not None:
            self._ctx.retained = self
        return self

    @property
    def retains_grad(self):
        return self._ctx is not None and self._ctx.retained is self

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; a non-None return value
        replaces the gradient. Returns a handle whose `remove()` undoes it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self._ctx is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self._ctx.hooks is None:
                self._ctx.hooks = []
            hooks = self._ctx.hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None,
                 grad=None):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (see `engine.backward`)."""
        if create_graph:
            raise NotImplementedError("backward(create_graph=True): nnforge does not build "
                                      "graphs of the backward pass")
        _engine.backward(self, gradient if gradient is not None else grad,
                         bool(retain_graph))

    def graph(self, path=None, names=None, grads=True):
        """Graphviz DOT text of the graph that produced this tensor, values and gradients on
        the nodes (see `autograd.graphviz`); with `path`, also write it (PNG when the `dot`
        program is installed, else the .dot text). Call before backward()."""
        dot = _graphviz.to_dot(self, names=names, grads=grads)
        if path is not None:
            _graphviz.render(dot, path)
        return dot

    # --- shape and printing -------------------------------------------------------------
    @property
    def shape(self):
        return self._data.shape

    @property
    def ndim(self):
        return self._data.ndim

    def size(self, dim=None):
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    def __repr__(self):
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extra = ""
        if self._data.dtype not in (_dtypes.default_float(), np.int64, np.bool_):
            extra += f", dtype={self.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn={self._ctx!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} passed to Tensor.__format__ "
                            f"(only one-element tensors format like numbers)")
        return repr(self)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self):
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._data.item())

    __hash__ = object.__hash__

    # --- dtype and device ----------------------------------------------------------------
    @property
    def dtype(self):
        return _FROM_NUMPY[self._data.dtype]

    @property
    def device(self):
        return _CPU

    is_cuda = False

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def element_size(self):
        return self._data.dtype.itemsize

    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False, **kwargs):
        """Convert dtype and/or device: `to(dtype)`, `to("cpu")`, `to(device, dtype)`,
        `to(other_tensor)`. Returns self when nothing changes (as PyTorch does)."""
        for a in args:
            if isinstance(a, TensorBase):
                dtype = a.dtype
            elif isinstance(a, str) or type(a).__name__ == "device":
                device = a
            elif isinstance(a, int) and not isinstance(a, bool):
                raise cpu_only_error(f"cuda:{a}")
            else:
                dtype = a
        to_device(device)
        if dtype is None:
            return self.clone() if copy else self
        return self._cast(_dtypes.to_numpy_dtype(dtype), copy)

    def _cast(self, target, copy=False):
        if target == self._data.dtype and not copy:
            return self
        if self.requires_grad and target.kind in "fc" and _grad_mode.enabled:
            return _elementwise.Cast.apply(self, dtype=target)
        return Tensor._make(self._data.astype(target), False, None)

    def type(self, dtype=None):
        """Without an argument, the type name (`"nnforge.FloatTensor"`); with one, a copy in
        that dtype."""
        if dtype is None:
            return f"nnforge.{_TYPE_NAMES.get(self._data.dtype.name, self._data.dtype.name)}"
        return self._cast(_dtypes.to_numpy_dtype(dtype))

    def type_as(self, other):
        return self._cast(other._data.dtype)

    def astype(self, dtype):
        return self._cast(_dtypes.to_numpy_dtype(dtype))

    def float(self):
        return self._cast(np.dtype(np.float32))

    def double(self):
        return self._cast(np.dtype(np.float64))

    def half(self):
        return self._cast(np.dtype(np.float16))

    def long(self):
        return self._cast(np.dtype(np.int64))

    def int(self):
        return self._cast(np.dtype(np.int32))

    def short(self):
        return self._cast(np.dtype(np.int16))

    def byte(self):
        return self._cast(np.dtype(np.uint8))

    def bool(self):
        return self._cast(np.dtype(np.bool_))

    def _new(self, array, dtype, requires_grad):
        target = self._data.dtype if dtype is None else _dtypes.to_numpy_dtype(dtype)
        t = Tensor._make(np.asarray(array, dtype=target), False, None)
        return t.requires_grad_(True) if requires_grad else t

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros of the given size with this tensor's dtype (PyTorch's `new_zeros`)."""
        to_device(device)
        return self._new(np.zeros(_sizes(size)), dtype, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        to_device(device)
        return self._new(np.ones(_sizes(size)), dtype, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        to_device(device)
        return self._new(np.full(_sizes((size,)), fill_value), dtype, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        to_device(device)
        return self._new(np.empty(_sizes(size)), dtype, requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        """A copy of `data` with this tensor's dtype (unless `dtype` is given)."""
        to_device(device)
        return self._new(np.array(_array_of(data)), dtype, requires_grad)

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        raise cpu_only_error("cuda" if device is None else f"cuda:{device}")

    def mps(self):
        raise cpu_only_error("mps")

    # --- arithmetic (PyTorch's type promotion happens inside the ops) ----------------------
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
        other = _array_of(other)
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented     # e.g. pytest.approx, which then compares itself
        x, y = _dtypes.promote_operands(self._data, other)
        return Tensor._make(op(x, y), False, None)

    def _logical(self, other, op):
        other = _array_of(other)
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        x, y = _dtypes.promote_operands(self._data, other)
        return Tensor._make(op(x, y), False, None)

    def __and__(self, other):
        return self._logical(other, np.bitwise_and)

    __rand__ = __and__

    def __or__(self, other):
        return self._logical(other, np.bitwise_or)

    __ror__ = __or__

    def __xor__(self, other):
        return self._logical(other, np.bitwise_xor)

    __rxor__ = __xor__

    def __invert__(self):
        if self._data.dtype.kind not in "biu":
            raise TypeError(f"~ (bitwise not) is only defined for bool and integer tensors, "
                            f"got {self.dtype}")
        return Tensor._make(np.invert(self._data), False, None)

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

    def add(self, other, alpha=1):
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        return self - (other if alpha == 1 else other * alpha)

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
        return Tensor._make(np.sign(self._data), False, None)

    def clamp(self, min=None, max=None):
        return _elementwise.Clamp.apply(self, min=_array_of(min), max=_array_of(max))

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
    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        return _reductions.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        return _reductions.Mean.apply(self, dim=dim, keepdim=keepdim)

    def var(self, dim=None, keepdim=False, *, unbiased=True, correction=None, axis=None,
            keepdims=None, out=None):
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        if correction is not None:
            unbiased = bool(correction)
        centred = self - self.mean(dim, keepdim=True)
        count = self._data.size if dim is None else int(np.prod(
            [self.shape[d] for d in np.atleast_1d(dim)]))
        return (centred * centred).sum(dim, keepdim=keepdim) / max(count - int(unbiased), 1)

    def std(self, dim=None, keepdim=False, *, unbiased=True, correction=None, axis=None,
            keepdims=None, out=None):
        return self.var(dim, keepdim, unbiased=unbiased, correction=correction, axis=axis,
                        keepdims=keepdims, out=out) ** 0.5

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        """The largest value; with one `dim`, the named pair (values, indices) like PyTorch
        (NumPy's `axis=` spelling gives the values alone); with a tensor, the elementwise
        maximum."""
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        numpy_spelling = axis is not None
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        if isinstance(dim, (int, np.integer)) and not numpy_spelling:
            return _indexing.extremum(self, dim, keepdim, largest=True)
        return _reductions.Max.apply(self, dim=dim, keepdim=keepdim)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        """The smallest value; with one `dim`, the named pair (values, indices) like PyTorch;
        with a tensor, the elementwise minimum."""
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        numpy_spelling = axis is not None
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        if isinstance(dim, (int, np.integer)) and not numpy_spelling:
            return _indexing.extremum(self, dim, keepdim, largest=False)
        return _reductions.Min.apply(self, dim=dim, keepdim=keepdim)

    def argmax(self, dim=None, keepdim=False):
        out = np.argmax(self._data, axis=dim)
        if keepdim and dim is not None:
            out = np.expand_dims(out, dim)
        return Tensor._make(np.asarray(out, dtype=np.int64), False, None)

    def argmin(self, dim=None, keepdim=False):
        out = np.argmin(self._data, axis=dim)
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

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        return Tensor._make(np.asarray(np.all(self.numpy(), axis=dim, keepdims=keepdim)),
                            False, None)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        return Tensor._make(np.asarray(np.any(self.numpy(), axis=dim, keepdims=keepdim)),
                            False, None)

    def round(self, decimals=0):
        """Round half to even, like PyTorch; no gradient flows (it is zero almost
        everywhere)."""
        return Tensor._make(np.round(self.numpy(), decimals), False, None)

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

    def view_as(self, other):
        return self.reshape(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def expand_as(self, other):
        return self.expand(other.shape)

    def swapaxes(self, axis0, axis1):
        return self.transpose(axis0, axis1)

    # --- end of the PyTorch surface block ----------------------------------------------


def _reduction_args(dim, axis, keepdim, keepdims, out=None):
    """Accept both PyTorch (`dim`, `keepdim`) and NumPy (`axis`, `keepdims`) spellings
    (NumPy's `np.sum(t)` and friends call the method with `out=None`)."""
    if out is not None:
        raise TypeError("out= is not supported: reductions return a new tensor")
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


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Build a leaf tensor, copying `data` (PyTorch's `torch.tensor`)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)
