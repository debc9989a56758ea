"""Layers: Linear (Dense), LazyLinear, activations, Softmax/LogSoftmax, Identity, Flatten,
Dropout, Dropout2d."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..devices import check_device
from ..ops.elementwise import Relu as _Relu
from ..ops.fused import FusedLinear
from . import functional as F
from . import init
from .lazy import LazyModuleMixin
from .module import Module
from .parameter import Parameter, UninitializedParameter

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from ..devices import DeviceLike


class Linear(Module):
    """``y = x @ weight.T + bias``; weight (out_features, in_features), torch's init.

    Weights are Kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(in), 1/sqrt(in)), and the
    bias U(-1/sqrt(in), 1/sqrt(in)), exactly as ``torch.nn.Linear``.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> nn.Linear(784, 10)(mg.zeros(32, 784)).shape
    (32, 10)
    """

    in_features: int
    out_features: int
    weight: Parameter
    bias: Parameter | None

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: DeviceLike = None, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        check_device(device)
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, int | np.integer) or n < 0:
                raise ValueError(f"Linear: {name} must be a non-negative int, got {n!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        dt = _dt.as_dtype(dtype) or _dt.default_float
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        params = self._parameters  # what self.weight reads, without Module.__getattr__
        return FusedLinear.apply(x, params["weight"], params["bias"])  # F.linear, one call less

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


Dense = Linear  # the Keras name for the same layer


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is inferred from ``input.shape[-1]`` at the first
    call, as torch's: until then ``weight`` and ``bias`` are ``UninitializedParameter``s
    (``in_features`` reads 0); the first call gives them their shapes and torch's init, and
    the module becomes a plain ``Linear``.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> layer = nn.LazyLinear(10)
    >>> layer(mg.zeros(32, 784)).shape, layer
    ((32, 10), Linear(in_features=784, out_features=10, bias=True))
    """

    cls_to_become = Linear
    weight: UninitializedParameter  # pyright: ignore[reportIncompatibleVariableOverride]
    bias: UninitializedParameter | None  # pyright: ignore[reportIncompatibleVariableOverride]

    def __init__(self, out_features: int, bias: bool = True, device: DeviceLike = None,
                 dtype: DTypeLike | None = None) -> None:
        Module.__init__(self)
        if not isinstance(out_features, int | np.integer) or out_features < 0:
            raise ValueError(f"LazyLinear: out_features must be a non-negative int, got "
                             f"{out_features!r}")
        self.in_features, self.out_features = 0, int(out_features)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """Infer ``in_features`` from ``input`` and give the parameters shapes and values."""
        if input.ndim == 0:
            raise ValueError("LazyLinear: the input must have at least 1 dimension (the "
                             "features), got a 0-d tensor")
        n = input.shape[-1]
        if self.has_uninitialized_params():
            self.in_features = n
            self.weight.materialize((self.out_features, n))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()
        elif self.in_features == 0:  # parameters loaded from a state dict
            if n != self._parameters["weight"].shape[-1]:
                raise ValueError(f"LazyLinear: the input has {n} features, but the loaded "
                                 f"weight has shape {self._parameters['weight'].shape}")
            self.in_features = n

    def forward(self, x: Tensor) -> Tensor:
        self._infer_parameters(x)
        return Linear.forward(self, x)


class Identity(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x


class ReLU(Module):
    """max(x, 0). ``inplace=True`` overwrites the input instead of allocating the output,
    as torch's; the input must not be needed elsewhere (a leaf, or a tensor another op
    saved, makes it an error rather than a wrong gradient)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        if self.inplace:
            return x.relu_()
        return _Relu.apply(x)  # x.relu() without the method call

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return x.leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Softmax(Module):
    """Probabilities along ``dim`` (pair with NLLLoss on their log, or better: use
    CrossEntropyLoss on the logits)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return x.softmax(self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x: Tensor) -> Tensor:
        return x.log_softmax(self.dim)


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` (default: all but the batch dim)."""

    start_dim: int
    end_dim: int

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Zero elements with probability ``p`` in training mode, scaling the rest by
    1/(1-p); the identity in eval mode."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout2d(Module):
    """Zero whole channels (feature maps ``x[n, c]`` of (N, C, H, W) input) with
    probability ``p`` in training mode, scaling the rest by 1/(1-p); the identity in eval
    mode. See ``F.dropout2d`` for other input dims.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> nn.Dropout2d(0.25)(mg.randn(8, 16, 5, 5)).shape
    (8, 16, 5, 5)
    """

    p: float
    inplace: bool

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout2d: p must be in [0, 1], got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout2d(x, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
