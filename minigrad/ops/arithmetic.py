"""Arithmetic: + - * / ** and negation.

Operands may be Tensors, Python numbers or numpy arrays; only Tensors that require grad
get a gradient. Gradients are returned at the broadcast shape; the engine's ``sum_to``
reduces them to each input's shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..dtypes import fix_float64
from ._util import array_of
from .elementwise import where

if TYPE_CHECKING:
    from .._tensor import Operand
    from ._util import Ctx, Grad

_F64 = np.dtype(np.float64)


# Binary forwards apply the ufunc to the arrays (or numbers) behind their operands, then
# minigrad's dtype rule: ``fix_float64`` only when numpy produced float64. Written out in
# each op rather than in a helper: these run for every + - * / of every model.


class Add(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, a: Operand, b: Operand) -> np.ndarray:
        out = np.add(a.array if isinstance(a, Tensor) else a,
                     b.array if isinstance(b, Tensor) else b)
        return out if out.dtype is not _F64 else fix_float64(out, a, b)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, Grad]:
        return grad, grad


class Sub(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, a: Operand, b: Operand) -> np.ndarray:
        out = np.subtract(a.array if isinstance(a, Tensor) else a,
                          b.array if isinstance(b, Tensor) else b)
        return out if out.dtype is not _F64 else fix_float64(out, a, b)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, Grad]:
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, a: Operand, b: Operand) -> np.ndarray:
        # Save only what backward will read, so `y *= 2` on a graph tensor stays legal.
        need_a, need_b = ctx.needs_input_grad
        if need_a and need_b:
            ctx.save_for_backward(b, a)
        elif need_a or need_b:
            ctx.save_for_backward(b if need_a else a)  # the other operand
        out = np.multiply(a.array if isinstance(a, Tensor) else a,
                          b.array if isinstance(b, Tensor) else b)
        return out if out.dtype is not _F64 else fix_float64(out, a, b)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, Grad]:
        need_a, need_b = ctx.needs_input_grad
        if need_a and need_b:
            b, a = ctx.saved_tensors
            return grad * b, grad * a
        (other,) = ctx.saved_tensors
        return (grad * other, None) if need_a else (None, grad * other)


class Div(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, a: Operand, b: Operand) -> np.ndarray:
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)
        else:
            ctx.save_for_backward(b)  # a / b needs only b for a's gradient
        out = np.true_divide(a.array if isinstance(a, Tensor) else a,
                             b.array if isinstance(b, Tensor) else b)
        return out if out.dtype is not _F64 else fix_float64(out, a, b)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, Grad]:
        need_a, need_b = ctx.needs_input_grad
        if need_b:
            a, b = ctx.saved_tensors
        else:
            (b,) = ctx.saved_tensors
        grad_a = grad / b if need_a else None
        grad_b = -grad * a / (b * b) if need_b else None
        return grad_a, grad_b


class Pow(Function):
    """``a ** b``; d/da = b a^(b-1) (0 where b == 0), d/db = a^b log(a) (0 where a == 0 and
    b >= 0), as torch: nan where a < 0 (no real log), -inf where a == 0 and b < 0."""

    @staticmethod
    def forward(ctx: Ctx, a: Operand, b: Operand) -> np.ndarray:
        out = fix_float64(np.power(array_of(a), array_of(b)), a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            if not isinstance(b, Tensor) and not np.any(array_of(b)):  # a ** 0 is constant
                grad_a = grad * 0
            else:
                base = a
                both_zero = np.equal(array_of(b), 0) & np.equal(array_of(a), 0)
                if both_zero.any():  # b * a**(b-1) is 0 * inf there; with base 1 it is 0
                    base = where(both_zero, 1.0, a)  # (and its derivatives stay finite)
                grad_a = grad * b * base ** (b - 1)
        if ctx.needs_input_grad[1]:
            a_data = array_of(a)
            if isinstance(a, Tensor) and (a_data > 0).all():
                grad_b = grad * out * a.log()  # differentiable, for higher-order gradients
            else:
                grad_b = grad * _out_log_base(a_data, array_of(b), out)
        return grad_a, grad_b


def _out_log_base(a: np.ndarray | float, b: np.ndarray | float, out: Tensor) -> Tensor:
    """``a**b * log(a)``, torch's d(a**b)/db at any base: 0 where a == 0 and b >= 0 (the
    limit), else what the formula gives: nan for a < 0, -inf for a == 0 and b < 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return where(np.equal(a, 0) & np.greater_equal(b, 0), 0.0, out * np.log(a))


class Neg(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, a: Tensor) -> np.ndarray:
        return np.negative(a.array)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> Grad:
        return -grad
