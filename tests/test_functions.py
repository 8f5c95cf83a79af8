"""Top-level function forms (`nf.sin(x)`, `nf.max(x, 1)` ...) give PyTorch's values, and the
sub-packages are reachable by torch's attribute and import paths."""
import importlib

import numpy as np
import pytest
import torch

import nnforge as nf

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))
P = RNG.uniform(0.5, 2.0, (3, 4))
M = RNG.standard_normal((4, 2))
BATCH = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 4, 5))
IDX = np.array([[0, 3], [1, 1], [2, 0]])

# name, arguments (arrays become each library's tensors), keyword arguments
CALLS = [
    ("matmul", (A, M), {}), ("mm", (A, M), {}), ("bmm", BATCH, {}),
    ("sin", (A,), {}), ("cos", (A,), {}), ("tan", (A,), {}), ("exp", (A,), {}),
    ("log", (P,), {}), ("sqrt", (P,), {}), ("abs", (A,), {}), ("square", (A,), {}),
    ("clamp", (A,), {"min": -0.5, "max": 0.5}), ("sign", (A,), {}), ("round", (A * 3,), {}),
    ("sum", (A,), {}), ("sum", (A, 1), {}), ("mean", (A,), {"dim": 0, "keepdim": True}),
    ("std", (A,), {}), ("std", (A, 1), {}), ("var", (A, 0), {}), ("prod", (P, 1), {}),
    ("cumsum", (A, 0), {}), ("norm", (A,), {}),
    ("max", (A,), {}), ("max", (A, 1), {}), ("max", (A, B), {}), ("min", (A, 0), {}),
    ("min", (A,), {}), ("argmax", (A,), {}), ("argmax", (A, 1), {}), ("argmin", (A, 0), {}),
    ("maximum", (A, B), {}), ("minimum", (A, B), {}), ("pow", (P, 1.5), {}),
    ("pow", (2.0, A), {}),
    ("eq", (A, A), {}), ("ne", (A, B), {}), ("lt", (A, B), {}), ("gt", (A, 0.0), {}),
    ("le", (A, B), {}), ("ge", (A, B), {}),
    ("where", (A > 0, A, B), {}), ("where", (A > 0, A, 0.0), {}), ("where", (A > 0,), {}),
    ("cat", ([A, B], 1), {}), ("stack", ([A, B],), {}), ("split", (A, 2), {"dim": 1}),
    ("chunk", (A, 3), {}), ("flatten", (BATCH[0],), {"start_dim": 1}),
    ("squeeze", (A[:, None],), {}), ("unsqueeze", (A, 1), {}), ("reshape", (A, (2, 6)), {}),
    ("permute", (BATCH[0], (2, 0, 1)), {}), ("transpose", (A, 0, 1), {}), ("t", (A,), {}),
    ("gather", (A, 1, IDX), {}), ("topk", (A, 2), {}), ("sort", (A,), {"dim": 0}),
    ("argsort", (A,), {"dim": 1}),
    ("relu", (A,), {}), ("sigmoid", (A,), {}), ("tanh", (A,), {}),
    ("softmax", (A, 1), {}), ("log_softmax", (A, 0), {}),
    ("all", (A > -5,), {}), ("any", (A > 1,), {}), ("masked_fill", (A, A > 0, 0.5), {}),
    ("add", (A, B), {}), ("sub", (A, B), {"alpha": 2}), ("mul", (A, 2.0), {}),
    ("div", (A, P), {}), ("neg", (A,), {}),
]


def _convert(value, make):
    if isinstance(value, np.ndarray):
        return make(value)
    if isinstance(value, list):
        return [_convert(v, make) for v in value]
    return value


def _flat(result):
    return list(result) if isinstance(result, tuple) else [result]


@pytest.mark.parametrize("name, args, kwargs", CALLS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CALLS)])
def test_function_form_matches_torch(name, args, kwargs):
    ours = getattr(nf, name)(*[_convert(a, nf.tensor) for a in args], **kwargs)
    theirs = getattr(torch, name)(*[_convert(a, torch.tensor) for a in args], **kwargs)
    ours, theirs = _flat(ours), _flat(theirs)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(np.asarray(o), t.numpy(), rtol=1e-7, atol=1e-12)


def test_alpha_scales_a_list_or_number_operand_as_values():
    x, tx = nf.tensor(A[0, :2]), torch.tensor(A[0, :2])
    for ours, theirs in ((nf.add(x, [1.0, 2.0], alpha=2), torch.add(tx, torch.tensor([1.0, 2.0]),
                                                                     alpha=2)),
                         (nf.sub(x, 3.0, alpha=0.5), torch.sub(tx, 3.0, alpha=0.5))):
        np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-12)


def test_predicates_and_counts():
    a, b = nf.tensor(A), nf.tensor(A + 1e-9)
    assert nf.is_tensor(a) and not nf.is_tensor(A)
    assert nf.numel(a) == 12
    assert nf.allclose(a, b) and not nf.equal(a, b) and nf.equal(a, nf.tensor(A.copy()))
    assert not nf.equal(a, nf.tensor(A[:2]))


def test_function_forms_are_differentiable():
    x = nf.tensor(A, requires_grad=True)
    tx = torch.tensor(A, requires_grad=True)
    (nf.sin(x) * nf.cos(x) + nf.max(x, 1).values.sum()).sum().backward()
    (torch.sin(tx) * torch.cos(tx) + torch.max(tx, 1).values.sum()).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("path", ["nnforge.nn", "nnforge.nn.functional", "nnforge.nn.init",
                                  "nnforge.nn.utils", "nnforge.optim",
                                  "nnforge.optim.lr_scheduler", "nnforge.autograd",
                                  "nnforge.utils", "nnforge.utils.data"])
def test_subpackages_importable_and_reachable_as_attributes(path):
    module = importlib.import_module(path)
    reached = nf
    for part in path.split(".")[1:]:
        reached = getattr(reached, part)
    assert reached is module


def test_torch_names_exist_in_subpackages():
    for name in ("Linear", "Conv2d", "Embedding", "SmoothL1Loss", "HuberLoss", "Sequential",
                 "Module", "CrossEntropyLoss"):
        assert hasattr(nf.nn, name), name
    for name in ("Dataset", "DataLoader", "TensorDataset", "Subset", "random_split",
                 "SequentialSampler", "RandomSampler", "BatchSampler", "SubsetRandomSampler",
                 "WeightedRandomSampler"):
        assert hasattr(nf.utils.data, name), name
    assert nf.utils.data.DataLoader is nf.data.DataLoader             # one class, re-exported
    assert nf.nn.utils.clip_grad_norm_ is nf.optim.clip_grad_norm_
    assert hasattr(nf.optim.lr_scheduler, "StepLR") and hasattr(nf.autograd, "Function")
