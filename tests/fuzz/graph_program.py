"""The random-graph DSL: a straight-line program of inputs and ops, and its interpreter
over nnforge or PyTorch.

A `Program` has leaf inputs (a shape and a value seed) and nodes `nK = op(args, options)`
whose arguments are earlier inputs or nodes (so one value can feed several later nodes) or
constants. `run()` evaluates a program with either library and backpropagates a fixed
random upstream gradient from every sink; `str(program)` is the readable one-line form a
shrunk counterexample is printed in:

    x0: (3, 1) any seed=0 ; x1: () pos seed=5 ; n0 = mul(x0, x1) ; n1 = sum(n0, dim=0)
"""
import numpy as np
import torch

import nnforge as nf


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
        if dim is None:
            return getattr(x, kind)()
        result = getattr(x, kind)(dim, keepdim=keepdim)
        return result.values if isinstance(dim, int) else result     # (values, indices)

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
