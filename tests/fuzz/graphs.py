"""Random computation graphs for fuzzing the autograd engine against PyTorch.

A `Program` is a small straight-line DSL: leaf inputs with a shape and a value seed, then
nodes `nK = op(args, options)` whose arguments are earlier inputs or nodes (so values are
reused by several later nodes) or constants. `programs()` is a hypothesis strategy that
grows one op at a time while evaluating the graph with PyTorch (float64, no grad), so
every choice can respect the op's domain: logs and square roots only see positive values,
divisors stay away from 0, relu/abs/clamp/max/min/maximum/minimum never sit within 1e-6 of
a kink or a tie (except exact self-ties, where both libraries split the gradient), and
values stay finite and moderate. `run()` interprets a program with either library, and
`str(program)` is the readable counterexample hypothesis prints:

    x0: (3, 1) any seed=0 ; x1: () pos seed=5 ; n0 = mul(x0, x1) ; n1 = sum(n0, dim=0)
"""
import itertools

import numpy as np
import torch
from hypothesis import strategies as st

import nnforge as nf

MAX_ELEMENTS = 48   # cap on any node's number of elements
MAGNITUDE = 1e3     # a node whose values exceed this is not kept
KINK = 1e-6         # minimum distance from a kink or a tie


# --- the program ----------------------------------------------------------------------------
class Input:
    def __init__(self, name, shape, kind, seed):
        self.name, self.shape, self.kind, self.seed = name, tuple(shape), kind, seed

    def value(self):
        """Float64 values from the seed: 'any' is uniform in [-2, 2], 'pos' in [0.5, 2]."""
        rng = np.random.default_rng(self.seed)
        low = 0.5 if self.kind == "pos" else -2.0
        return np.asarray(rng.uniform(low, 2.0, size=self.shape), dtype=np.float64)

    def __str__(self):
        return f"{self.name}: {self.shape} {self.kind} seed={self.seed}"


class Const:
    """A constant array argument (a `where` mask, an index array), shown by its values."""

    def __init__(self, array):
        self.array = np.asarray(array)

    def __repr__(self):
        return np.array2string(self.array, separator=",").replace("\n", "")


class Node:
    def __init__(self, name, op, args, options):
        self.name, self.op, self.args, self.options = name, op, tuple(args), dict(options)

    def __str__(self):
        parts = [a if isinstance(a, str) else repr(a) for a in self.args]
        parts += [f"{k}={v!r}" for k, v in self.options.items()]
        return f"{self.name} = {self.op}({', '.join(parts)})"


class Program:
    def __init__(self):
        self.inputs, self.nodes = [], []

    def __str__(self):
        return " ; ".join([str(i) for i in self.inputs] + [str(n) for n in self.nodes])

    __repr__ = __str__

    def names(self):
        return [i.name for i in self.inputs] + [n.name for n in self.nodes]


# --- the two libraries behind one interface ----------------------------------------------
class NnforgeLib:
    name = "nnforge"

    @staticmethod
    def leaf(array):
        return nf.tensor(array, requires_grad=True)

    @staticmethod
    def const(array):
        return np.asarray(array)

    @staticmethod
    def grad(t):
        return t.grad

    @staticmethod
    def values(t):
        return t.data

    @staticmethod
    def backward(out, grad, retain_graph):
        out.backward(grad, retain_graph=retain_graph)

    cat = staticmethod(lambda xs, dim: nf.cat(xs, dim=dim))
    stack = staticmethod(lambda xs, dim: nf.stack(xs, dim=dim))
    where = staticmethod(lambda c, a, b: nf.where(c, a, b))

    @staticmethod
    def extremum(x, kind, dim, keepdim):
        return getattr(x, kind)(dim, keepdim=keepdim) if dim is not None else getattr(x, kind)()

    @staticmethod
    def var(x, dim, keepdim):
        return x.var(dim, keepdim=keepdim)


class TorchLib:
    name = "torch"

    @staticmethod
    def leaf(array):
        return torch.tensor(array, dtype=torch.float64, requires_grad=True)

    @staticmethod
    def const(array):
        return torch.from_numpy(np.array(array))

    @staticmethod
    def grad(t):
        return None if t.grad is None else t.grad.numpy()

    @staticmethod
    def values(t):
        return t.detach().numpy()

    @staticmethod
    def backward(out, grad, retain_graph):
        out.backward(torch.from_numpy(grad), retain_graph=retain_graph)

    cat = staticmethod(lambda xs, dim: torch.cat(xs, dim=dim))
    stack = staticmethod(lambda xs, dim: torch.stack(xs, dim=dim))
    where = staticmethod(lambda c, a, b: torch.where(c, a, b))

    @staticmethod
    def extremum(x, kind, dim, keepdim):
        if dim is None:
            return getattr(x, kind)()
        if isinstance(dim, tuple):
            return getattr(torch, "a" + kind)(x, dim=dim, keepdim=keepdim)
        return getattr(x, kind)(dim, keepdim=keepdim).values

    @staticmethod
    def var(x, dim, keepdim):
        return x.var(dim, keepdim=keepdim, correction=1)


def _index(lib, index):
    items = index if isinstance(index, tuple) else (index,)
    items = tuple(lib.const(i.array) if isinstance(i, Const) else i for i in items)
    return items if isinstance(index, tuple) else items[0]


def apply(lib, op, args, options):
    """Evaluate one node with `lib` (NnforgeLib or TorchLib); args are tensors/constants."""
    o = options
    unary = {"neg": lambda a: -a, "exp": lambda a: a.exp(), "log": lambda a: a.log(),
             "sqrt": lambda a: a.sqrt(), "abs": lambda a: a.abs(), "tanh": lambda a: a.tanh(),
             "sigmoid": lambda a: a.sigmoid(), "relu": lambda a: a.relu()}
    if op in unary:
        return unary[op](args[0])
    a = args[0]
    if op == "add":
        return a + args[1]
    if op == "sub":
        return a - args[1]
    if op == "mul":
        return a * args[1]
    if op == "div":
        return a / args[1]
    if op == "pow":
        return a ** args[1]
    if op == "rsub":
        return args[1] - a
    if op == "rdiv":
        return args[1] / a
    if op == "clamp":
        return a.clamp(min=o.get("min"), max=o.get("max"))
    if op == "maximum":
        return a.maximum(args[1])
    if op == "minimum":
        return a.minimum(args[1])
    if op == "where":
        return lib.where(lib.const(args[0].array), args[1], args[2])
    if op in ("sum", "mean"):
        return getattr(a, op)(o["dim"], keepdim=o["keepdim"]) if o["dim"] is not None \
            else getattr(a, op)()
    if op == "var":
        return lib.var(a, o["dim"], o["keepdim"])
    if op in ("max", "min"):
        return lib.extremum(a, op, o["dim"], o["keepdim"])
    if op == "reshape":
        return a.reshape(o["shape"])
    if op == "permute":
        return a.permute(*o["axes"])
    if op == "transpose":
        return a.transpose(o["dim0"], o["dim1"])
    if op == "unsqueeze":
        return a.unsqueeze(o["dim"])
    if op == "squeeze":
        return a.squeeze(o["dim"]) if o["dim"] is not None else a.squeeze()
    if op == "expand":
        return a.expand(o["shape"])
    if op == "flatten":
        return a.flatten(o["start_dim"], o["end_dim"])
    if op == "getitem":
        return a[_index(lib, o["index"])]
    if op == "cat":
        return lib.cat(list(args), o["dim"])
    if op == "stack":
        return lib.stack(list(args), o["dim"])
    if op == "matmul":
        return a @ args[1]
    if op == "softmax":
        return a.softmax(o["dim"])
    if op == "log_softmax":
        return a.log_softmax(o["dim"])
    raise KeyError(f"unknown op {op!r}")


def _output_grad(name, shape):
    """Fixed random upstream gradient for one output node (seeded by its name)."""
    seed = sum(ord(c) * 31 ** i for i, c in enumerate(name)) % (2 ** 32)
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=shape)


def sinks(program):
    """Nodes no later node uses: every node is one of them or an ancestor of one."""
    used = {a for n in program.nodes for a in n.args if isinstance(a, str)}
    return [n.name for n in program.nodes if n.name not in used]


def run(program, lib):
    """Evaluate `program` with `lib` and backpropagate a fixed random upstream gradient
    from every sink node, so every input gets sum_k d<n_k, w_k>/dx. The backward calls
    use no extra op (a scalar loss built with mul/sum would hide a broken mul or sum
    behind the harness). Returns (leaves, values): name -> leaf tensor, name -> values."""
    env, leaves = {}, {}
    for inp in program.inputs:
        env[inp.name] = leaves[inp.name] = lib.leaf(inp.value())
    for node in program.nodes:
        args = [env[a] if isinstance(a, str) else a for a in node.args]
        env[node.name] = apply(lib, node.op, args, node.options)
    outputs = sinks(program)
    for i, name in enumerate(outputs):
        out = env[name]
        lib.backward(out, _output_grad(name, tuple(out.shape)), i < len(outputs) - 1)
    return leaves, {name: lib.values(t) for name, t in env.items()}


# --- generation -----------------------------------------------------------------------------
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
        (x.sum(0) + x.mean(-1, keepdim=True) + x.max(0)).backward()
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
