"""minigrad: a small, readable reverse-mode autograd engine on numpy, used like PyTorch.

>>> import minigrad as mg
>>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import autograd, dtypes, func
from ._printing import set_printoptions
from ._tensor import Tensor, tensor
from .autograd import detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    zeros,
    zeros_like,
)
from .devices import device, get_default_device, set_default_device
from .dtypes import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .ops import (
    amax,
    amin,
    argmax,
    argmin,
    bmm,
    cat,
    chunk,
    clamp,
    dot,
    flatten,
    log_softmax,
    logsumexp,
    matmul,
    max,
    mean,
    meshgrid,
    min,
    mm,
    norm,
    permute,
    reshape,
    softmax,
    split,
    squeeze,
    stack,
    std,
    sum,
    transpose,
    unsqueeze,
    var,
    where,
)
from .random import default_generator, manual_seed
from .serialization import load, save

if TYPE_CHECKING:
    from numpy.typing import ArrayLike
    from typing_extensions import TypeIs

    # Loaded on first use (__getattr__ below); imported here for type checkers only.
    from . import accelerator as accelerator
    from . import backends as backends
    from . import cuda as cuda
    from . import data as data
    from . import datasets as datasets
    from . import metrics as metrics
    from . import nn as nn
    from . import optim as optim
    from . import testing as testing
    from . import transforms as transforms
    from . import utils as utils
    from . import viz as viz
    from ._tensor import Operand

clip = clamp


def _unary(name: str) -> Callable[..., Tensor]:
    def fn(input: Tensor | ArrayLike, *args: Any, **kwargs: Any) -> Tensor:
        x = input if isinstance(input, Tensor) else tensor(input)
        return getattr(x, name)(*args, **kwargs)

    fn.__name__ = name
    fn.__doc__ = f"Module-level form of ``Tensor.{name}``."
    return fn


exp, log, sqrt, abs, sin, cos = (_unary(n) for n in ("exp", "log", "sqrt", "abs", "sin", "cos"))
sigmoid, tanh, relu, leaky_relu = (_unary(n) for n in ("sigmoid", "tanh", "relu", "leaky_relu"))
neg, expand, broadcast_to, view = (_unary(n) for n in ("neg", "expand", "broadcast_to", "view"))
t = _unary("t")
sinh: Callable[..., Tensor] = _unary("sinh")
cosh: Callable[..., Tensor] = _unary("cosh")


def _binary(name: str) -> Callable[[Any, Any], Tensor]:
    def fn(input: Any, other: Any) -> Tensor:
        a, b = input, other
        if not isinstance(a, Tensor):
            a = tensor(a) if not isinstance(b, Tensor) else a
        return getattr(a, f"__{name}__")(b) if isinstance(a, Tensor) else \
            getattr(b, f"__r{name}__")(a)

    fn.__name__ = name
    fn.__doc__ = f"Module-level form of the ``{name}`` operator (broadcasting)."
    return fn


mul, div = _binary("mul"), _binary("truediv")
div.__name__ = "div"
_add, _sub, _pow = _binary("add"), _binary("sub"), _binary("pow")


def add(input: Any, other: Any, *, alpha: builtins.float = 1) -> Tensor:
    """``input + alpha * other`` (broadcasting), as ``torch.add``."""
    return _add(input, other if alpha == 1 else other * alpha)


def sub(input: Any, other: Any, *, alpha: builtins.float = 1) -> Tensor:
    """``input - alpha * other`` (broadcasting), as ``torch.sub``."""
    return _sub(input, other if alpha == 1 else other * alpha)


def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent`` (broadcasting), as ``torch.pow``."""
    return _pow(input, exponent)


def maximum(input: Tensor | ArrayLike, other: Operand) -> Tensor:
    """Elementwise maximum; ties split the gradient evenly."""
    return (input if isinstance(input, Tensor) else tensor(input)).maximum(other)


def minimum(input: Tensor | ArrayLike, other: Operand) -> Tensor:
    """Elementwise minimum; ties split the gradient evenly."""
    return (input if isinstance(input, Tensor) else tensor(input)).minimum(other)


def is_tensor(obj: object) -> TypeIs[Tensor]:
    return isinstance(obj, Tensor)


__version__ = "0.1.0"

# Submodules loaded on first use, so `import minigrad` stays light (nn and optim are
# small; testing needs hypothesis, viz needs graphviz).
_LAZY = ("nn", "optim", "testing", "viz", "data", "datasets", "metrics", "utils",
         "transforms", "cuda", "backends", "accelerator")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name == "bfloat16":
        raise AttributeError(dtypes.NO_BFLOAT16)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")

__all__ = [
    "Tensor", "tensor", "autograd", "dtypes", "func", "detect_anomaly", "enable_grad",
    "is_grad_enabled", "no_grad", "set_grad_enabled", "arange", "empty", "eye", "full",
    "full_like", "linspace", "ones", "ones_like", "rand", "randint", "randn", "randperm",
    "zeros", "zeros_like", "bool", "float16", "float32", "float64", "int32", "int64", "uint8",
    "float", "double", "half", "long", "int", "short", "int8", "int16", "get_default_dtype",
    "set_default_dtype", "device", "set_default_device", "get_default_device", "normal",
    "empty_like", "rand_like", "randn_like", "mm", "t",
    "amax", "amin", "argmax", "argmin", "cat", "chunk", "clamp", "clip", "dot", "flatten",
    "log_softmax", "logsumexp", "matmul", "max", "mean", "min", "permute", "reshape",
    "softmax", "split", "squeeze", "stack", "std", "sum", "transpose", "unsqueeze", "var",
    "where", "default_generator", "manual_seed", "exp", "log", "sqrt", "abs", "sin", "cos",
    "sigmoid", "tanh", "relu", "leaky_relu", "neg", "expand", "broadcast_to", "view", "add",
    "sub", "mul", "div", "pow", "maximum", "minimum", "is_tensor", "save", "load",
    "set_printoptions", "sinh", "cosh", "bmm", "norm", "meshgrid",
]
