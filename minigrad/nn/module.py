"""``Module``: the base of every layer and model, as ``torch.nn.Module``.

Parameters, buffers and submodules are registered by attribute assignment; the tree is
walked with ``named_parameters``/``named_modules``; ``state_dict``/``load_state_dict``
save and restore it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._tensor import Tensor, write_in_place, zero_grad_in_place
from ..autograd.grad_mode import no_grad
from ..autograd.thread_state import current
from ..devices import not_here, parse_to
from ..dtypes import as_dtype
from .parameter import Parameter, is_lazy

if TYPE_CHECKING:
    from typing import ParamSpec, Protocol, TypeVar

    from numpy.typing import ArrayLike, DTypeLike
    from typing_extensions import Self

    _P = ParamSpec("_P")
    _R = TypeVar("_R", covariant=True)

    class _HasForward(Protocol[_P, _R]):
        def forward(self, *args: _P.args, **kwargs: _P.kwargs) -> _R: ...

    class _CallsForward:
        """The type of ``Module.__call__``: a module's call has its ``forward``'s signature
        and return type (``nn.Linear(2, 3)(x)`` is a Tensor; a forward returning a tuple
        gives a tuple)."""

        def __get__(self, module: _HasForward[_P, _R], owner: Any) -> Callable[_P, _R]: ...


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns (as torch): the keys it did not find, and the
    keys it did not use."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _loadable(value: Any, target: Tensor) -> np.ndarray:
    """``value`` (a Tensor or array-like) as an array of ``target``'s shape and dtype;
    ValueError saying why not."""
    array = value.array if isinstance(value, Tensor) else np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"the checkpoint's value has dtype {array.dtype}, which can't be "
                         f"converted to this model's {target.dtype}")
    if not is_lazy(target) and array.shape != target.shape:  # lazy: takes the loaded shape
        raise ValueError(f"size mismatch: checkpoint has shape {array.shape}, this model "
                         f"has {target.shape}")
    return array.astype(target.dtype, copy=False)


class Module:
    """Base class of layers and models: define ``__init__`` (assign layers and
    Parameters as attributes) and ``forward``; call the module to run ``forward``.

    >>> from minigrad import nn
    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 2)
    ...     def forward(self, x):
    ...         return self.fc2(self.fc1(x).relu())
    >>> [name for name, _ in TwoLayer().named_parameters()]
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent: set[str]
    _modules: dict[str, Module | None]
    _forward_hooks: dict[object, Callable[..., Any]]

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    if TYPE_CHECKING:
        __call__: _CallsForward  # calling a module is calling its forward (see there)
    else:
        def __call__(self, *args, **kwargs):
            calls = current().module_stack  # lets graph diagrams group ops by module
            calls.append(self)
            try:
                out = self.forward(*args, **kwargs)
            finally:
                calls.pop()
            if self._forward_hooks:
                for hook in list(self._forward_hooks.values()):
                    result = hook(self, args, out)
                    if result is not None:
                        out = result
            return out

    def register_forward_hook(self, hook: Callable[..., Any]) -> Callable[[], object]:
        """Call ``hook(module, inputs, output)`` after every forward; returns a remover."""
        key = object()
        self._forward_hooks[key] = hook
        return lambda: self._forward_hooks.pop(key, None)

    # ------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning {name!r}")
        params, modules, buffers = self._parameters, self._modules, self._buffers
        if isinstance(value, Parameter):
            _forget(name, self.__dict__, modules, buffers)
            params[name] = value
        elif isinstance(value, Module):
            _forget(name, self.__dict__, params, buffers)
            modules[name] = value
        elif name in params or name in modules:
            kind = "parameter" if name in params else "child module"
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as {kind} {name!r} "
                                f"({'nn.Parameter' if name in params else 'Module'} or None "
                                "expected)")
            (params if name in params else modules)[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} "
                                "(Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a non-learnable tensor (saved in ``state_dict`` unless not persistent)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None")
        if name in self._parameters or name in self._modules or (
                name in self.__dict__ and name not in self._buffers):
            raise KeyError(f"register_buffer: attribute {name!r} already exists; pick "
                           "another name for the buffer")
        self._buffers[name] = tensor
        (self._non_persistent.discard if persistent else self._non_persistent.add)(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module")
        self._modules[name] = module

    # -------------------------------------------------------------- traversal
    def named_modules(self, memo: set[int] | None = None,
                      prefix: str = "") -> Iterator[tuple[str, Module]]:
        """``(dotted_name, module)`` for this module and every descendant, each once."""
        memo = set() if memo is None else memo
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:  # iterative pre-order walk
            name, module = stack.pop()
            if id(module) in memo:
                continue
            memo.add(id(module))
            yield name, module
            children = [(f"{name}.{k}" if name else k, m)
                        for k, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_name, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{mod_name}.{name}" if mod_name else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted_name, parameter)`` pairs; a shared parameter appears once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "",
                      recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn: Callable[[Module], object]) -> Self:
        """Call ``fn`` on every submodule (children first) and on self; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> Self:
        """Set training mode (dropout active) on this module and all submodules."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Self:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Self:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to None, or to zeros in place)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                zero_grad_in_place(p)

    def to(self, *args: Any, **kwargs: Any) -> Self:
        """Cast floating parameters and buffers in place, with torch's overloads:
        ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)``, keywords
        ``device= dtype= non_blocking=``. The device must be the CPU (a no-op).

        >>> from minigrad import nn
        >>> nn.Linear(2, 3).to("cpu").weight.dtype
        dtype('float32')
        """
        dt, _ = parse_to(args, kwargs, f"{type(self).__name__}.to")
        if dt is None:
            return self
        if dt.kind != "f":
            raise TypeError(f"{type(self).__name__}.to: only floating point dtypes are "
                            f"accepted, got {dt}")
        return self._cast(dt)

    def _cast(self, dtype: DTypeLike) -> Self:
        dt = as_dtype(dtype)
        for t in [*self.parameters(), *self.buffers()]:
            if is_lazy(t):  # no values yet: it will be materialized with this dtype
                t.cast_(dt)  # pyright: ignore[reportAttributeAccessIssue]
            elif t.dtype.kind == "f":
                t.array = t.array.astype(dt)
                if t.grad is not None:
                    t.grad = Tensor(t.grad.array.astype(dt))
        return self

    def double(self) -> Self:
        return self._cast(np.float64)

    def float(self) -> Self:
        return self._cast(np.float32)

    def half(self) -> Self:
        return self._cast(np.float16)

    def cpu(self) -> Self:
        """``self``: minigrad's modules always live on the CPU."""
        return self

    def cuda(self, device: Any = None) -> Self:
        """A clear error: minigrad computes with numpy on the CPU."""
        raise not_here("cuda")

    # ------------------------------------------------------------ state dicts
    def state_dict(self, prefix: str = "") -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name (tensors share memory)."""
        out: OrderedDict[str, Tensor] = OrderedDict()
        for mod_name, module in self.named_modules(prefix=prefix.rstrip(".")):
            dot = f"{mod_name}." if mod_name else ""
            for name, p in module._parameters.items():
                if p is not None:  # (an uninitialized one is itself, as torch)
                    out[dot + name] = p if is_lazy(p) else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    out[dot + name] = b.detach()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Tensor | ArrayLike],
                        strict: bool = True) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        All or nothing: every value is converted and checked (shape, a dtype that converts
        to the parameter's) before anything is written, so a failed load names the keys at
        fault and leaves the module exactly as it was. With ``strict`` (default) missing
        or unexpected keys are errors; bad values always are.
        """
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict and missing:
            problems.append(f"missing keys: {missing}")
        if strict and unexpected:
            problems.append(f"unexpected keys: {unexpected}")
        arrays: dict[str, np.ndarray] = {}
        for k, target in own.items():
            if k in state_dict:
                try:
                    arrays[k] = _loadable(state_dict[k], target)
                except (TypeError, ValueError) as err:
                    problems.append(f"{k}: {err}")
        if problems:
            raise RuntimeError(f"load_state_dict into {type(self).__name__} failed (nothing "
                               "was changed):\n  " + "\n  ".join(problems))
        with no_grad():
            for k, array in arrays.items():
                if is_lazy(own[k]):  # a lazy module takes the loaded shape, as torch
                    own[k].materialize(array.shape)  # pyright: ignore[reportAttributeAccessIssue]
                write_in_place(own[k], array)
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """One line of constructor arguments shown inside the parentheses of ``repr``."""
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, m in self._modules.items():
            child = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {child}")
        name = type(self).__name__
        if not lines:
            return f"{name}()"
        if len(lines) == 1 and not self._modules:
            return f"{name}({lines[0]})"
        return f"{name}(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules)
                      | set(self._buffers))


def _forget(name: str, *registries: dict[str, Any]) -> None:
    for registry in registries:
        registry.pop(name, None)
