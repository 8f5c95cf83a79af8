"""nn.Embedding and F.embedding against torch: values, weight gradients (repeated ids add
up), padding_idx, max_norm, from_pretrained, and clear errors."""
import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge import nn
from nnforge.autograd import gradcheck
from nnforge.nn import functional as F

IDS = np.array([[1, 3, 3, 0], [4, 1, 0, 2]])


def test_matches_torch_with_repeated_ids(torch_parity):
    ours = nn.Embedding(5, 3, generator=0)
    torch_parity(ours, torch.nn.Embedding(5, 3), inputs=(), targets=(IDS,))


def test_padding_row_starts_at_zero_and_gets_no_gradient(torch_parity):
    ours = nn.Embedding(5, 3, padding_idx=0, generator=1)
    assert not ours.weight.numpy()[0].any()
    ours.weight.numpy()[0] = 0.5                     # a non-zero padding row is still frozen
    torch_parity(ours, torch.nn.Embedding(5, 3, padding_idx=0), inputs=(), targets=(IDS,))
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4


def test_max_norm_renormalizes_rows_like_torch():
    rng = np.random.default_rng(2)
    table = rng.standard_normal((6, 4)) * 3
    ours = nn.Embedding.from_pretrained(nf.tensor(table), freeze=False, max_norm=1.5)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=False,
                                                max_norm=1.5)
    out = ours(nf.tensor(IDS))
    with torch.no_grad():
        ref = theirs(torch.from_numpy(IDS))
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-6)
    assert np.allclose(np.linalg.norm(ours.weight.numpy()[5]), np.linalg.norm(table[5]))


def test_from_pretrained_freezes_and_copies():
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    layer = nn.Embedding.from_pretrained(table)
    assert not layer.weight.requires_grad and list(layer.parameters())[0] is layer.weight
    table[0, 0] = 100.0
    assert layer.weight.numpy()[0, 0] == 0.0
    np.testing.assert_array_equal(layer(nf.tensor(np.array([2]))).numpy(), [[6.0, 7.0, 8.0]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_functional_gradcheck_and_shapes():
    weight = nf.tensor(np.random.default_rng(3).standard_normal((5, 2)), requires_grad=True)
    assert gradcheck(lambda w: F.embedding(IDS, w), weight)
    assert F.embedding(np.array(2), weight).shape == (2,)
    assert nn.Embedding(5, 2)(nf.tensor(IDS)).shape == (2, 4, 2)
    assert repr(nn.Embedding(5, 2, padding_idx=1)) == "Embedding(5, 2, padding_idx=1)"


def test_clear_errors():
    layer = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match="index 7 is out of range for an embedding table of 5"):
        layer(nf.tensor(np.array([1, 7])))
    with pytest.raises(TypeError, match="indices must be integers"):
        layer(nf.tensor(np.array([1.0])))
    with pytest.raises(ValueError, match="num_embeddings must be a positive integer"):
        nn.Embedding(0, 2)
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=5)
