"""Convolution layers: ``Conv1d`` and ``Conv2d``, with torch's arguments, weight layout
(out_channels, in_channels/groups, *kernel_size), initialisation and state-dict keys."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..devices import check_device
from ..ops import conv as _conv
from . import init
from .module import Module
from .parameter import Parameter

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from ..devices import DeviceLike


class _ConvNd(Module):
    """What Conv1d and Conv2d share; ``_dims`` is the number of spatial dims."""

    _dims = 2
    in_channels: int
    out_channels: int
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...] | str
    dilation: tuple[int, ...]
    groups: int
    padding_mode: str
    weight: Parameter
    bias: Parameter | None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: DeviceLike = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        check_device(device)
        name = type(self).__name__
        for what, n in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("groups", groups)):
            if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
                raise ValueError(f"{name}: {what} must be a positive int, got {n!r}")
        for what, n in (("in_channels", in_channels), ("out_channels", out_channels)):
            if n % groups:
                raise ValueError(f"{name}: {what} ({n}) must be divisible by groups "
                                 f"({groups})")
        if padding_mode not in _conv._PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_conv._PADDING_MODES}, "
                             f"got {padding_mode!r}")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: padding_mode={padding_mode!r} is not "
                                      "implemented; only 'zeros' is")
        d = self._dims
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _conv._pair(kernel_size, d, "kernel_size", name)
        if any(k < 1 for k in self.kernel_size):
            raise ValueError(f"{name}: kernel_size must be positive, got {kernel_size!r}")
        self.stride = _conv._pair(stride, d, "stride", name)
        self.padding = padding if isinstance(padding, str) else \
            _conv._pair(padding, d, "padding", name)
        self.dilation = _conv._pair(dilation, d, "dilation", name)
        self.groups, self.padding_mode = int(groups), padding_mode
        self._spec = _conv.conv_spec(self.kernel_size, self.stride, self.padding,
                                     self.dilation, self.groups, name)
        dt = _dt.as_dtype(dtype) or _dt.default_float
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torch's init: weight kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in),
        1/sqrt(fan_in)), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)); fan_in =
        in_channels/groups * kernel area."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        return _conv.convolve(x, self.weight, self.bias, self._spec, self._dims,
                              f"{type(self).__name__}({self.extra_repr()})")

    def extra_repr(self) -> str:
        d = self._dims
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * d:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * d:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) or (C, H, W) input, as ``torch.nn.Conv2d``.

    ``weight`` (out_channels, in_channels/groups, kh, kw), ``bias`` (out_channels,).
    ``padding``: int, (h, w), ``'valid'`` or ``'same'``; only ``padding_mode='zeros'``.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> nn.Conv2d(1, 16, 3, padding=1)(mg.zeros(8, 1, 28, 28)).shape
    (8, 16, 28, 28)
    """

    _dims = 2


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) or (C, L) input, as ``torch.nn.Conv1d``.

    ``weight`` (out_channels, in_channels/groups, k), ``bias`` (out_channels,).

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> nn.Conv1d(4, 8, 5, stride=2)(mg.zeros(3, 4, 21)).shape
    (3, 8, 9)
    """

    _dims = 1
