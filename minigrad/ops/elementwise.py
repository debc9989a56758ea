"""Elementwise math and activations: one input (or a few), output of the same shape.

Where the derivative is piecewise constant (relu, abs, clamp, maximum, where), backward
multiplies by a saved constant mask, which is also the right second derivative (zero).

Most backwards here use operators only (``array_backward = True``): in a plain backward
they run on numpy arrays, under ``create_graph`` the same formula runs on Tensors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.function import Function
from ..dtypes import fix_float64
from ._util import array_of, operand

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .._tensor import Operand
    from ._util import Ctx, Grad


class Exp(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor) -> np.ndarray:
        out = np.exp(x.array)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> Grad:
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.log(x.array)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> Grad:
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor) -> np.ndarray:
        out = np.sqrt(x.array)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> Grad:
        (y,) = ctx.saved_tensors
        return grad / (y * 2)


class Abs(Function):
    """|x|; the gradient at 0 is 0 (sign(0)), as in torch."""

    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor) -> np.ndarray:
        ctx.save_for_backward(np.sign(x.array))
        return np.abs(x.array)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> Grad:
        (sign,) = ctx.saved_tensors
        return grad * sign


class Sin(Function):
    @staticmethod
    def forward(ctx: Ctx, x: Tensor) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.sin(x.array)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * x.cos()


class Cos(Function):
    @staticmethod
    def forward(ctx: Ctx, x: Tensor) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.cos(x.array)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return -grad * x.sin()


class Sigmoid(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor) -> np.ndarray:
        # Stable for large |x|: exp only ever sees non-positive arguments.
        z = np.exp(-np.abs(x.array))
        out = np.where(x.array >= 0, 1 / (1 + z), z / (1 + z)).astype(x.array.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> Grad:
        (y,) = ctx.saved_tensors
        return grad * (y * (1 - y))


class Sinh(Function):
    @staticmethod
    def forward(ctx: Ctx, x: Tensor) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.sinh(x.array)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * x.cosh()


class Cosh(Function):
    @staticmethod
    def forward(ctx: Ctx, x: Tensor) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.cosh(x.array)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * x.sinh()


class Tanh(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor) -> np.ndarray:
        out = np.tanh(x.array)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> Grad:
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class Relu(Function):
    """max(x, 0); the gradient at 0 is 0, as in torch."""

    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor) -> np.ndarray:
        out = np.maximum(x.array, 0)
        ctx.save_for_backward(out)  # the output: alive anyway as the next layer's input
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> Grad:
        (y,) = ctx.saved_tensors
        return grad * (y > 0)  # a constant mask, also the right second derivative


class LeakyRelu(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, negative_slope: float = 0.01) -> np.ndarray:
        slope = np.where(x.array > 0, 1, negative_slope).astype(x.array.dtype)
        ctx.save_for_backward(slope)
        return x.array * slope

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> Grad:
        (slope,) = ctx.saved_tensors
        return grad * slope


class Clamp(Function):
    """Clip to [min, max]; gradient 1 where min <= x <= max (inclusive, as torch), else 0."""

    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, bounds: tuple[float | None, float | None]) -> np.ndarray:
        lo, hi = bounds
        out = x.array
        mask = np.ones(out.shape, dtype=bool)
        if lo is not None:
            mask &= out >= lo
            out = np.maximum(out, lo)
        if hi is not None:
            mask &= out <= hi
            out = np.minimum(out, hi)
        ctx.save_for_backward(mask)
        return out.astype(x.array.dtype, copy=False) if out is not x.array else out.copy()

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, None]:
        (mask,) = ctx.saved_tensors
        return grad * mask, None


def clamp(input: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Clip ``input`` to ``[min, max]`` (either may be None). Alias: ``clip``."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if min is not None and max is not None and min > max:
        raise ValueError(f"clamp: min ({min}) is greater than max ({max})")
    return Clamp.apply(input, (min, max))


class Maximum(Function):
    """Elementwise max of two tensors; ties split the gradient evenly, as torch does."""

    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, a: Operand, b: Operand) -> np.ndarray:
        ad, bd = array_of(a), array_of(b)
        out = fix_float64(np.maximum(ad, bd), a, b)
        share = (ad > bd) + 0.5 * (ad == bd)
        ctx.save_for_backward(share.astype(out.dtype))
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, Grad]:
        (share,) = ctx.saved_tensors
        return grad * share, grad * (1 - share)


class Minimum(Function):
    """Elementwise min of two tensors; ties split the gradient evenly, as torch does."""

    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, a: Operand, b: Operand) -> np.ndarray:
        ad, bd = array_of(a), array_of(b)
        out = fix_float64(np.minimum(ad, bd), a, b)
        share = (ad < bd) + 0.5 * (ad == bd)
        ctx.save_for_backward(share.astype(out.dtype))
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, Grad]:
        (share,) = ctx.saved_tensors
        return grad * share, grad * (1 - share)


class Where(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, cond: np.ndarray, a: Operand, b: Operand) -> np.ndarray:
        ctx.save_for_backward(cond)
        return fix_float64(np.where(cond, array_of(a), array_of(b)), a, b)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[None, Grad, Grad]:
        (cond,) = ctx.saved_tensors
        return None, grad * cond, grad * ~cond


def where(condition: Tensor | ArrayLike, input: Operand, other: Operand) -> Tensor:
    """Elementwise ``input`` where ``condition`` is true, else ``other`` (broadcasting)."""
    cond = np.asarray(array_of(condition))
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got {cond.dtype}; "
                        "compare first, e.g. x > 0")
    return Where.apply(cond, operand(input, "where"), operand(other, "where"))


class Cast(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, dtype: np.dtype) -> np.ndarray:
        return x.array.astype(dtype)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, None]:
        return grad, None  # the engine casts back to the input's dtype


class Clone(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor) -> np.ndarray:
        return x.array.copy()

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> Grad:
        return grad


def compare(ufunc: np.ufunc, a: Tensor, b: ArrayLike, op: str) -> Tensor:
    """Comparisons and logical ops: bool tensors, never part of the graph."""
    b = operand(b, op) if not isinstance(b, list | tuple) else np.asarray(b)
    try:
        return _wrap(np.asarray(ufunc(a.array, array_of(b))))
    except ValueError as err:
        raise ValueError(f"{op}: shapes {a.shape} and {np.shape(array_of(b))} cannot be broadcast "
                         "together") from err
