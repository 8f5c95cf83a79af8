"""`Module`: the base of every layer and model, with PyTorch's registration rules.

Assigning a `Parameter` or a `Module` to an attribute registers it under that name, so
`parameters()`, `named_parameters()` and `state_dict()` find it with PyTorch's dotted names
("0.weight", "encoder.fc1.bias"). Buffers (running statistics) are registered with
`register_buffer` and saved in the state dict but never trained.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, TypeVar, Union

import numpy as np
import numpy.typing as npt

from ..autograd import Tensor
from ..autograd import grad_mode as _grad_mode
from ..autograd.device import DeviceLike, cpu_only_error, device as Device, to_device
from ..autograd.dtypes import DTypeLike, to_numpy_dtype
from ..mistake_warnings import TrainModeEvaluationWarning, guard_warn, would_warn
from .hooks import ForwardHook, RemovableHandle
from .parameter import Parameter
from .parameter_count import num_parameters
from .state_dict import collect_state, load_state

_ModuleT = TypeVar("_ModuleT", bound="Module")


def _guard_train_mode(module: Module) -> None:
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


class Module:
    """Base class of layers and models: subclasses set attributes in `__init__` and define
    `forward`.

    Assigning a Parameter or a Module to an attribute registers it, so `parameters()`,
    `state_dict()`, `train()`/`eval()` and `to()` reach it. Call the module, not `forward`:
    the call also runs the forward hooks and the train-mode guard.

    Attributes
    ----------
    training : bool
        True in training mode (the default), False after `eval()`.
    mode_dependent : bool
        Class attribute: True for a layer whose output depends on train/eval mode
        (Dropout drops units, BatchNorm uses batch statistics).

    Examples
    --------
    >>> import nnforge
    >>> class TwoLayer(nnforge.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nnforge.nn.Linear(3, 4)
    ...         self.out = nnforge.nn.Linear(4, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> model = TwoLayer()
    >>> [name for name, _ in model.named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    >>> model.num_parameters(), tuple(model(nnforge.zeros(2, 3)).shape)
    (21, (2, 1))
    """

    #: True for a layer whose output depends on train/eval mode (Dropout drops units,
    #: BatchNorm uses batch statistics); the train-mode guards look for it.
    mode_dependent = False
    #: True for a normalization layer (BatchNorm): its 1-D scale and shift stay out of
    #: weight decay in `optim.regularized_param_groups`.
    is_normalization = False

    _parameters: OrderedDict[str, Optional[Parameter]]
    _buffers: OrderedDict[str, Optional[np.ndarray]]
    _modules: OrderedDict[str, Module]
    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # --- registration -----------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attribute {name!r}")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        target: Optional[OrderedDict[str, Any]]
        if isinstance(value, Parameter):
            target = params
        elif isinstance(value, Module):
            target = modules
        elif name in buffers and (value is None or isinstance(value, np.ndarray)):
            target = buffers  # re-assigning a registered buffer keeps it a buffer
        else:
            target = None
        # NOTE: replace in place (dict order kept) so state_dict order stays PyTorch's
        tables: tuple[OrderedDict[str, Any], ...] = (params, buffers, modules)
        for table in tables:
            if table is not target:
                table.pop(name, None)
        if target is not None:
            target[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        tables: tuple[OrderedDict[str, Any], ...] = (self._parameters, self._buffers,
                                                     self._modules)
        for table in tables:
            table.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Optional[Parameter]) -> None:
        """Register `param` (a Parameter or None) under `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a Parameter or None, got "
                            f"{type(param).__name__}")
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str,
                        array: Union[None, Tensor, npt.ArrayLike]) -> None:
        """Register a non-trainable array (e.g. running statistics) saved in the state dict."""
        buffer = None
        if array is not None:
            buffer = np.asarray(array._data if isinstance(array, Tensor) else array)
        self._buffers[name] = buffer
        object.__setattr__(self, name, buffer)

    def register_module(self, name: str, module: Module) -> None:
        """Register `module` as the child `name`; the same as assigning it."""
        setattr(self, name, module)

    add_module = register_module

    # --- calling ----------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of the module; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
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

    def register_forward_hook(self, hook: ForwardHook) -> RemovableHandle:
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
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and all submodules, depth first, with dotted names."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{k}" if name else k, m)
                        for k, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and all submodules, depth first."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules with their names."""
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix: str = "",
                         recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs; a parameter shared by two layers appears once."""
        seen: set[int] = set()
        modules: Iterable[tuple[str, Module]] = \
            self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, p in module._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{module_name}.{name}" if module_name else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every Parameter (of the submodules too, unless `recurse` is False), once each."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def num_parameters(self, trainable_only: bool = False) -> int:
        """The number of scalar parameters (shared ones once); `trainable_only` counts only
        those with requires_grad. See `nn.num_parameters`."""
        return num_parameters(self, trainable_only)

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        """(dotted name, array) of every registered buffer that is not None."""
        for module_name, module in self.named_modules(prefix):
            for name, b in module._buffers.items():
                if b is not None:
                    yield (f"{module_name}.{name}" if module_name else name), b

    def buffers(self) -> Iterator[np.ndarray]:
        """Every registered buffer that is not None."""
        for _, b in self.named_buffers():
            yield b

    # --- state --------------------------------------------------------------------------
    def state_dict(self, *, destination: Optional[dict[str, Tensor]] = None,
                   prefix: str = "", keep_vars: bool = False) -> dict[str, Tensor]:
        """Ordered name -> Tensor of every parameter and buffer, PyTorch's order and names
        (each module's parameters, then its buffers, then its children).

        As in PyTorch, the values share memory with the module (detached, so
        `requires_grad=False`): an in-place optimizer step shows through, and a snapshot
        needs `{k: v.clone() for k, v in model.state_dict().items()}`.

        Parameters
        ----------
        destination : dict, optional
            Filled and returned instead of a new OrderedDict.
        prefix : str
            Put before every name ("encoder." gives "encoder.weight").
        keep_vars : bool
            Return the Parameters themselves rather than detached views.

        Examples
        --------
        >>> import nnforge
        >>> layer = nnforge.nn.Linear(2, 1)
        >>> state = layer.state_dict()
        >>> list(state), state["weight"].requires_grad
        (['weight', 'bias'], False)
        >>> with nnforge.no_grad():
        ...     _ = layer.bias.fill_(0.5)
        >>> state["bias"].tolist()
        [0.5]
        """
        state: dict[str, Tensor] = OrderedDict() if destination is None else destination
        collect_state(self, state, prefix, keep_vars)
        return state

    def load_state_dict(self, state_dict: dict[str, Any],
                        strict: bool = True) -> tuple[list[str], list[str]]:
        """Copy values (Tensors, NumPy arrays, torch tensors) into parameters and buffers in
        place. Missing or unexpected names and shape mismatches raise a
        KeyError/ValueError listing them all."""
        return load_state(self, state_dict, strict)

    # --- modes and gradients ------------------------------------------------------------
    def train(self: _ModuleT, mode: bool = True) -> _ModuleT:
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) recursively."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self: _ModuleT) -> _ModuleT:
        """Set evaluation mode recursively; same as `train(False)`."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: drop it (the default) or fill it with zeros."""
        for p in self.parameters():
            if set_to_none or p._grad is None:
                p.grad = None
            else:
                p._grad[...] = 0

    def requires_grad_(self: _ModuleT, requires_grad: bool = True) -> _ModuleT:
        """Turn gradient tracking of every parameter on or off (freezing); returns self."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def apply(self: _ModuleT, fn: Callable[[Module], object]) -> _ModuleT:
        """Call `fn` on every submodule (children first) and on self; returns self."""
        for m in reversed(list(self.modules())):
            fn(m)
        return self

    def to(self: _ModuleT, *args: Union[Tensor, str, Device, npt.DTypeLike],
           dtype: Optional[npt.DTypeLike] = None, device: Union[None, str, Device] = None,
           non_blocking: bool = False) -> _ModuleT:
        """Move to a device (only the CPU exists) and/or cast every floating parameter and
        buffer to `dtype` in place: `to("cpu")`, `to(nnforge.float64)`, `to(device, dtype)`,
        `to(tensor)`. Returns self."""
        requested_dtype: Optional[DTypeLike] = dtype
        requested_device: DeviceLike = device
        for a in args:
            if isinstance(a, Tensor):
                requested_dtype = a.dtype
            elif isinstance(a, (str, Device)):
                requested_device = a
            else:
                requested_dtype = a
        to_device(requested_device)
        if requested_dtype is None:
            return self
        target = to_numpy_dtype(requested_dtype)
        if target.kind != "f":
            raise TypeError(f"{type(self).__name__}.to(): modules can only be cast to a "
                            f"floating-point dtype, got {target}")
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None and p._data.dtype != target:
                    p._data = p._data.astype(target)
                    p.grad = None
            for name, b in list(m._buffers.items()):
                if b is not None and b.dtype.kind == "f":
                    m.register_buffer(name, b.astype(target))
        return self

    def cpu(self: _ModuleT) -> _ModuleT:
        """The module itself: everything already lives on the CPU."""
        return self

    def cuda(self, device: Optional[int] = None) -> Module:
        """Refused with a clear error: nnforge runs on the CPU only."""
        raise cpu_only_error("cuda" if device is None else f"cuda:{device}")

    def double(self: _ModuleT) -> _ModuleT:
        """Cast floating parameters and buffers to float64 in place; returns self."""
        return self.to(np.float64)

    def float(self: _ModuleT) -> _ModuleT:
        """Cast floating parameters and buffers to float32 in place; returns self."""
        return self.to(np.float32)

    def half(self: _ModuleT) -> _ModuleT:
        """Cast floating parameters and buffers to float16 in place; returns self."""
        return self.to(np.float16)

    # --- printing -----------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The constructor arguments, shown inside the layer's repr."""
        return ""

    def __repr__(self) -> str:
        children = [f"({name}): " + repr(m).replace("\n", "\n  ")
                    for name, m in self._modules.items() if m is not None]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        return head + "\n  " + "\n  ".join(children) + "\n)"

    if not TYPE_CHECKING:   # hidden from type checkers, so they still flag unknown names
        def __getattr__(self, name):
            # only reached when normal lookup fails: never return None for unknown names
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
