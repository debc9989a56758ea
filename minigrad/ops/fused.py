"""Fused neural-network ops: linear layer and the losses that need their own gradient.

Each is one node instead of a chain of small ones (faster, and numerically stable):
cross-entropy's gradient ``softmax(logits) - target`` is formed directly. Backward uses
the saved softmax as a constant in a plain backward, and recomputes it with tensor ops
when ``create_graph=True`` (grad mode is on during backward only then), so higher-order
gradients stay exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ._util import array_of

if TYPE_CHECKING:
    from ._util import Ctx, Grad


class FusedLinear(Function):
    """``x @ weight.T + bias`` for x of shape (..., in), weight (out, in), bias (out,).

    Backward: grad_x = grad @ weight, grad_weight = grad^T x, grad_bias = sum of grad
    over the rows (batch dims flattened): on arrays in a plain backward, like
    hand-written code; on tensors under ``create_graph``.
    """

    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, weight: Tensor, bias: Tensor | None) -> np.ndarray:
        w = weight.array
        w_shape = w.shape
        if len(w_shape) != 2 or x.array.shape[-1:] != w_shape[1:]:
            raise ValueError(f"linear: input of shape {x.shape} does not fit weight of shape "
                             f"{weight.shape}; the input's last dim must equal in_features "
                             f"({weight.shape[-1] if weight.ndim else '?'})")
        if bias is not None and bias.array.shape != w_shape[:1]:
            raise ValueError(f"linear: bias of shape {bias.shape} does not match "
                             f"out_features {weight.shape[0]}")
        if x.array.dtype != w.dtype or (bias is not None and bias.array.dtype != w.dtype):
            _dtype_error(x, weight, bias)
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              weight if ctx.needs_input_grad[0] else None)
        out = np.matmul(x.array, w.T)
        if bias is not None:
            out += bias.array  # out is a fresh array: add in place
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, Grad, Grad]:
        x, weight = ctx.saved_tensors
        grad_x = grad @ weight if weight is not None else None
        rows = grad
        if len(grad.shape) != 2:  # batch dims: flatten them into rows
            rows = grad.reshape(-1, grad.shape[-1])
            x = x.reshape(-1, x.shape[-1]) if x is not None else None
        grad_w = rows.T @ x if x is not None else None
        grad_b = None
        if ctx.needs_input_grad[2]:  # (ndarray.sum has a slow Python layer)
            grad_b = np.add.reduce(rows, 0) if type(rows) is np.ndarray else rows.sum(0)
        return grad_x, grad_w, grad_b


def _dtype_error(x: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """linear's inputs must share the weight's dtype, as torch's (see ``minigrad.dtypes``)."""
    if x.array.dtype != weight.array.dtype:
        raise TypeError(f"linear: input and weight must have the same dtype, got {x.dtype} "
                        f"and {weight.dtype}; convert the input, e.g. x.to(mg.{weight.dtype})")
    assert bias is not None
    raise TypeError(f"linear: bias and weight must have the same dtype, got {bias.dtype} and "
                    f"{weight.dtype}")


def reduce_loss(loss: Any, reduction: str) -> Any:
    """Apply ``reduction`` to per-element losses (Tensor or ndarray)."""
    if reduction == "mean":
        if type(loss) is np.ndarray and loss.size:  # ndarray.mean's Python layer is slow
            return np.add.reduce(loss, axis=None) / loss.size
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _grad_scale(grad: Tensor, reduction: str, n: int, ndim: int = 2) -> Tensor:
    """The upstream gradient broadcast against per-element losses of ``n`` rows."""
    if reduction == "none":
        return grad.reshape(grad.shape + (1,) * (ndim - grad.ndim))
    return grad / n if reduction == "mean" else grad


_ROWS: dict[int, np.ndarray] = {}


def _rows(n: int) -> np.ndarray:
    """``np.arange(n)``, made once per batch size (read-only): row indices for picking
    each row's target."""
    rows = _ROWS.get(n)
    if rows is None:
        if len(_ROWS) > 64:
            _ROWS.clear()
        rows = _ROWS[n] = np.arange(n)
        rows.flags.writeable = False
    return rows


def _is_index(target: Any) -> bool:
    return isinstance(target, np.ndarray) and target.dtype.kind in "iu"


class SoftmaxCrossEntropy(Function):
    """Softmax cross-entropy of logits (N, C) against class indices (N,) or a target
    distribution q (N, C).

    loss_i = -sum_c q_ic log p_ic with p = softmax(logits); d loss_i / d logits =
    p_i sum(q_i) - q_i, which for a class index y_i is p_i - onehot(y_i): backward
    forms it directly (a copy of p with 1 subtracted at the target, then scaled by the
    upstream gradient), as hand-written code does.
    """

    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, logits: Tensor, target: Tensor | np.ndarray,
                reduction: str) -> np.ndarray:
        x = logits.array
        z = x - np.maximum.reduce(x, axis=1, keepdims=True)  # shifted: exp cannot overflow
        p = np.exp(z)
        sum_exp = np.add.reduce(p, axis=1, keepdims=True)
        log_sum_exp = np.log(sum_exp)
        if _is_index(target):  # -log p at the target: log(sum exp z) - z[target]
            loss = log_sum_exp[:, 0] - z[_rows(len(target)), target]
            logp = None
        else:
            logp = np.subtract(z, log_sum_exp, out=z)
            loss = -np.add.reduce(array_of(target) * logp, axis=1)
        p /= sum_exp
        ctx.save_for_backward(logits, target, p, logp)
        ctx.reduction = reduction
        loss = reduce_loss(loss, reduction)
        return loss if loss.dtype == x.dtype else loss.astype(x.dtype)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, Grad, None]:
        logits, target, p, logp = ctx.saved_tensors
        n = logits.shape[0]
        g = _grad_scale(grad, ctx.reduction, n)
        recording = is_grad_enabled()  # create_graph: recompute through differentiable ops
        if recording:
            p, logp = logits.softmax(dim=1), logits.log_softmax(dim=1)
        if _is_index(target):
            rows = _rows(n)
            if recording:
                onehot = np.zeros(p.shape, dtype=p.dtype)
                onehot[rows, target] = 1
                return (p - onehot) * g, None, None
            d = p.copy()  # p - onehot, then scaled by the upstream gradient
            d[rows, target] -= 1
            d *= g
            return d, None, None
        q_sum = target.sum(dim=1, keepdim=True) if isinstance(target, Tensor) else \
            target.sum(axis=1, keepdims=True)
        grad_q = -logp * g if ctx.needs_input_grad[1] else None
        return (p * q_sum - target) * g, grad_q, None


class BinaryCrossEntropy(Function):
    """-(t log p + (1-t) log(1-p)) with each log clamped at -100, as torch."""

    @staticmethod
    def forward(ctx: Ctx, p: Tensor, t: Tensor, reduction: str) -> np.ndarray:
        pd, td = p.array, array_of(t)
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped to -100 right here
            log_p = np.maximum(np.log(pd), -100)
            log_1mp = np.maximum(np.log1p(-pd), -100)
        ctx.save_for_backward(p, t, log_p, log_1mp)
        ctx.reduction = reduction
        return reduce_loss(-(td * log_p + (1 - td) * log_1mp), reduction).astype(pd.dtype,
                                                                           copy=False)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, Tensor | None, None]:
        p, t, log_p, log_1mp = ctx.saved_tensors
        g = _grad_scale(grad, ctx.reduction, p.array.size, p.ndim)
        # torch's gradient: (p - t) / max(p (1 - p), 1e-12)
        grad_p = g * (p - t) / (p * (1 - p)).clamp(min=1e-12)
        grad_t = g * (log_1mp - log_p) if ctx.needs_input_grad[1] else None
        return grad_p, grad_t, None


class BinaryCrossEntropyWithLogits(Function):
    """BCE of sigmoid(x), computed from the logits x without overflow.

    loss = (1 - t) x + w softplus(-x), with w = 1 + (pos_weight - 1) t;
    d/dx = w sigmoid(x) - (w + t - 1), which is sigmoid(x) - t without pos_weight.
    """

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, t: Tensor, pos_weight: Tensor | None,
                reduction: str) -> np.ndarray:
        xd, td = x.array, array_of(t)
        w = 1 + (array_of(pos_weight) - 1) * td if pos_weight is not None else 1
        softplus_neg = np.logaddexp(0, -xd)  # log(1 + exp(-x)), stable both ways
        loss = (1 - td) * xd + w * softplus_neg
        ctx.save_for_backward(x, t, pos_weight)
        ctx.reduction = reduction
        return reduce_loss(loss, reduction).astype(xd.dtype, copy=False)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, Tensor | None, None, None]:
        x, t, pos_weight = ctx.saved_tensors
        g = _grad_scale(grad, ctx.reduction, x.array.size, x.ndim)
        w = 1 + (pos_weight - 1) * t if pos_weight is not None else 1
        grad_x = g * (w * x.sigmoid() - (w + t - 1))
        grad_t = None
        if ctx.needs_input_grad[1]:
            pw = pos_weight if pos_weight is not None else 1
            softplus_neg = Tensor(np.logaddexp(0, -x.array))
            grad_t = g * (-x + (pw - 1) * softplus_neg)
        return grad_x, grad_t, None, None
