"""Loading a state dict into a `Module`: every array is checked against the module's own
(names and shapes) before any is copied, and copied in place."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from ..autograd import Tensor

if TYPE_CHECKING:
    from .module import Module


def load_state(module: Module, state_dict: dict[str, Any],
               strict: bool = True) -> tuple[list[str], list[str]]:
    """`module.load_state_dict(state_dict, strict)`: (missing keys, unexpected keys)."""
    own = module.state_dict()
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
    targets = dict(_state_targets(module, ""))
    for key, (owner, kind, name) in targets.items():
        if key not in incoming:
            continue
        value = incoming[key]
        param, buffer = owner._parameters.get(name), owner._buffers.get(name)
        if kind == "param" and param is not None:
            param._data[...] = value.astype(param._data.dtype, copy=False)
        elif buffer is not None:
            if buffer.shape == () or not buffer.flags.writeable:
                owner.register_buffer(name, value.astype(buffer.dtype).copy())
            else:
                buffer[...] = value.astype(buffer.dtype, copy=False)
    return missing, unexpected


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
