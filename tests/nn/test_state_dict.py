"""Module.state_dict against PyTorch's: Tensors sharing memory with the module, detached
(or the Parameters themselves with keep_vars), and the idioms training code builds on it."""
import copy
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge import nn
from nnforge.train import EarlyStopping


def _pair():
    ours = nn.Sequential(nn.Linear(3, 4, generator=0), nn.BatchNorm1d(4), nn.ReLU(),
                         nn.Linear(4, 2, generator=1))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                 torch.nn.ReLU(), torch.nn.Linear(4, 2))
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    return ours, theirs


def _batch(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((8, 3)).astype(np.float32)
    return x, rng.integers(0, 2, size=8)


def _sgd_step(ours, theirs, x, y):
    """One identical SGD step (in place, as every optimizer steps) on both models."""
    ours_opt = nf.optim.SGD(ours.parameters(), lr=0.1)
    theirs_opt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    nn.functional.cross_entropy(ours(nf.tensor(x)), nf.tensor(y)).backward()
    torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)),
                                      torch.from_numpy(y)).backward()
    ours_opt.step()
    theirs_opt.step()


def test_entries_are_detached_tensors_equal_to_torchs():
    ours, theirs = _pair()
    mine, ref = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(ref)
    for name, value in mine.items():
        assert type(value) is nf.Tensor, name
        assert value.requires_grad is ref[name].requires_grad is False
        assert value.is_leaf and value.grad_fn is None
        assert str(value.dtype).split(".")[-1] == str(ref[name].dtype).split(".")[-1]
        assert tuple(value.size()) == tuple(ref[name].size())
        assert value.numel() == ref[name].numel()
        np.testing.assert_array_equal(value.numpy(), ref[name].numpy())


def test_parameter_entries_share_memory_with_the_parameters():
    ours, _ = _pair()
    state = ours.state_dict()
    assert np.shares_memory(state["0.weight"].numpy(), ours[0].weight.numpy())
    assert np.shares_memory(state["1.running_mean"].numpy(), ours[1].running_mean)


def test_an_in_place_step_shows_in_an_earlier_state_dict_as_in_torch():
    ours, theirs = _pair()
    mine, ref = ours.state_dict(), theirs.state_dict()
    before = {k: v.clone() for k, v in mine.items()}
    _sgd_step(ours, theirs, *_batch())
    for name in ("0.weight", "3.bias", "1.running_mean", "1.running_var",
                 "1.num_batches_tracked"):
        assert not np.array_equal(mine[name].numpy(), before[name].numpy()), name
        np.testing.assert_allclose(mine[name].numpy(), ref[name].numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=name)
    np.testing.assert_array_equal(mine["0.weight"].numpy(), ours[0].weight.numpy())


def test_writing_through_an_entry_writes_the_module_as_in_torch():
    ours, theirs = _pair()
    with nf.no_grad():
        ours.state_dict()["3.bias"].copy_(nf.tensor([1.5, -2.0]))
    with torch.no_grad():
        theirs.state_dict()["3.bias"].copy_(torch.tensor([1.5, -2.0]))
    np.testing.assert_array_equal(ours[3].bias.numpy(), theirs[3].bias.detach().numpy())
    np.testing.assert_array_equal(ours[3].bias.numpy(), [1.5, -2.0])


def test_keep_vars_returns_the_parameters_themselves():
    ours, theirs = _pair()
    mine, ref = ours.state_dict(keep_vars=True), theirs.state_dict(keep_vars=True)
    assert mine["0.weight"] is ours[0].weight and ref["0.weight"] is theirs[0].weight
    assert mine["0.weight"].requires_grad and ref["0.weight"].requires_grad
    assert not mine["1.running_mean"].requires_grad and not ref["1.running_mean"].requires_grad


def test_prefix_and_destination_as_in_torch():
    ours, theirs = _pair()
    assert list(ours[1].state_dict(prefix="bn.")) == list(theirs[1].state_dict(prefix="bn."))
    target = {"kept": nf.tensor(0.0)}
    result = ours[3].state_dict(destination=target, prefix="head.")
    assert result is target
    assert list(result) == ["kept", "head.weight", "head.bias"]


def test_clone_dict_snapshot_restores_the_earlier_weights():
    ours, theirs = _pair()
    best = {k: v.clone() for k, v in ours.state_dict().items()}
    saved = {k: v.numpy().copy() for k, v in ours.state_dict().items()}
    _sgd_step(ours, theirs, *_batch())
    for name, value in best.items():          # the snapshot did not follow the step
        np.testing.assert_array_equal(value.numpy(), saved[name])
    ours.load_state_dict(best)
    for name, value in ours.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), saved[name])


def test_deepcopy_is_an_independent_snapshot():
    ours, theirs = _pair()
    backup = copy.deepcopy(ours.state_dict())
    saved = {k: v.numpy().copy() for k, v in ours.state_dict().items()}
    _sgd_step(ours, theirs, *_batch())
    assert all(type(v) is nf.Tensor for v in backup.values())
    for name, value in backup.items():
        np.testing.assert_array_equal(value.numpy(), saved[name])
    ours.load_state_dict(backup)
    np.testing.assert_array_equal(ours[0].weight.numpy(), saved["0.weight"])


def test_save_and_load_round_trip_into_another_model(tmp_path):
    ours, theirs = _pair()
    _sgd_step(ours, theirs, *_batch())
    nf.save(ours.state_dict(), tmp_path / "weights.pt")
    loaded = nf.load(tmp_path / "weights.pt")
    assert sorted(loaded) == sorted(ours.state_dict())
    assert all(type(v) is nf.Tensor for v in loaded.values())
    other, _ = _pair()
    other.load_state_dict(loaded)
    for name, value in other.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), ours.state_dict()[name].numpy())
        assert value.dtype == ours.state_dict()[name].dtype


def test_loading_another_models_state_copies_it():
    ours, theirs = _pair()
    twin = nn.Sequential(nn.Linear(3, 4, generator=5), nn.BatchNorm1d(4), nn.ReLU(),
                         nn.Linear(4, 2, generator=6))
    twin.load_state_dict(ours.state_dict())
    copied = twin[0].weight.numpy().copy()
    np.testing.assert_array_equal(copied, ours[0].weight.numpy())
    _sgd_step(ours, theirs, *_batch())
    np.testing.assert_array_equal(twin[0].weight.numpy(), copied)
    assert not np.shares_memory(twin[0].weight.numpy(), ours[0].weight.numpy())


@pytest.mark.parametrize("convert", [lambda v: v, lambda v: v.numpy().copy(),
                                     lambda v: torch.from_numpy(v.numpy().copy())],
                         ids=["tensor", "ndarray", "torch"])
def test_load_state_dict_accepts_tensors_arrays_and_torch_tensors(convert):
    source, _ = _pair()
    with nf.no_grad():
        for p in source.parameters():
            p.mul_(-2.0)
    target, _ = _pair()
    target.load_state_dict({k: convert(v) for k, v in source.state_dict().items()})
    for name, value in target.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), source.state_dict()[name].numpy())


def test_loading_the_running_count_keeps_it_shared_with_earlier_state_dicts():
    ours, theirs = _pair()
    state = ours.state_dict()
    ours.load_state_dict({k: v.clone() for k, v in state.items()})
    _sgd_step(ours, theirs, *_batch())
    assert state["1.num_batches_tracked"].item() == 1
    assert theirs.state_dict()["1.num_batches_tracked"].item() == 1


def test_early_stopping_restores_the_best_epoch_not_the_last():
    """The state dict now aliases the weights, so the best weights must be a copy: with
    in-place updates every epoch, an alias would restore the last epoch's weights."""
    model = nn.Linear(2, 1, generator=0)
    trainer = SimpleNamespace(model=model, stop_training=False, stop_reason=None,
                              history=None)
    callback = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    callback.set_trainer(trainer)
    callback.on_train_begin()
    for epoch, val_loss in enumerate([3.0, 2.0, 1.0, 4.0, 5.0]):
        with nf.no_grad():
            model.weight.fill_(float(epoch))   # in place, like an optimizer step
            model.bias.fill_(-float(epoch))
        callback.on_epoch_end(epoch, {"val_loss": val_loss})
        if trainer.stop_training:
            break
    callback.on_train_end()
    assert callback.best_epoch == 3 and callback.restored_epoch == 3
    np.testing.assert_array_equal(model.weight.numpy(), [[2.0, 2.0]])
    np.testing.assert_array_equal(model.bias.numpy(), [-2.0])
