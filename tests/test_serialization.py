"""safetensors save/load: dtypes and shapes kept, PyTorch round trips, clear errors."""
import os

import numpy as np
import pytest
import torch
from safetensors.torch import load_file as torch_load_file
from safetensors.torch import save_file as torch_save_file

import nnforge
import nnforge.serialization
from nnforge import nn, optim
from nnforge.serialization import load_metadata


def _mlp(generator):
    return nn.Sequential(nn.Linear(6, 5, generator=generator), nn.ReLU(),
                         nn.Linear(5, 3, generator=generator))


def _torch_mlp():
    # .float(): independent of torch's global default dtype
    return torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(),
                               torch.nn.Linear(5, 3)).float()


def test_round_trip_keeps_dtypes_shapes_and_scalars(tmp_path):
    state = {"w": np.arange(6, dtype=np.float32).reshape(2, 3).T,      # not contiguous
             "d": np.linspace(0, 1, 4),                                 # float64
             "num_batches_tracked": np.array(7, dtype=np.int64),        # 0-d int buffer
             "mask": np.array([True, False])}
    path = tmp_path / "s.safetensors"
    nnforge.save(state, path, metadata={"epoch": "3"})
    back = nnforge.load(path)
    assert set(back) == set(state)
    for k, v in state.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape
        np.testing.assert_array_equal(back[k], v)
    assert load_metadata(path) == {"epoch": "3"}
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []   # no temp left


def test_nnforge_file_loads_into_torch_model(tmp_path):
    model = _mlp(np.random.default_rng(0))
    path = tmp_path / "m.safetensors"
    nnforge.save(model.state_dict(), path)
    tmodel = _torch_mlp()
    tmodel.load_state_dict(torch_load_file(str(path)))
    x = np.random.default_rng(1).normal(size=(4, 6)).astype(np.float32)
    with torch.no_grad():
        expected = tmodel(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(nnforge.tensor(x)).data, expected, rtol=1e-5, atol=1e-6)


def test_torch_file_loads_into_nnforge_model(tmp_path):
    torch.manual_seed(0)
    tmodel = _torch_mlp()
    path = tmp_path / "t.safetensors"
    torch_save_file(tmodel.state_dict(), str(path))
    model = _mlp(np.random.default_rng(0))
    model.load_state_dict(nnforge.load(path))
    x = np.random.default_rng(2).normal(size=(4, 6)).astype(np.float32)
    with torch.no_grad():
        expected = tmodel(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(nnforge.tensor(x)).data, expected, rtol=1e-5, atol=1e-6)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.safetensors"):
        nnforge.load(tmp_path / "nope.safetensors")


@pytest.mark.parametrize("content", [b"", b"hello world, not weights",
                                     b"\xff" * 8 + b"{}", b"\x05\x00\x00\x00\x00\x00\x00\x00[1,2]"])
def test_not_a_safetensors_file(tmp_path, content):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad.safetensors"):
        nnforge.load(path)


def test_truncated_and_corrupted_files(tmp_path):
    path = tmp_path / "m.safetensors"
    nnforge.save({"w": np.ones((10, 10), np.float32)}, path)
    data = path.read_bytes()
    path.write_bytes(data[:-17])                                       # truncated buffer
    with pytest.raises(ValueError, match="m.safetensors: corrupt or truncated"):
        nnforge.load(path)
    header_len = int.from_bytes(data[:8], "little")
    path.write_bytes(data[:8] + b"{" + b"#" * (header_len - 1) + data[8 + header_len:])
    with pytest.raises(ValueError, match="m.safetensors"):
        nnforge.load(path)


def test_save_rejects_bad_input(tmp_path):
    with pytest.raises(TypeError, match="mapping"):
        nnforge.serialization.save([np.ones(2)], tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match=r"cannot store a set at obj\['optimizer'\]\['x'\]"):
        nnforge.save({"optimizer": {"x": {1, 2}}}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match=r"dict key of type tuple at obj\[1\]"):
        nnforge.save([0, {(1, 2): 3}], tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="entry 'x' has dtype <U1"):
        nnforge.save({"x": np.array(["a"])}, tmp_path / "x.safetensors")


def test_identical_state_gives_identical_bytes(tmp_path):
    state = {"w": np.arange(4, dtype=np.float32), "b": np.ones(2, np.float64)}
    meta = {f"key{i}": f"value {i} é" for i in range(8)}
    nnforge.save(state, tmp_path / "a.safetensors", metadata=meta)
    nnforge.save(dict(reversed(state.items())), tmp_path / "b.safetensors",
                 metadata=dict(reversed(meta.items())))
    assert (tmp_path / "a.safetensors").read_bytes() == (tmp_path / "b.safetensors").read_bytes()
    assert load_metadata(tmp_path / "a.safetensors") == meta
    torch_state = torch_load_file(str(tmp_path / "a.safetensors"))          # still valid
    np.testing.assert_array_equal(torch_state["w"].numpy(), state["w"])


def test_checkpoint_round_trip_keeps_structure_and_types(tmp_path):
    model = _mlp(np.random.default_rng(0))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    model(nnforge.tensor(np.ones((2, 6), np.float32))).sum().backward()
    optimizer.step()
    weight = nnforge.tensor(np.arange(3.0), requires_grad=True)
    checkpoint = {"epoch": 4, "loss": 0.25, "name": "mlp", "done": False, "note": None,
                  "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                  "history": [1.5, (2, "x")], "w": weight, "mask": np.array([True, False]),
                  "scale": np.float32(0.5)}
    path = tmp_path / "ckpt.pt"
    nnforge.save(checkpoint, path)
    back = nnforge.load(path)
    assert (back["epoch"], back["loss"], back["name"], back["done"], back["note"]) == \
        (4, 0.25, "mlp", False, None)
    assert back["history"] == [1.5, (2, "x")] and back["scale"] == 0.5
    assert isinstance(back["w"], nnforge.Tensor) and back["w"].requires_grad
    np.testing.assert_array_equal(back["w"].numpy(), weight.numpy())
    assert isinstance(back["mask"], np.ndarray) and back["mask"].dtype == np.bool_
    assert list(back["model"]) == list(checkpoint["model"])
    assert list(back["optimizer"]["state"]) == [0, 1, 2, 3]          # int keys stay ints
    fresh = _mlp(np.random.default_rng(5))
    fresh.load_state_dict(back["model"])
    fresh_optimizer = optim.Adam(fresh.parameters(), lr=0.5)
    fresh_optimizer.load_state_dict(back["optimizer"])
    assert fresh_optimizer.param_groups[0]["lr"] == 0.01
    x = nnforge.tensor(np.ones((1, 6), np.float32))
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_single_tensor_and_flat_state_dict(tmp_path):
    t = nnforge.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    nnforge.save(t, tmp_path / "t.pt")
    back = nnforge.load(tmp_path / "t.pt")
    assert isinstance(back, nnforge.Tensor) and back.shape == (2, 3)
    np.testing.assert_array_equal(back.numpy(), t.numpy())
    model = _mlp(np.random.default_rng(0))
    nnforge.save(model.state_dict(), tmp_path / "m.safetensors")
    assert load_metadata(tmp_path / "m.safetensors") == {}            # a plain file
    state = nnforge.load(tmp_path / "m.safetensors")
    assert all(isinstance(v, nnforge.Tensor) for v in state.values())
    _mlp(np.random.default_rng(1)).load_state_dict(state)
