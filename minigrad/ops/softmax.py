"""softmax and log_softmax along a dim, shifted by the max so large logits stay finite."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._util import normalize_dim

if TYPE_CHECKING:
    from ._util import Ctx


def _shifted(x: np.ndarray, dim: int | None) -> np.ndarray:
    """``x - max(x)`` along ``dim``. As torch, a slice holding +inf (or all -inf) becomes
    nan: inf - inf, so its softmax, log_softmax and their gradients are nan throughout."""
    m = np.max(x, axis=dim, keepdims=True, initial=-np.inf)  # initial: empty dims are fine
    with np.errstate(invalid="ignore"):
        return x - m


class Softmax(Function):
    """y = exp(x - max) / sum(exp(x - max)); backward y * (g - sum(g * y))."""

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, dim: int | None) -> np.ndarray:
        e = np.exp(_shifted(x.array, dim))
        out = e / np.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, None]:
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(dim=ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    """y = x - logsumexp(x); backward g - softmax(x) * sum(g)."""

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, dim: int | None) -> np.ndarray:
        z = _shifted(x.array, dim)
        out = z - np.log(np.sum(np.exp(z), axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, None]:
        (y,) = ctx.saved_tensors
        return grad - y.exp() * grad.sum(dim=ctx.dim, keepdim=True), None


def _check(x: Tensor, dim: int, op: str) -> int | None:
    if x.array.dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating tensor, got {x.dtype}; use .float() first")
    d = normalize_dim(dim, x.array.ndim, op)
    return d if x.array.ndim else None  # a 0-d tensor is its own (only) slice


def softmax(input: Tensor, dim: int = -1) -> Tensor:
    """Probabilities along ``dim``: non-negative, summing to 1; stable for large logits."""
    return Softmax.apply(input, _check(input, dim, "softmax"))


def log_softmax(input: Tensor, dim: int = -1) -> Tensor:
    """``log(softmax(input))`` computed directly (finite even where softmax underflows to 0)."""
    return LogSoftmax.apply(input, _check(input, dim, "log_softmax"))
