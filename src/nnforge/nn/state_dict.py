"""A `Module`'s state dict: collecting it (name -> Tensor sharing memory with the module's
parameters and buffers, as PyTorch does) and loading one (every value is checked against
the module's own names and shapes before any is copied, and copied in place)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, MutableMapping

import numpy as np

from ..autograd import Tensor

if TYPE_CHECKING:
    from .module import Module


def collect_state(module: Module, destination: MutableMapping[str, Tensor], prefix: str,
                  keep_vars: bool) -> None:
    """Put every parameter and buffer of `module` into `destination` under its dotted name
    (each module's parameters, then its buffers, then its children: PyTorch's order).

    Parameters are detached views of their data (`keep_vars=True`: the Parameters
    themselves); buffers are Tensors wrapping the buffer's array. Nothing is copied, so
    the values follow in-place updates of the module, as PyTorch's do."""
    for name, p in module._parameters.items():
        if p is not None:
            destination[prefix + name] = p if keep_vars else p.detach()
    for name, b in module._buffers.items():
        if b is not None:
            destination[prefix + name] = Tensor._make(b, False, None)
    for name, m in module._modules.items():
        if m is not None:
            collect_state(m, destination, f"{prefix}{name}.", keep_vars)


def load_state(module: Module, state_dict: dict[str, Any],
               strict: bool = True) -> tuple[list[str], list[str]]:
    """`module.load_state_dict(state_dict, strict)`: (missing keys, unexpected keys)."""
    targets = dict(_state_targets(module, ""))
    own = {key: _current(owner, kind, name) for key, (owner, kind, name) in targets.items()}
    incoming = {k: to_numpy(v) for k, v in state_dict.items()}
    missing = [k for k in own if k not in incoming]
    unexpected = [k for k in incoming if k not in own]
    if strict and (missing or unexpected):
        parts = []
        if missing:
            parts.append(f"missing keys {missing}")
        if unexpected:
            parts.append(f"unexpected keys {unexpected}")
        raise KeyError(f"load_state_dict() for {type(module).__name__}: "
                       + "; ".join(parts))
    mismatched = [f"{k}: expected {own[k].shape}, got {incoming[k].shape}"
                  for k in own if k in incoming and own[k].shape != incoming[k].shape]
    if mismatched:
        raise ValueError(f"load_state_dict() for {type(module).__name__}: shape mismatch "
                         f"for " + "; ".join(mismatched))
    for key, (owner, kind, name) in targets.items():
        if key not in incoming:
            continue
        value = incoming[key]
        param, buffer = owner._parameters.get(name), owner._buffers.get(name)
        if kind == "param" and param is not None:
            param._data[...] = value.astype(param._data.dtype, copy=False)
        elif buffer is not None:
            if not isinstance(buffer, np.ndarray) or not buffer.flags.writeable:
                owner.register_buffer(name, value.astype(buffer.dtype).copy())
            else:
                buffer[...] = value.astype(buffer.dtype, copy=False)
    return missing, unexpected


def _current(owner: Module, kind: str, name: str) -> np.ndarray:
    """The array a parameter or buffer holds now."""
    if kind == "param":
        param = owner._parameters[name]
        assert param is not None        # _state_targets skips the unset ones
        return param._data
    buffer = owner._buffers[name]
    assert buffer is not None
    return np.asarray(buffer)


def _state_targets(module: Module,
                   prefix: str) -> Iterator[tuple[str, tuple[Module, str, str]]]:
    """(dotted name, (owning module, "param" or "buffer", attribute name)) of every
    parameter and buffer, in state-dict order."""
    for name, p in module._parameters.items():
        if p is not None:
            yield prefix + name, (module, "param", name)
    for name, b in module._buffers.items():
        if b is not None:
            yield prefix + name, (module, "buffer", name)
    for name, m in module._modules.items():
        if m is not None:
            yield from _state_targets(m, f"{prefix}{name}.")


def to_numpy(value: Any) -> np.ndarray:
    """Arrays from NumPy, nnforge tensors, and anything with .numpy() (torch tensors)."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()
    return np.asarray(value)
