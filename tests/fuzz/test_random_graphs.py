"""Random computation graphs (strategies in tests/fuzz/graphs.py, the DSL and its
interpreter in tests/fuzz/graph_program.py), built with nnforge and with PyTorch
2.13 in float64: every node's value and every input's gradient must agree.

Seeded (derandomize=True): a CI failure reproduces locally with the same command, and
hypothesis prints the shrunk program as its readable description, e.g.
`x0: (3, 1) any seed=0 ; n0 = mul(x0, x0) ; n1 = sum(n0, dim=0, keepdim=False)`.
NNFORGE_FUZZ_SCALE=10 multiplies the number of cases for a longer local run.
"""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import graph_program as gp    # tests/fuzz/ is put on sys.path by its conftest.py
import graphs

SCALE = float(os.environ.get("NNFORGE_FUZZ_SCALE", "1"))
FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
RTOL, ATOL = 1e-7, 1e-9


def examples(n):
    return settings(FUZZ, max_examples=max(1, int(n * SCALE)))


def check_against_torch(program):
    """Values of every node and gradients of every input, nnforge vs torch."""
    leaves, values = gp.run(program, gp.NnforgeLib)
    t_leaves, t_values = gp.run(program, gp.TorchLib)
    for name in program.names():
        ours, theirs = np.asarray(values[name]), t_values[name]
        assert ours.shape == theirs.shape, \
            f"{name}: shape {ours.shape} vs torch {theirs.shape}\n  in {program}"
        np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL,
                                   err_msg=f"value of {name}\n  in {program}")
    for name, leaf in leaves.items():
        ours, theirs = gp.NnforgeLib.grad(leaf), gp.TorchLib.grad(t_leaves[name])
        assert (ours is None) == (theirs is None), \
            f"grad of {name}: {ours} vs torch {theirs}\n  in {program}"
        if ours is not None:
            assert ours.shape == theirs.shape, \
                f"grad of {name}: shape {ours.shape} vs torch {theirs.shape}\n  in {program}"
            np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL,
                                       err_msg=f"gradient of {name}\n  in {program}")


@examples(250)
@given(graphs.programs(families=("unary", "binary")))
def test_elementwise_graphs(program):
    check_against_torch(program)


@examples(250)
@given(graphs.programs(families=("reduction", "shape", "unary")))
def test_reduction_and_shape_graphs(program):
    check_against_torch(program)


@examples(150)
@given(graphs.programs(families=("matmul", "binary", "reduction")))
def test_matmul_graphs(program):
    check_against_torch(program)


@examples(350)
@given(graphs.programs(max_nodes=10))
def test_mixed_graphs(program):
    check_against_torch(program)


def _program(inputs, nodes):
    program = gp.Program()
    program.inputs = [gp.Input(*spec) for spec in inputs]
    program.nodes = [gp.Node(*spec) for spec in nodes]
    return program


# Shrunk counterexamples the fuzzer found, kept as regular tests. MatMul.backward used to
# reshape a 1-D operand's gradient without first summing over the other operand's batch
# dimensions (ValueError "cannot reshape array of size 2 into shape (1,)"); fixed in 24c8430.
COUNTEREXAMPLES = [
    _program([("x1", (2, 1, 1), "any", 0), ("x2", (1,), "any", 0)],
             [("n0", "matmul", ["x1", "x2"], {})]),
    _program([("x0", (1,), "any", 0), ("x1", (2, 1, 1), "any", 0)],
             [("n0", "matmul", ["x0", "x1"], {})]),
]


@pytest.mark.parametrize("program", COUNTEREXAMPLES, ids=str)
def test_counterexamples(program):
    check_against_torch(program)


# PyTorch reduces a 0-d tensor over dim 0 or -1 (the result is the value itself); the
# fuzzer found that nnforge raised NumPy's AxisError here (now fixed in normalize_dims).
ZERO_DIM_REDUCTIONS = [
    _program([("x0", (), "any", 0)], [("n0", op, ["x0"], {"dim": dim, "keepdim": keepdim})])
    for op, dim, keepdim in [("sum", 0, False), ("mean", -1, True), ("max", 0, False),
                             ("min", -1, True)]
]


@pytest.mark.parametrize("program", ZERO_DIM_REDUCTIONS, ids=str)
def test_reduction_over_dim_of_a_0d_tensor(program):
    check_against_torch(program)


@pytest.mark.parametrize("op", ["mul", "softmax", "stack"])
def test_zero_dim_leaf_grad_is_an_array(op):
    x = gp.NnforgeLib.leaf(np.array(1.5))
    out = {"mul": lambda: x * x, "softmax": lambda: x.softmax(0),
           "stack": lambda: gp.NnforgeLib.stack([x, x], 0)}[op]()
    out.backward(np.ones(out.shape))
    assert isinstance(x.grad.numpy(), np.ndarray) and x.grad.shape == ()
