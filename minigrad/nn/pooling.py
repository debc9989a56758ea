"""Pooling layers: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``, as torch's."""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ..ops import pool as _pool
from .module import Module


class MaxPool2d(Module):
    """Max over each window of (N, C, H, W) or (C, H, W); ``stride`` defaults to
    ``kernel_size``. With ``return_indices=True`` it returns ``(output, indices)``.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> nn.MaxPool2d(2)(mg.zeros(8, 16, 28, 28)).shape
    (8, 16, 14, 14)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Any:
        return _pool.max_pool(x, self.kernel_size, self.stride, self.padding, self.dilation,
                              self.ceil_mode, self.return_indices,
                              f"MaxPool2d({self.extra_repr()})")

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                f", dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean over each window of (N, C, H, W) or (C, H, W); ``stride`` defaults to
    ``kernel_size``; ``count_include_pad`` and ``divisor_override`` as torch.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> nn.AvgPool2d(2)(mg.ones(1, 1, 4, 4)).tolist()
    [[[[1.0, 1.0], [1.0, 1.0]]]]
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return _pool.avg_pool(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                              self.count_include_pad, self.divisor_override,
                              f"AvgPool2d({self.extra_repr()})")

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average (N, C, H, W) or (C, H, W) down to ``output_size`` (int, or (h, w) with
    None for "keep that size"), with torch's bins.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> nn.AdaptiveAvgPool2d((1, 1))(mg.ones(8, 32, 7, 7)).shape
    (8, 32, 1, 1)
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return _pool.adaptive_avg_pool(x, self.output_size,
                                       f"AdaptiveAvgPool2d({self.extra_repr()})")

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
