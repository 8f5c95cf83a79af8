"""The computation graph as Graphviz DOT text, for teaching backpropagation:
every tensor is a box with its value and its gradient, every op an ellipse between them.

    x, y, z = (nnforge.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    f = (x + y) * z
    print(f.graph(names={"x": x, "y": y, "z": z, "f": f}))    # f = -12, df/dx = -4 ...

Gradients are computed by a read-only reverse pass over the recorded graph (each node's
own `backward`, the same code `Tensor.backward` runs), so drawing changes no `.grad` and
frees nothing; call `graph()` before `backward()` (or after `backward(retain_graph=True)`:
a freed graph cannot be drawn). `render(dot, path)` writes a PNG/SVG/PDF with the `dot`
program when it is installed (Debian package `graphviz`) and the DOT text otherwise.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Optional, Union

import numpy as np
import numpy.typing as npt

from .function import TensorBase

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["to_dot", "node_gradients", "render"]


def _walk(root: TensorBase) -> list[TensorBase]:
    """Every Tensor reachable from root (inputs of recorded ops), root first."""
    seen: set[int] = set()
    order: list[TensorBase] = []
    stack = [root]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        order.append(t)
        if t._ctx is not None and getattr(t._ctx, "_freed", False):
            raise RuntimeError("graph(): the graph was freed by backward(); draw it before "
                               "calling backward(), or call backward(retain_graph=True)")
        if t._ctx is not None:
            stack.extend(reversed([a for a in t._ctx.inputs if isinstance(a, TensorBase)]))
    return order


def _tensor_order(root: TensorBase) -> list[TensorBase]:
    """Tensors of root's graph that need a gradient, each before the tensors it came from."""
    order: list[TensorBase] = []
    visited: set[int] = set()
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
        if t._ctx is not None:
            for parent in t._ctx.inputs:
                if isinstance(parent, TensorBase) and parent.requires_grad \
                        and id(parent) not in visited:
                    stack.append((parent, False))
    order.reverse()
    return order


def node_gradients(root: Tensor) -> dict[int, np.ndarray]:
    """{id(tensor): d root / d tensor} for every tensor of root's graph that needs one,
    computed without touching any `.grad` (root must hold one element)."""
    if not root.requires_grad or root._data.size != 1:
        return {}
    _walk(root)                                  # raises on a freed graph
    grads = {id(root): np.ones_like(root._data)}
    out: dict[int, np.ndarray] = {}
    for t in _tensor_order(root):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        out[id(t)] = g
        if t._ctx is None:
            continue
        input_grads = type(t._ctx).backward(t._ctx, g)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for parent, pg in zip(t._ctx.inputs, input_grads):
            if pg is None or not isinstance(parent, TensorBase) or not parent.requires_grad:
                continue
            grads[id(parent)] = pg if id(parent) not in grads else grads[id(parent)] + pg
    return out


def _fmt(array: npt.ArrayLike, precision: int) -> str:
    array = np.asarray(array)
    if array.size == 1:
        return f"{array.item():.{precision}g}"
    if array.size <= 6:
        return np.array2string(array, precision=precision, separator=" ").replace("\n", "")
    return f"shape {tuple(array.shape)}, mean {array.mean():.{precision}g}"


def _escape(text: str) -> str:
    for ch in "\\{}|<>\"":
        text = text.replace(ch, "\\" + ch)
    return text


def to_dot(root: Tensor, names: Optional[Mapping[str, Tensor]] = None, grads: bool = True,
           precision: int = 4) -> str:
    """DOT text of root's graph. `names`: {label: tensor} to name boxes (others are
    unnamed); `grads`: show d root / d tensor on every box that has one."""
    labels = {id(t): name for name, t in (names or {}).items()}
    tensors = _walk(root)
    number = {id(t): i for i, t in enumerate(tensors)}      # stable, readable node ids
    gradients = node_gradients(root) if grads else {}
    lines = ["digraph computation {", "  rankdir=LR;",
             '  node [fontname="Helvetica", fontsize=10];']
    for t in tensors:
        parts = [labels.get(id(t), "")] if id(t) in labels else []
        parts.append(f"value {_fmt(t._data, precision)}")
        if id(t) in gradients:
            parts.append(f"grad {_fmt(gradients[id(t)], precision)}")
        fill = ', style=filled, fillcolor="#dbe9f6"' if t._ctx is None else ""
        label = " | ".join(_escape(p) for p in parts)
        lines.append(f'  t{number[id(t)]} [shape=record, label="{{{label}}}"{fill}];')
        if t._ctx is not None:
            op = f"op{number[id(t)]}"
            lines.append(f'  {op} [shape=ellipse, label="{type(t._ctx).__name__}"];')
            for a in t._ctx.inputs:
                if isinstance(a, TensorBase):
                    lines.append(f"  t{number[id(a)]} -> {op};")
            lines.append(f"  {op} -> t{number[id(t)]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot: str, path: Union[str, Path]) -> Path:
    """Write `dot` to `path`: an image (format from the suffix: .png, .svg, .pdf) when the
    Graphviz `dot` program is installed, else the DOT text beside it with suffix .dot.
    Returns the path written."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    program = shutil.which("dot")
    if program and fmt in ("png", "svg", "pdf"):
        subprocess.run([program, f"-T{fmt}", "-o", str(path)], input=dot.encode(), check=True)
        return path
    target = path if fmt == "dot" else path.with_suffix(".dot")
    target.write_text(dot)
    return target
