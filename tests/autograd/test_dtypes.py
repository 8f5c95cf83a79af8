"""dtype objects: PyTorch's names, NumPy interoperability, and tensor conversions."""
import pickle

import numpy as np
import pytest
import torch

import nnforge as nf

NAMES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
ALIASES = {"half": "float16", "float": "float32", "double": "float64", "short": "int16",
           "int": "int32", "long": "int64"}


@pytest.mark.parametrize("name", NAMES)
def test_dtype_objects_mirror_torch(name):
    ours, theirs = getattr(nf, name), getattr(torch, name)
    assert repr(ours) == f"nnforge.{name}"
    assert ours.is_floating_point == theirs.is_floating_point
    assert ours.itemsize == theirs.itemsize
    assert ours == np.dtype(name if name != "bool" else np.bool_)
    assert hash(ours) == hash(getattr(nf, name))
    assert np.zeros(2, dtype=ours).dtype == np.dtype(ours)
    assert nf.zeros(2, dtype=ours).dtype is ours


def test_aliases_and_comparisons():
    for alias, name in ALIASES.items():
        assert getattr(nf, alias) is getattr(nf, name)
    assert nf.float32 == np.float32 and np.float32 == nf.float32
    assert nf.float32 != nf.float64 and nf.float32 != "not a dtype"
    assert nf.ones(2).dtype in (np.float32, np.float64)
    assert {nf.float32: 1}[nf.float32] == 1
    assert pickle.loads(pickle.dumps(nf.int64)) is nf.int64


def test_tensor_conversions_match_torch():
    values = [1.7, -2.2, 0.0]
    ours, theirs = nf.tensor(values), torch.tensor(values)
    for method in ("float", "double", "half", "long", "int", "short", "bool", "byte"):
        a, b = getattr(ours, method)(), getattr(theirs, method)()
        assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1], method
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert ours.to(nf.float64).dtype == nf.float64
    assert ours.to("cpu", nf.int64).dtype == nf.int64
    assert ours.to(nf.tensor([1], dtype=nf.int32)).dtype == nf.int32
    assert ours.to(dtype=nf.float16, device="cpu").dtype == nf.float16
    assert ours.to(nf.float32) is ours and ours.float() is ours
    assert ours.type() == "nnforge.FloatTensor" and ours.long().type() == "nnforge.LongTensor"
    assert ours.type(nf.float64).dtype == nf.float64
    assert ours.type("torch.DoubleTensor".replace("DoubleTensor", "float64")).dtype == \
        nf.float64


def test_casting_a_float_tensor_keeps_the_gradient():
    x = nf.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * 3
    assert y.dtype == nf.float64
    y.sum().backward()
    assert x.grad.dtype == nf.float32
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    assert not x.long().requires_grad


def test_requires_grad_needs_a_floating_dtype():
    with pytest.raises(TypeError, match="floating-point"):
        nf.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        nf.tensor([1, 2]).requires_grad_()


def test_item_tolist_and_format_like_torch():
    loss, tloss = nf.tensor(0.123456), torch.tensor(0.123456)
    assert f"{loss:.4f}" == f"{tloss:.4f}" == "0.1235"
    assert f"{nf.tensor(3)}" == "3"
    with pytest.raises(TypeError):
        f"{nf.tensor([1.0, 2.0]):.2f}"
    assert nf.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert isinstance(nf.tensor([2.5]).item(), float)
    assert list(range(nf.tensor(3))) == [0, 1, 2]


def test_new_factories_take_this_tensors_dtype_like_torch():
    ours, theirs = nf.ones(2, dtype=nf.float64), torch.ones(2, dtype=torch.float64)
    for call in (lambda t: t.new_zeros(2, 3), lambda t: t.new_ones((4,)),
                 lambda t: t.new_full((2,), 7), lambda t: t.new_tensor([1, 2]),
                 lambda t: t.new_zeros(2, dtype=t.new_tensor([1]).long().dtype)):
        a, b = call(ours), call(theirs)
        assert a.shape == tuple(b.shape)
        assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1]
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert ours.new_empty(3).shape == (3,)
    assert ours.new_zeros(2, requires_grad=True).requires_grad


def test_variable_is_the_tensor_itself():
    from nnforge.autograd import Variable

    x = nf.tensor([1.0, 2.0])
    assert Variable(x) is x
    v = Variable(nf.tensor([3.0]), requires_grad=True)
    (v * 2).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [2.0])
