"""Matrix products with numpy's full ``matmul`` semantics (1-D, 2-D, batched N-D)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..dtypes import fix_float64
from ._util import array_of, operand

if TYPE_CHECKING:
    from .._tensor import Operand
    from ._util import Ctx


class MatMul(Function):
    """``a @ b``. Backward: ``grad @ b^T`` and ``a^T @ grad`` on the matrix dims.

    1-D operands are promoted as numpy does (a vector ``a`` becomes a row, a vector ``b``
    a column) and the promotion is undone on the gradients; broadcast batch dims are
    summed away by the engine.
    """

    @staticmethod
    def forward(ctx: Ctx, a: Operand, b: Operand) -> np.ndarray:
        ctx.save_for_backward(b if ctx.needs_input_grad[0] else None,
                              a if ctx.needs_input_grad[1] else None)
        ctx.a_ndim, ctx.b_ndim = np.ndim(array_of(a)), np.ndim(array_of(b))
        return fix_float64(np.matmul(array_of(a), array_of(b)), a, b)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        b, a = ctx.saved_tensors
        if ctx.a_ndim == 1 and ctx.b_ndim == 1:  # inner product: grad is 0-d
            return (grad * b if b is not None else None), (grad * a if a is not None else None)
        if ctx.a_ndim == 1:
            grad = grad.unsqueeze(-2)  # (..., 1, m)
        if ctx.b_ndim == 1:
            grad = grad.unsqueeze(-1)  # (..., n, 1)
        grad_a = grad_b = None
        if b is not None:
            b2 = b.unsqueeze(-1) if ctx.b_ndim == 1 else b
            grad_a = grad @ _mT(b2)
            if ctx.a_ndim == 1:
                grad_a = grad_a.squeeze(-2)
        if a is not None:
            a2 = a.unsqueeze(0) if ctx.a_ndim == 1 else a
            grad_b = _mT(a2) @ grad
            if ctx.b_ndim == 1:
                grad_b = grad_b.squeeze(-1)
        return grad_a, grad_b


def _mT(x: Any) -> Any:
    """Swap the last two dims of a Tensor or array."""
    return x.transpose(-2, -1) if isinstance(x, Tensor) else np.swapaxes(x, -2, -1)


def matmul(input: Operand, other: Operand) -> Tensor:
    """Matrix product with numpy's semantics (``@``), torch's argument names.

    Shapes: (n,k)@(k,m)->(n,m); (k,)@(k,m)->(m,); (n,k)@(k,)->(n,); (k,)@(k,)->();
    batched: (...,n,k)@(...,k,m)->(...,n,m) with the batch dims broadcast.
    """
    a, b = operand(input, "matmul"), operand(other, "matmul")
    sa, sb = np.shape(array_of(a)), np.shape(array_of(b))
    if len(sa) == 0 or len(sb) == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {sa} "
                         f"and {sb}; use * for scaling by a scalar")
    k_a = sa[-1]
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {sa} and {sb} are not aligned: {k_a} (last dim of "
                         f"the first) != {k_b} ({'first' if len(sb) == 1 else 'second-to-last'}"
                         " dim of the second); transpose or reshape one of them")
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError as err:
        raise ValueError(f"matmul: the batch dims of shapes {sa} and {sb} cannot be broadcast "
                         "together") from err
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("matmul: at least one operand must be a Tensor")
    return MatMul.apply(a, b)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices, (n, k) x (k, m) -> (n, m); no broadcasting (``matmul`` has
    it).

    >>> import minigrad as mg
    >>> mg.mm(mg.ones(2, 3), mg.ones(3, 4)).shape
    (2, 4)
    """
    sa, sb = np.shape(array_of(input)), np.shape(array_of(mat2))
    if len(sa) != 2 or len(sb) != 2:
        raise ValueError(f"mm: needs two 2-D tensors, got shapes {sa} and {sb}; use matmul "
                         "for other dimensions")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of two 3-D tensors, (b, n, k) x (b, k, m) -> (b, n, m), with
    the same batch size (no broadcasting; ``matmul`` has it).

    >>> import minigrad as mg
    >>> mg.bmm(mg.ones(5, 2, 3), mg.ones(5, 3, 4)).shape
    (5, 2, 4)
    """
    sa, sb = np.shape(array_of(input)), np.shape(array_of(mat2))
    if len(sa) != 3 or len(sb) != 3:
        raise ValueError(f"bmm: needs two 3-D tensors, got shapes {sa} and {sb}; use matmul "
                         "for other dimensions")
    if sa[0] != sb[0]:
        raise ValueError(f"bmm: batch sizes differ: shapes {sa} and {sb}")
    return matmul(input, mat2)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same length (torch's argument names)."""
    a, b = input, tensor
    if np.ndim(array_of(a)) != 1 or np.ndim(array_of(b)) != 1:
        raise ValueError(f"dot: needs two 1-D tensors, got shapes {np.shape(array_of(a))} and "
                         f"{np.shape(array_of(b))}; use matmul for higher dimensions")
    return matmul(a, b)
