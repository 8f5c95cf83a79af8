"""`Module`: the base of every layer and model, with PyTorch's registration rules.

Assigning a `Parameter` or a `Module` to an attribute registers it under that name, so
`parameters()`, `named_parameters()` and `state_dict()` find it with PyTorch's dotted names
("0.weight", "encoder.fc1.bias"). Buffers (running statistics) are registered with
`register_buffer` and saved in the state dict but never trained.
"""
from collections import OrderedDict

import numpy as np

from ..autograd import Tensor
from ..autograd import grad_mode as _grad_mode
from ..mistake_warnings import TrainModeEvaluationWarning, guard_warn, would_warn
from .parameter import Parameter

def _guard_train_mode(module):
    """NF-GUARD-002: a container in training mode runs without a graph (under no_grad, the
    way one evaluates) while a Dropout/BatchNorm inside is in training mode too.

    What this sees: evaluation written as `with no_grad(): model(X_val)` that forgot
    `model.eval()`. What it cannot see: the same mistake with the graph on; held-out arrays
    carry no tag once they are Tensors. `nnforge.diagnose.check_eval_mode(model)` asks
    explicitly. Monte-Carlo dropout (container in eval mode, only Dropout layers in training
    mode) stays silent."""
    if not would_warn(TrainModeEvaluationWarning):
        return
    for name, m in module.named_modules():
        if m.training and m.mode_dependent:
            guard_warn(TrainModeEvaluationWarning,
                       f"{type(module).__name__} ran under no_grad() in training mode, so "
                       f"{type(m).__name__} '{name}' behaves as in training (dropping units / "
                       "batch statistics); call model.eval() before evaluating and "
                       "model.train() before training again", stacklevel=4)
            return


class RemovableHandle:
    """Returned by `register_forward_hook`; `remove()` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


class Module:
    """Base class of layers and models: subclasses set attributes in `__init__` and
    define `forward`."""

    #: True for a layer whose output depends on train/eval mode (Dropout drops units,
    #: BatchNorm uses batch statistics); the train-mode guards look for it.
    mode_dependent = False
    #: True for a normalization layer (BatchNorm): its 1-D scale and shift stay out of
    #: weight decay in `optim.regularized_param_groups`.
    is_normalization = False

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # --- registration -----------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attribute {name!r}")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            target = params
        elif isinstance(value, Module):
            target = modules
        elif name in buffers and (value is None or isinstance(value, np.ndarray)):
            target = buffers  # re-assigning a registered buffer keeps it a buffer
        else:
            target = None
        # NOTE: replace in place (dict order kept) so state_dict order stays PyTorch's
        for table in (params, buffers, modules):
            if table is not target:
                table.pop(name, None)
        if target is not None:
            target[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for table in (self._parameters, self._buffers, self._modules):
            table.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register `param` (a Parameter or None) under `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a Parameter or None, got "
                            f"{type(param).__name__}")
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name, array):
        """Register a non-trainable array (e.g. running statistics) saved in the state dict."""
        if array is not None:
            array = np.asarray(array._data if isinstance(array, Tensor) else array)
        self._buffers[name] = array
        object.__setattr__(self, name, array)

    def register_module(self, name, module):
        setattr(self, name, module)

    add_module = register_module

    # --- calling ----------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        if self.training and not _grad_mode.enabled and self._modules:
            _guard_train_mode(self)
        output = self.forward(*args, **kwargs)
        hooks = self.__dict__.get("_forward_hooks")
        if hooks:
            for hook in list(hooks.values()):
                result = hook(self, args, output)
                if result is not None:
                    output = result
        return output

    def register_forward_hook(self, hook):
        """Call `hook(module, args, output)` after every forward (PyTorch's semantics: `args`
        is the tuple of positional inputs; a non-None return value replaces the output).
        Returns a handle whose `remove()` unregisters it. Hooks are not saved in the
        state dict."""
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}.register_forward_hook: expected a callable, "
                            f"got {type(hook).__name__}")
        hooks = self.__dict__.get("_forward_hooks")
        if hooks is None:
            hooks = OrderedDict()
            object.__setattr__(self, "_forward_hooks", hooks)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    # --- traversal --------------------------------------------------------------------
    def named_modules(self, prefix=""):
        """This module and all submodules, depth first, with dotted names."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{k}" if name else k, m)
                        for k, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, Parameter) pairs; a parameter shared by two layers appears once."""
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, p in module._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{module_name}.{name}" if module_name else name), p

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def num_parameters(self, trainable_only=False):
        """The number of scalar parameters (shared ones once); `trainable_only` counts only
        those with requires_grad. See `nn.num_parameters`."""
        from .parameter_count import num_parameters
        return num_parameters(self, trainable_only)

    def named_buffers(self, prefix=""):
        for module_name, module in self.named_modules(prefix):
            for name, b in module._buffers.items():
                if b is not None:
                    yield (f"{module_name}.{name}" if module_name else name), b

    def buffers(self):
        for _, b in self.named_buffers():
            yield b

    # --- state --------------------------------------------------------------------------
    def state_dict(self):
        """Ordered name -> array of every parameter and buffer, PyTorch's order and names
        (each module's parameters, then its buffers, then its children)."""
        state = OrderedDict()
        self._collect_state(state, "")
        return state

    def _collect_state(self, state, prefix):
        for name, p in self._parameters.items():
            if p is not None:
                state[prefix + name] = p._data
        for name, b in self._buffers.items():
            if b is not None:
                state[prefix + name] = b
        for name, m in self._modules.items():
            if m is not None:
                m._collect_state(state, f"{prefix}{name}.")

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays (anything array-like, torch tensors included) into parameters and
        buffers in place. Missing or unexpected names and shape mismatches raise a
        KeyError/ValueError listing them all."""
        own = self.state_dict()
        incoming = {k: _to_numpy(v) for k, v in state_dict.items()}
        missing = [k for k in own if k not in incoming]
        unexpected = [k for k in incoming if k not in own]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append(f"missing keys {missing}")
            if unexpected:
                parts.append(f"unexpected keys {unexpected}")
            raise KeyError(f"load_state_dict() for {type(self).__name__}: "
                           + "; ".join(parts))
        mismatched = [f"{k}: expected {own[k].shape}, got {incoming[k].shape}"
                      for k in own if k in incoming and own[k].shape != incoming[k].shape]
        if mismatched:
            raise ValueError(f"load_state_dict() for {type(self).__name__}: shape mismatch "
                             f"for " + "; ".join(mismatched))
        targets = dict(self._state_targets(""))
        for key, (module, kind, name) in targets.items():
            if key not in incoming:
                continue
            value = incoming[key]
            if kind == "param":
                param = module._parameters[name]
                param._data[...] = value.astype(param._data.dtype, copy=False)
            else:
                buffer = module._buffers[name]
                if buffer.shape == () or not buffer.flags.writeable:
                    module.register_buffer(name, value.astype(buffer.dtype).copy())
                else:
                    buffer[...] = value.astype(buffer.dtype, copy=False)
        return missing, unexpected

    def _state_targets(self, prefix):
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, (self, "param", name)
        for name, b in self._buffers.items():
            if b is not None:
                yield prefix + name, (self, "buffer", name)
        for name, m in self._modules.items():
            if m is not None:
                yield from m._state_targets(f"{prefix}{name}.")

    # --- modes and gradients ------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) recursively."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self):
        """Set evaluation mode recursively; same as `train(False)`."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if set_to_none or p._grad is None:
                p.grad = None
            else:
                p._grad[...] = 0

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def apply(self, fn):
        """Call `fn` on every submodule (children first) and on self; returns self."""
        for m in reversed(list(self.modules())):
            fn(m)
        return self

    def to(self, *args, dtype=None, device=None, non_blocking=False):
        """Move to a device (only the CPU exists) and/or cast every floating parameter and
        buffer to `dtype` in place: `to("cpu")`, `to(nnforge.float64)`, `to(device, dtype)`,
        `to(tensor)`. Returns self."""
        from ..autograd.device import to_device
        from ..autograd.dtypes import to_numpy_dtype

        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, str) or type(a).__name__ == "device":
                device = a
            else:
                dtype = a
        to_device(device)
        if dtype is None:
            return self
        dtype = to_numpy_dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}.to(): modules can only be cast to a "
                            f"floating-point dtype, got {dtype}")
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None and p._data.dtype != dtype:
                    p._data = p._data.astype(dtype)
                    p.grad = None
            for name, b in list(m._buffers.items()):
                if b is not None and b.dtype.kind == "f":
                    m.register_buffer(name, b.astype(dtype))
        return self

    def cpu(self):
        return self

    def cuda(self, device=None):
        from ..autograd.device import cpu_only_error

        raise cpu_only_error("cuda" if device is None else f"cuda:{device}")

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    def half(self):
        return self.to(np.float16)

    # --- printing -----------------------------------------------------------------------
    def extra_repr(self):
        """The constructor arguments, shown inside the layer's repr."""
        return ""

    def __repr__(self):
        children = [f"({name}): " + repr(m).replace("\n", "\n  ")
                    for name, m in self._modules.items() if m is not None]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        return head + "\n  " + "\n  ".join(children) + "\n)"

    def __getattr__(self, name):
        # only reached when normal lookup fails: never return None for unknown names
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")


def _to_numpy(value):
    """Arrays from NumPy, nnforge tensors, and anything with .numpy() (torch tensors)."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()
    return np.asarray(value)
