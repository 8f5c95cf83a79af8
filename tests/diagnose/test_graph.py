"""`Tensor.graph()`: DOT text of the computation graph with values and gradients."""
import re
import shutil

import numpy as np
import pytest

import nnforge
import nnforge.nn as nn
from nnforge.autograd.graphviz import node_gradients, render


def n1():
    x, y, z = (nnforge.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    q = x + y
    f = q * z
    return x, y, z, q, f


def boxes(dot):
    return dict(re.findall(r'label="\{(\w+) \| (value [^}]*)\}"', dot))


def test_n1_values_and_gradients_on_the_nodes():
    x, y, z, q, f = n1()
    dot = f.graph(names={"x": x, "y": y, "z": z, "q": q, "f": f})
    assert dot.startswith("digraph computation {") and dot.rstrip().endswith("}")
    assert boxes(dot) == {"f": "value -12 | grad 1", "q": "value 3 | grad -4",
                          "x": "value -2 | grad -4", "y": "value 5 | grad -4",
                          "z": "value -4 | grad 3"}
    assert dot.count('label="Add"') == 1 and dot.count('label="Mul"') == 1
    assert dot.count("->") == 6
    assert x.grad is None and q.grad is None                  # drawing changed nothing
    f.backward()                                              # the graph is still usable
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)
    with pytest.raises(RuntimeError, match="freed by backward"):
        f.graph()


def test_gradients_agree_with_backward_on_a_layer():
    rng = np.random.default_rng(0)
    layer = nn.Linear(3, 2, generator=rng, dtype=np.float64)
    x = nnforge.tensor(rng.standard_normal((4, 3)))
    loss = (layer(x).tanh() ** 2).mean()
    grads = node_gradients(loss)
    loss.backward()
    np.testing.assert_allclose(grads[id(layer.weight)], layer.weight.grad, rtol=1e-12)


def test_without_gradients_and_for_big_tensors():
    rng = np.random.default_rng(0)
    w = nnforge.tensor(rng.standard_normal((5, 5)), requires_grad=True)
    out = (w * 2).sum()
    dot = out.graph(grads=False)
    assert "grad" not in dot and "shape (5, 5), mean" in dot


def test_render_writes_png_with_dot_or_the_text_without(tmp_path):
    *_, f = n1()
    dot = f.graph()
    written = render(dot, tmp_path / "n1.png")
    if shutil.which("dot"):
        assert written.suffix == ".png" and written.read_bytes()[:4] == b"\x89PNG"
    else:
        assert written.suffix == ".dot" and written.read_text() == dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed")
def test_graph_path_writes_a_png(tmp_path):
    *_, f = n1()
    f.graph(path=tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
