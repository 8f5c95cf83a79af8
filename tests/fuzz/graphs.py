"""Hypothesis strategies that grow random computation graphs (graph_program.Program).

`programs()` adds one op at a time while evaluating the graph with PyTorch (float64, no
grad), so every choice can respect the op's domain: logs and square roots only see
positive values, divisors stay away from 0, relu/abs/clamp/max/min/maximum/minimum never
sit within 1e-6 of a kink or a tie (except exact self-ties such as maximum(n, n), where
both libraries split the gradient), and values stay finite and moderate. Shapes include
0-d and size-1 dimensions; second operands broadcast against the first; intermediate values
are picked again by later nodes.
"""
import itertools

import numpy as np
import torch
from hypothesis import strategies as st

import nnforge as nf
from graph_program import Const, Input, Node, Program, TorchLib, apply

MAX_ELEMENTS = 48   # cap on any node's number of elements
MAGNITUDE = 1e3     # a node whose values exceed this is not kept
KINK = 1e-6         # minimum distance from a kink or a tie


def _size(shape):
    return int(np.prod(shape)) if shape else 1


@st.composite
def shapes(draw, min_dims=0, max_dims=3, max_side=4):
    """Shapes with 0-d, size-1 and small dimensions, at most MAX_ELEMENTS elements."""
    ndim = draw(st.integers(min_dims, max_dims))
    shape = tuple(draw(st.sampled_from([1, 2, 3, max_side])) for _ in range(ndim))
    while _size(shape) > MAX_ELEMENTS:
        shape = shape[1:]
    return shape


@st.composite
def partner_shapes(draw, shape):
    """A shape that broadcasts against `shape` (fewer leading dims, 1s, an extra dim)."""
    out = [draw(st.sampled_from([n, 1])) if n != 1 else draw(st.sampled_from([1, 2, 3]))
           for n in shape]
    out = out[draw(st.integers(0, len(out))):]
    if len(out) == len(shape) < 3 and draw(st.booleans()):
        out = [draw(st.sampled_from([1, 2]))] + out
    out = tuple(out)
    if _size(np.broadcast_shapes(out, shape)) > MAX_ELEMENTS:
        out = tuple(1 for _ in shape)
    return out


class _Builder:
    """Grows a program op by op, keeping every value (evaluated with torch) for the
    domain checks."""

    def __init__(self, draw):
        self.draw, self.program, self.values = draw, Program(), {}

    # values and names
    def new_input(self, shape, kind=None):
        kind = kind or self.draw(st.sampled_from(["any", "pos"]))
        inp = Input(f"x{len(self.program.inputs)}", shape, kind,
                    self.draw(st.integers(0, 2 ** 16)))
        self.program.inputs.append(inp)
        self.values[inp.name] = inp.value()
        return inp.name

    def pick(self, accept=lambda v: True):
        """An existing input/node whose value satisfies `accept`, or None."""
        names = [n for n in self.program.names() if accept(self.values[n])]
        if not names:
            return None
        return self.draw(st.sampled_from(names[::-1]))   # shrinks toward the newest

    def pick_or_new(self, accept, shape, kind=None, prefer_existing=True):
        name = self.pick(accept) if prefer_existing and self.draw(st.booleans()) else None
        return name if name is not None else self.new_input(shape, kind)

    def emit(self, op, args, **options):
        """Evaluate with torch and append the node; None (and nothing appended) when the
        result is too large, non-finite or empty."""
        targs = [torch.from_numpy(self.values[a]) if isinstance(a, str) else a for a in args]
        try:
            value = TorchLib.values(apply(TorchLib, op, targs, options)).copy()
        except (RuntimeError, IndexError, ValueError):
            return None
        if value.size == 0 or value.size > MAX_ELEMENTS or not np.all(np.isfinite(value)) \
                or np.abs(value).max() > MAGNITUDE:
            return None
        name = f"n{len(self.program.nodes)}"
        self.program.nodes.append(Node(name, op, args, options))
        self.values[name] = value
        return name

    # operands with a domain
    def positive(self):
        """A name whose values lie in [0.3, 20]: an existing one, x*x + 0.5 of a moderate
        one (two explicit nodes), or a new positive input."""
        choice = self.draw(st.sampled_from(["existing", "square", "new"]))
        if choice == "existing":
            name = self.pick(lambda v: v.min() >= 0.3 and v.max() <= 20)
            if name is not None:
                return name
        if choice == "square":
            base = self.pick(lambda v: np.abs(v).max() <= 4)
            if base is not None:
                sq = self.emit("mul", [base, base])
                out = sq and self.emit("add", [sq, 0.5])
                if out is not None:
                    return out
        return self.new_input(self.draw(shapes()), "pos")

    def away_from_zero(self):
        name = self.pick(lambda v: np.abs(v).min() > KINK)
        return name if name is not None else self.new_input(self.draw(shapes()), "any")

    def any(self, min_dims=0):
        name = self.pick(lambda v: v.ndim >= min_dims)
        return name if name is not None else self.new_input(self.draw(shapes(min_dims)))

    def partner(self, a, accept=lambda v: True):
        """A name broadcastable against `a` (reusing an existing value when possible)."""
        shape = self.values[a].shape

        def ok(v):
            try:
                out = np.broadcast_shapes(v.shape, shape)
            except ValueError:
                return False
            return _size(out) <= MAX_ELEMENTS and accept(v)
        if self.draw(st.booleans()):
            name = self.pick(ok)
            if name is not None:
                return name
        return self.new_input(self.draw(partner_shapes(shape)))

    def dim(self, ndim, allow_none=False, allow_tuple=False):
        if ndim == 0:   # PyTorch accepts dim 0 or -1 on a 0-d tensor
            return self.draw(st.sampled_from(([None] if allow_none else []) + [0, -1]))
        choices = ["int"] + (["none"] if allow_none else []) + \
            (["tuple"] if allow_tuple and ndim >= 2 else [])
        kind = self.draw(st.sampled_from(choices))
        if kind == "none":
            return None
        if kind == "tuple":
            dims = self.draw(st.lists(st.integers(0, ndim - 1), min_size=2, max_size=ndim,
                                      unique=True))
            return tuple(d - ndim if self.draw(st.booleans()) else d for d in dims)
        return self.draw(st.integers(-ndim, ndim - 1))


def _axes(dim, ndim):
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, tuple) else (dim,)
    return tuple(sorted(d % ndim for d in dims)) if ndim else ()


def _unique_extreme(value, dim, kind):
    """True when the max/min over `dim` is unique with a margin in every slice."""
    axes = _axes(dim, value.ndim)
    v = value if kind == "max" else -value
    if value.ndim == 0:
        return True
    rest = [i for i in range(v.ndim) if i not in axes]
    flat = np.transpose(v, rest + list(axes)).reshape(
        _size([v.shape[i] for i in rest]), -1)
    if flat.shape[1] < 2:
        return True
    top = np.sort(flat, axis=1)
    return bool(np.all(top[:, -1] - top[:, -2] > KINK))


# each grower adds one node (or a few) and returns its name or None
def _grow_unary(b):
    op = b.draw(st.sampled_from(["neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid",
                                 "relu", "add_c", "mul_c", "rsub_c", "rdiv_c", "pow_c"]))
    if op == "exp":
        a = b.pick(lambda v: v.max() < 4) or b.new_input(b.draw(shapes()))
        return b.emit("exp", [a])
    if op in ("log", "sqrt"):
        return b.emit(op, [b.positive()])
    if op in ("abs", "relu"):
        return b.emit(op, [b.away_from_zero()])
    if op in ("add_c", "mul_c", "rsub_c"):
        c = b.draw(st.sampled_from([0.5, -1.5, 2.0, 3.0]))
        return b.emit({"add_c": "add", "mul_c": "mul", "rsub_c": "rsub"}[op], [b.any(), c])
    if op == "rdiv_c":
        return b.emit("rdiv", [b.positive(), b.draw(st.sampled_from([1.0, -2.0]))])
    if op == "pow_c":
        p = b.draw(st.sampled_from([2, 3, 2.0, 0.5, -1.0, 1.5, -0.5]))
        a = b.pick(lambda v: np.abs(v).max() < 8) if p in (2, 3, 2.0) else b.positive()
        return b.emit("pow", [a or b.positive(), p])
    return b.emit(op, [b.any()])


def _grow_binary(b):
    op = b.draw(st.sampled_from(["add", "sub", "mul", "div", "pow", "maximum", "minimum",
                                 "where", "clamp"]))
    if op in ("add", "sub", "mul"):
        a = b.any()
        return b.emit(op, [a, b.partner(a)])
    if op == "div":
        a = b.any()
        return b.emit("div", [a, b.partner(a, lambda v: np.abs(v).min() > 0.3)
                              if b.draw(st.booleans()) else b.positive()])
    if op == "pow":
        base = b.positive()
        return b.emit("pow", [base, b.partner(base, lambda v: np.abs(v).max() <= 2)])
    if op in ("maximum", "minimum"):
        a = b.any()
        if b.draw(st.booleans()):
            return b.emit(op, [a, a])        # an exact tie everywhere: the gradient splits
        va = b.values[a]

        def apart(v):
            try:
                return bool(np.abs(va - v).min() > KINK)
            except ValueError:
                return False
        other = b.partner(a, apart)
        if np.abs(va - b.values[other]).min() <= KINK:
            return None
        return b.emit(op, [a, other])
    if op == "where":
        a = b.any()
        other = b.partner(a)
        shape = b.draw(partner_shapes(np.broadcast_shapes(b.values[a].shape,
                                                          b.values[other].shape)))
        seed = b.draw(st.integers(0, 255))
        mask = Const(np.random.default_rng(seed).random(shape) < 0.5)
        return b.emit("where", [mask, a, other])
    # clamp: bounds halfway between neighbouring values, never at a value
    a = b.any()
    v = np.unique(b.values[a])
    gaps = [(lo + hi) / 2 for lo, hi in zip(v[:-1], v[1:]) if hi - lo > 2 * KINK]
    cuts = sorted([float(v[0]) - 0.25] + gaps + [float(v[-1]) + 0.25])
    lo = b.draw(st.sampled_from(cuts))
    hi = b.draw(st.sampled_from([c for c in cuts if c > lo] or [lo + 1.0]))
    which = b.draw(st.sampled_from(["both", "min", "max"]))
    options = {"both": {"min": lo, "max": hi}, "min": {"min": lo}, "max": {"max": hi}}[which]
    return b.emit("clamp", [a], **options)


def _reduce_0d_with_dim_works():
    """Whether nnforge accepts sum/mean/max(dim=0) on a 0-d tensor as PyTorch does; it
    raised NumPy's AxisError when this fuzzer was written (see test_counterexamples), so
    those calls are only generated once the engine handles them."""
    try:
        x = nf.tensor(np.array(1.0), requires_grad=True)
        (x.sum(0) + x.mean(-1, keepdim=True) + x.max(0).values).backward()
    except Exception:   # noqa: BLE001 - any failure means "not supported yet"
        return False
    return True


REDUCE_0D_WITH_DIM = _reduce_0d_with_dim_works()


def _grow_reduction(b):
    op = b.draw(st.sampled_from(["sum", "mean", "var", "max", "min", "softmax",
                                 "log_softmax"]))
    a = b.any()
    v = b.values[a]
    if op in ("softmax", "log_softmax"):
        a = b.any(min_dims=1)
        return b.emit(op, [a], dim=b.dim(b.values[a].ndim))
    keepdim = b.draw(st.booleans())
    dim = b.dim(v.ndim, allow_none=True, allow_tuple=op != "max" and op != "min"
                or b.draw(st.booleans()))
    if op == "var":
        if v.ndim == 0 or _size([v.shape[i] for i in _axes(dim, v.ndim)]) < 2:
            return None      # torch gives nan for one element; nnforge documents 0
        return b.emit("var", [a], dim=dim, keepdim=keepdim)
    if op in ("max", "min") and not _unique_extreme(v, dim, op):
        return None
    if v.ndim == 0 and dim is not None and not REDUCE_0D_WITH_DIM:
        dim = None
    return b.emit(op, [a], dim=dim, keepdim=keepdim)


def _factorizations(n, ndim):
    """Every way to write n as an ordered product of `ndim` positive integers."""
    if ndim == 0:
        return [()] if n == 1 else []
    out = []
    for d in range(1, n + 1):
        if n % d == 0:
            out += [(d,) + rest for rest in _factorizations(n // d, ndim - 1)]
    return out


def _grow_shape(b):
    op = b.draw(st.sampled_from(["reshape", "permute", "transpose", "unsqueeze", "squeeze",
                                 "expand", "flatten", "getitem", "getitem_array", "cat",
                                 "stack"]))
    a = b.any()
    v = b.values[a]
    shape, ndim = v.shape, v.ndim
    if op == "reshape":
        target = b.draw(st.sampled_from(_factorizations(v.size, b.draw(st.integers(0, 3)))
                                        or [(v.size,)]))
        if target and b.draw(st.booleans()):
            i = b.draw(st.integers(0, len(target) - 1))
            target = target[:i] + (-1,) + target[i + 1:]
        return b.emit("reshape", [a], shape=tuple(target))
    if op == "permute" and ndim >= 2:
        perm = b.draw(st.permutations(range(ndim)))
        return b.emit("permute", [a], axes=tuple(perm))
    if op == "transpose" and ndim >= 2:
        return b.emit("transpose", [a], dim0=b.dim(ndim), dim1=b.dim(ndim))
    if op == "unsqueeze":
        return b.emit("unsqueeze", [a], dim=b.draw(st.integers(-ndim - 1, ndim)))
    if op == "squeeze":
        ones = [i for i, n in enumerate(shape) if n == 1]
        dim = b.draw(st.sampled_from(ones + [None])) if ones else None
        return b.emit("squeeze", [a], dim=dim)
    if op == "expand":
        target = tuple(b.draw(st.sampled_from([1, 2, 3])) if n == 1 else
                       b.draw(st.sampled_from([n, -1])) for n in shape)
        if len(target) < 3 and b.draw(st.booleans()):
            target = (b.draw(st.sampled_from([1, 2])),) + target
        return b.emit("expand", [a], shape=target)
    if op == "flatten" and ndim >= 1:
        start = b.draw(st.integers(0, ndim - 1))
        end = b.draw(st.integers(start, ndim - 1))
        return b.emit("flatten", [a], start_dim=start, end_dim=end - ndim
                      if b.draw(st.booleans()) else end)
    if op == "getitem" and ndim >= 1:
        index = []
        for n in shape:
            kind = b.draw(st.sampled_from(["int", "slice", "full", "none"]))
            if kind == "int":
                index.append(b.draw(st.integers(-n, n - 1)))
            elif kind == "slice":
                start = b.draw(st.integers(0, n - 1))
                index.append(slice(start, b.draw(st.integers(start + 1, n)),
                                   b.draw(st.sampled_from([1, 2]))))
            elif kind == "none":
                index += [None, slice(None)]
            else:
                index.append(slice(None))
        if b.draw(st.booleans()):
            index = index[:b.draw(st.integers(1, len(index)))]
            if b.draw(st.booleans()):
                index = [Ellipsis] + index[1:]
        return b.emit("getitem", [a], index=tuple(index))
    if op == "getitem_array" and ndim >= 1:
        picks = b.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1,
                                max_size=4))     # repeats accumulate their gradients
        return b.emit("getitem", [a], index=Const(np.array(picks, dtype=np.int64)))
    if op == "cat" and ndim >= 1:
        dim = b.dim(ndim)
        parts = [a]
        for _ in range(b.draw(st.integers(1, 2))):
            if b.draw(st.booleans()):
                parts.append(a)                  # the same value twice
            else:
                s = list(shape)
                s[dim] = b.draw(st.integers(1, 3))
                parts.append(b.new_input(tuple(s)))
        return b.emit("cat", parts, dim=dim)
    if op == "stack":
        dim = b.draw(st.integers(-ndim - 1, ndim))
        parts = [a] + [a if b.draw(st.booleans()) else b.new_input(shape)
                       for _ in range(b.draw(st.integers(1, 2)))]
        return b.emit("stack", parts, dim=dim)
    return b.emit("reshape", [a], shape=(-1,))


def _grow_matmul(b):
    a = b.any(min_dims=1)
    shape = b.values[a].shape
    k = shape[-1]
    m = b.draw(st.sampled_from([1, 2, 3]))
    form = b.draw(st.sampled_from(["vec", "mat", "batched"]))
    other = {"vec": (k,), "mat": (k, m),
             "batched": (b.draw(st.sampled_from([1, 2])),) + (shape[-2:-1] if len(shape) > 2
                                                              else ()) + (k, m)}[form]
    if len(shape) >= 2 and b.draw(st.booleans()):
        # the other operand on the left: (..., p, n) @ a where a is (..., n, k)
        left = (m, shape[-2])
        name = b.pick(lambda v: v.shape == left) or b.new_input(left)
        return b.emit("matmul", [name, a])
    name = b.pick(lambda v: v.shape == other) or b.new_input(other)
    return b.emit("matmul", [a, name])


FAMILIES = {"unary": _grow_unary, "binary": _grow_binary, "reduction": _grow_reduction,
            "shape": _grow_shape, "matmul": _grow_matmul}


@st.composite
def programs(draw, families=tuple(FAMILIES), max_nodes=8):
    """A random program of 1..max_nodes ops from the given families."""
    b = _Builder(draw)
    for _ in range(draw(st.integers(1, 2))):
        b.new_input(draw(shapes()))
    target = draw(st.integers(1, max_nodes))
    for attempt in itertools.count():
        if len(b.program.nodes) >= target or attempt >= 3 * max_nodes:
            break
        FAMILIES[draw(st.sampled_from(families))](b)
    if not b.program.nodes:
        b.emit("tanh", [b.program.inputs[0].name])
    return b.program
