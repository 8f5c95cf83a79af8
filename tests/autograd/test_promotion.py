"""Result dtypes of binary ops equal PyTorch's over a grid of operand kinds: tensors of every
common dtype (with dimensions and 0-d), Python numbers and NumPy scalars."""
import itertools

import numpy as np
import pytest
import torch

import nnforge as nf

DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]
VALUES = {"bool": [True, False, True], "uint8": [1, 2, 3], "int32": [1, 2, 3],
          "int64": [2, 1, 3], "float32": [0.5, 1.5, 2.0], "float64": [1.25, 2.5, 0.75]}


def _tensor_kind(dtype, zero_dim):
    values = VALUES[dtype][:1][0] if zero_dim else VALUES[dtype]

    def build():
        return (torch.tensor(values, dtype=getattr(torch, dtype)),
                nf.tensor(values, dtype=getattr(nf, dtype)))
    return (f"{'0d-' if zero_dim else ''}{dtype}", build)


def _scalar_kind(name, value):
    return (name, lambda: (value, value))


TENSORS = [_tensor_kind(d, z) for d in DTYPES for z in (False, True)]
SCALARS = [_scalar_kind("py-bool", True), _scalar_kind("py-int", 2),
           _scalar_kind("py-float", 1.5), _scalar_kind("np-float64", np.float64(1.5)),
           _scalar_kind("np-float32", np.float32(2.5)), _scalar_kind("np-int64", np.int64(3)),
           _scalar_kind("np-int32", np.int32(2)), _scalar_kind("np-bool", np.bool_(True))]

OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "lt": lambda a, b: a < b,
    "eq": lambda a, b: a == b,
}

PAIRS = [(a, b) for a, b in itertools.product(TENSORS + SCALARS, repeat=2)
         if not (a in SCALARS and b in SCALARS)]


def _run(fn, *args):
    try:
        return fn(*args), None
    except Exception as err:     # noqa: BLE001 - both libraries must fail alike
        return None, err


def _check(theirs, ours, what):
    (t_out, t_err), (n_out, n_err) = theirs, ours
    if t_err is not None or n_err is not None:
        assert (t_err is None) == (n_err is None), \
            f"{what}: torch {'raised ' + repr(t_err) if t_err else 'gave ' + str(t_out.dtype)}" \
            f", nnforge {'raised ' + repr(n_err) if n_err else 'gave ' + str(n_out.dtype)}"
        return
    assert isinstance(n_out, nf.Tensor), f"{what}: nnforge returned {type(n_out).__name__}"
    assert str(n_out.dtype).split(".")[1] == str(t_out.dtype).split(".")[1], \
        f"{what}: torch gives {t_out.dtype}, nnforge {n_out.dtype}"
    np.testing.assert_allclose(n_out.numpy().astype(np.float64),
                               t_out.numpy().astype(np.float64), rtol=1e-6, err_msg=what)


@pytest.mark.parametrize("op", list(OPS))
def test_binary_op_dtypes_equal_torch(op):
    fn = OPS[op]
    for (left, make_left), (right, make_right) in PAIRS:
        t_left, n_left = make_left()
        t_right, n_right = make_right()
        _check(_run(fn, t_left, t_right), _run(fn, n_left, n_right), f"{left} {op} {right}")


def test_maximum_and_where_dtypes_equal_torch():
    for (left, make_left), (right, make_right) in itertools.product(TENSORS, repeat=2):
        t_left, n_left = make_left()
        t_right, n_right = make_right()
        _check(_run(torch.maximum, t_left, t_right), _run(nf.Tensor.maximum, n_left, n_right),
               f"maximum({left}, {right})")
    cond = [True, False, True]
    for (left, make_left), (right, make_right) in itertools.product(TENSORS + SCALARS,
                                                                     repeat=2):
        if (left, make_left) in SCALARS and (right, make_right) in SCALARS:
            continue
        t_left, n_left = make_left()
        t_right, n_right = make_right()
        _check(_run(torch.where, torch.tensor(cond), t_left, t_right),
               _run(nf.where, nf.tensor(cond), n_left, n_right), f"where(c, {left}, {right})")


def test_in_place_results_must_fit_the_tensor_dtype():
    ints = nf.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="can't be cast"):
        ints += 1.5
    with pytest.raises(RuntimeError, match="can't be cast"):
        ints /= 2
    floats = nf.ones(3)
    floats += nf.tensor([1.0, 2.0, 3.0], dtype=nf.float64)   # float64 into float32 is allowed
    assert floats.dtype == nf.float32
    np.testing.assert_allclose(floats.numpy(), [2, 3, 4])


def test_promote_types_and_result_type_match_torch():
    for a, b in itertools.product(DTYPES, repeat=2):
        assert str(nf.promote_types(getattr(nf, a), getattr(nf, b))).split(".")[1] == \
            str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[1]
    assert nf.result_type(nf.tensor([1, 2]), 1.5) == nf.float32
    assert nf.result_type(nf.tensor([1, 2]), nf.tensor(1.5, dtype=nf.float64)) == nf.float64


def test_default_dtype_decides_python_floats():
    try:
        nf.set_default_dtype(nf.float64)
        assert nf.get_default_dtype() == nf.float64
        assert nf.tensor([1.0]).dtype == nf.float64
        assert (nf.tensor([1, 2]) / 2).dtype == nf.float64
        assert nf.zeros(2).dtype == nf.float64
    finally:
        nf.set_default_dtype(nf.float32)
    assert nf.tensor([1.0]).dtype == nf.float32
    with pytest.raises(TypeError, match="floating-point"):
        nf.set_default_dtype(nf.int64)


def test_integer_to_a_negative_integer_power_fails_like_torch():
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]) ** -1
    with pytest.raises((RuntimeError, ValueError), match="negative integer powers"):
        nf.tensor([1, 2]) ** -1
    assert (nf.tensor([1, 2]) ** -1.0).dtype == nf.float32
    assert (nf.tensor([1, 2]) ** 2).dtype == nf.int64
