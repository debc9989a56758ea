"""Reductions over ``dim`` (None, an int or a tuple; negative allowed) with ``keepdim``.

numpy's ``axis=``/``keepdims=`` are accepted as aliases.

Ties: ``amax``/``amin`` and ``max()``/``min()`` without ``dim`` split the gradient
evenly between all tied elements (as torch does for these); ``max(dim)``/``min(dim)``
return ``(values, indices)`` and send the gradient to the returned index only (the
first occurrence), again as torch.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from .._tensor import Tensor, _wrap, max_result, min_result
from ..autograd.function import Function
from ._util import normalize_dim, normalize_dims, np_aliases
from .elementwise import where

if TYPE_CHECKING:
    from .._tensor import Dims
    from ._util import Ctx


def _kept_shape(shape: tuple[int, ...], dims: tuple[int, ...] | None) -> tuple[int, ...]:
    """``shape`` with the reduced dims set to 1 (the keepdim shape)."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _count(shape: tuple[int, ...], dims: tuple[int, ...] | None) -> int:
    """How many elements each output element of a reduction over ``dims`` combines."""
    return int(np.prod(shape if dims is None else [shape[d] for d in dims]))


def _restore(grad: Tensor, shape: tuple[int, ...], dims: tuple[int, ...] | None,
             keepdim: bool) -> Tensor:
    """Broadcast a reduction's gradient back to the input's shape."""
    if not keepdim:
        grad = grad.reshape(_kept_shape(shape, dims))
    return grad.expand(shape)


class Sum(Function):
    @staticmethod
    def forward(ctx: Ctx, x: Tensor, dims: tuple[int, ...] | None, keepdim: bool) -> np.ndarray:
        ctx.shape, ctx.dims, ctx.keepdim = x.array.shape, dims, keepdim
        return np.sum(x.array, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, None, None]:
        return _restore(grad, ctx.shape, ctx.dims, ctx.keepdim), None, None


class Mean(Function):
    @staticmethod
    def forward(ctx: Ctx, x: Tensor, dims: tuple[int, ...] | None, keepdim: bool) -> np.ndarray:
        ctx.shape, ctx.dims, ctx.keepdim = x.array.shape, dims, keepdim
        ctx.count = _count(x.array.shape, dims)
        return np.mean(x.array, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, None, None]:
        return _restore(grad / ctx.count, ctx.shape, ctx.dims, ctx.keepdim), None, None


class StdFromVar(Function):
    """``sqrt(var)`` for ``std``, with torch's gradient: 0 where the std is 0 (identical
    values), where plain sqrt would give 0 * inf = nan."""

    @staticmethod
    def forward(ctx: Ctx, v: Tensor) -> np.ndarray:
        out = np.sqrt(v.array)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> Tensor:
        (std,) = ctx.saved_tensors
        zero = std.array == 0
        return where(zero, 0.0, grad / (where(zero, 1.0, std) * 2))  # finite at any order


class _Extreme(Function):
    """amax/amin: the gradient is split evenly between tied extremes."""

    reduce: Callable[..., np.ndarray] = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx: Ctx, x: Tensor, dims: tuple[int, ...] | None,
                keepdim: bool) -> np.ndarray:
        if x.array.size == 0:
            raise ValueError(f"{cls.__name__.lower()}: the input is empty; there is no extreme "
                             "value to take")
        out = cls.reduce(x.array, axis=dims, keepdims=True)
        hit = x.array == out
        ctx.save_for_backward(hit / hit.sum(axis=dims, keepdims=True, dtype=x.array.dtype))
        ctx.shape, ctx.dims, ctx.keepdim = x.array.shape, dims, keepdim
        return out if keepdim else out.reshape(
            tuple(s for i, s in enumerate(x.array.shape) if dims is not None and i not in dims))

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, None, None]:
        (share,) = ctx.saved_tensors
        return _restore(grad, ctx.shape, ctx.dims, ctx.keepdim) * share, None, None


class Amax(_Extreme):
    reduce: Callable[..., np.ndarray] = staticmethod(np.max)


class Amin(_Extreme):
    reduce: Callable[..., np.ndarray] = staticmethod(np.min)


class _ExtremeAt(Function):
    """The values of max(dim)/min(dim): the gradient goes to the chosen index only."""

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, index: np.ndarray, dim: int, keepdim: bool) -> np.ndarray:
        ctx.save_for_backward(index)  # freed after backward, like every saved buffer
        ctx.shape, ctx.dim, ctx.keepdim = x.array.shape, dim, keepdim
        values = np.take_along_axis(x.array, index, axis=dim)
        return values if keepdim else values.squeeze(dim)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, None, None, None]:
        if not ctx.keepdim:
            grad = grad.unsqueeze(ctx.dim)
        (index,) = ctx.saved_tensors
        return ScatterAlong.apply(grad, index, ctx.dim, ctx.shape), None, None, None


class MaxAt(_ExtremeAt):
    pass


class MinAt(_ExtremeAt):
    pass


class ScatterAlong(Function):
    """Put ``grad`` at ``index`` along ``dim`` in zeros of ``shape`` (backward of a gather)."""

    @staticmethod
    def forward(ctx: Ctx, grad: Tensor, index: np.ndarray, dim: int, shape: tuple[int,
                ...]) -> np.ndarray:
        ctx.index, ctx.dim = index, dim
        out = np.zeros(shape, dtype=grad.array.dtype)
        np.put_along_axis(out, index, grad.array, axis=dim)
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, None, None, None]:
        return GatherAlong.apply(grad, ctx.index, ctx.dim), None, None, None


class GatherAlong(Function):
    """``take_along_axis``: the values at ``index`` along ``dim``."""

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, index: np.ndarray, dim: int) -> np.ndarray:
        ctx.index, ctx.dim, ctx.shape = index, dim, x.array.shape
        return np.take_along_axis(x.array, index, axis=dim)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, None, None]:
        return ScatterAlong.apply(grad, ctx.index, ctx.dim, ctx.shape), None, None


class LogSumExp(Function):
    """log(sum(exp(x))) computed stably (shifted by the max); gradient softmax(x)."""

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, dims: tuple[int, ...] | None, keepdim: bool) -> np.ndarray:
        m = np.max(x.array, axis=dims, keepdims=True) if x.array.size else 0.0
        m = np.where(np.isfinite(m), m, 0)  # all -inf (or inf) slices: no shift
        out = np.log(np.sum(np.exp(x.array - m), axis=dims, keepdims=True)) + m
        out = out.astype(x.array.dtype, copy=False)
        if not keepdim:
            out = out.reshape(tuple(s for i, s in enumerate(x.array.shape)
                                    if dims is not None and i not in dims))
        ctx.save_for_backward(x, out)  # the output itself: stays in the graph
        ctx.shape, ctx.dims, ctx.keepdim = x.array.shape, dims, keepdim
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, None, None]:
        x, out = ctx.saved_tensors
        if not ctx.keepdim:
            out = out.reshape(_kept_shape(ctx.shape, ctx.dims))
        return _restore(grad, ctx.shape, ctx.dims, ctx.keepdim) * (x - out).exp(), None, None


def _dims(x: Tensor, dim: Dims, keepdim: bool, np_names: dict[str, Any],
          op: str) -> tuple[tuple[int, ...] | None, bool]:
    dim, keepdim = np_aliases(op, dim, keepdim, np_names)
    return normalize_dims(dim, x.array.ndim, op), bool(keepdim)


def sum(input: Tensor, dim: Dims = None, keepdim: bool = False, **np_names: Any) -> Tensor:
    """Sum over ``dim`` (all dims by default)."""
    dims, keepdim = _dims(input, dim, keepdim, np_names, "sum")
    return Sum.apply(input, dims, keepdim)


def mean(input: Tensor, dim: Dims = None, keepdim: bool = False, **np_names: Any) -> Tensor:
    """Mean over ``dim`` (all dims by default)."""
    if input.array.dtype.kind != "f":
        raise TypeError(f"mean: needs a floating tensor, got {input.dtype}; use .float() first")
    dims, keepdim = _dims(input, dim, keepdim, np_names, "mean")
    return Mean.apply(input, dims, keepdim)


def var(input: Tensor, dim: Dims = None, correction: float = 1, keepdim: bool = False,
           **np_names: Any) -> Tensor:
    """Variance over ``dim``, divided by ``N - correction`` (1: unbiased, torch's default)."""
    if "unbiased" in np_names:
        correction = 1 if np_names.pop("unbiased") else 0
    if "ddof" in np_names:
        correction = np_names.pop("ddof")
    dims, keepdim = _dims(input, dim, keepdim, np_names, "var")
    n = _count(input.array.shape, dims)
    centered = input - input.mean(dim=dims, keepdim=True)
    return (centered * centered).sum(dim=dims, keepdim=keepdim) / builtins.max(n - correction, 0)


def std(input: Tensor, dim: Dims = None, correction: float = 1, keepdim: bool = False,
           **np_names: Any) -> Tensor:
    """Standard deviation: ``sqrt(var(...))``; its gradient is 0 over identical values, as
    torch's."""
    return StdFromVar.apply(var(input, dim, correction=correction, keepdim=keepdim, **np_names))


class NormFromSquares(StdFromVar):
    """``sqrt(sum of squares)`` for the 2-norm, with torch's gradient: 0 at a zero vector."""


def norm(input: Tensor, p: float | str | None = "fro", dim: Dims = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """The vector p-norm over ``dim`` (all elements by default), as ``torch.norm``:
    ``p`` 2 (and ``"fro"``, ``None``: the default) is ``sqrt(sum(x**2))``, 1 ``sum(|x|)``,
    ``inf`` / ``-inf`` the largest / smallest ``|x|``, 0 the count of non-zeros, any other
    number ``sum(|x|**p) ** (1/p)``. Gradients as torch's (0 for a zero vector's 2-norm).

    >>> import minigrad as mg
    >>> mg.tensor([3.0, 4.0]).norm()
    tensor(5.)
    """
    if p in ("fro", None):
        p = 2
    if isinstance(p, str) or isinstance(p, bool):
        raise ValueError(f"norm: p={p!r} is not supported; use a number, inf or 'fro' "
                         "(the matrix norms live in torch.linalg, which minigrad has not got)")
    x = input if dtype is None else input.to(dtype)
    if x.array.dtype.kind != "f":
        raise TypeError(f"norm: needs a floating tensor, got {x.dtype}; use .float() first")
    dims = normalize_dims(dim, x.array.ndim, "norm")
    if p == 2:
        return NormFromSquares.apply(Sum.apply(x * x, dims, keepdim))
    if p == 0:
        count = x * 0 + (x.array != 0)  # a gradient of zeros, as torch's
        return Sum.apply(count, dims, keepdim)
    a = x.abs()
    if p == 1:
        return Sum.apply(a, dims, keepdim)
    if np.isinf(p):
        return (Amax if p > 0 else Amin).apply(a, dims, keepdim)
    if 0 < p < 1:  # |x|**p has an infinite slope at 0: torch's gradient there is 0
        zero = x.array == 0
        a = where(zero, 0.0, where(zero, 1.0, a) ** p)
        return Sum.apply(a, dims, keepdim) ** (1.0 / p)
    return Sum.apply(a ** p, dims, keepdim) ** (1.0 / p)


def amax(input: Tensor, dim: Dims = None, keepdim: bool = False, **np_names: Any) -> Tensor:
    """Largest value over ``dim``; tied maxima share the gradient evenly."""
    dims, keepdim = _dims(input, dim, keepdim, np_names, "amax")
    return Amax.apply(input, dims, keepdim)


def amin(input: Tensor, dim: Dims = None, keepdim: bool = False, **np_names: Any) -> Tensor:
    """Smallest value over ``dim``; tied minima share the gradient evenly."""
    dims, keepdim = _dims(input, dim, keepdim, np_names, "amin")
    return Amin.apply(input, dims, keepdim)


def _extreme(x: Tensor, dim: Any, keepdim: bool, np_names: dict[str, Any], op: str,
             whole: type[_Extreme], at: type[_ExtremeAt], argfn: Any, result: Any) -> Any:
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        return (x.maximum(dim) if op == "max" else x.minimum(dim))
    dim, keepdim = np_aliases(op, dim, keepdim, np_names)
    if dim is None:
        return whole.apply(x, None, False)
    d = normalize_dim(dim, x.array.ndim, op)
    if x.array.ndim == 0:
        return result(x, _wrap(np.asarray(0, dtype=np.int64)))
    if x.array.shape[d] == 0:
        raise ValueError(f"{op}: dimension {d} of shape {x.shape} is empty")
    index = np.expand_dims(argfn(x.array, axis=d), d)
    values = at.apply(x, index, d, bool(keepdim))
    return result(values, _wrap(index if keepdim else index.squeeze(d)))


@overload
def max(input: Tensor, dim: None = None, keepdim: bool = False) -> Tensor: ...
@overload
def max(input: Tensor, dim: Tensor, keepdim: bool = False, **np_names: Any) -> Tensor: ...
@overload
def max(input: Tensor, dim: int | None = None, keepdim: bool = False,
        **np_names: Any) -> max_result: ...


def max(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False,
        **np_names: Any) -> Tensor | max_result:
    """Without ``dim``: the largest value. With ``dim``: ``(values, indices)`` as torch."""
    return _extreme(input, dim, keepdim, np_names, "max", Amax, MaxAt, np.argmax, max_result)


@overload
def min(input: Tensor, dim: None = None, keepdim: bool = False) -> Tensor: ...
@overload
def min(input: Tensor, dim: Tensor, keepdim: bool = False, **np_names: Any) -> Tensor: ...
@overload
def min(input: Tensor, dim: int | None = None, keepdim: bool = False,
        **np_names: Any) -> min_result: ...


def min(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False,
        **np_names: Any) -> Tensor | min_result:
    """Without ``dim``: the smallest value. With ``dim``: ``(values, indices)`` as torch."""
    return _extreme(input, dim, keepdim, np_names, "min", Amin, MinAt, np.argmin, min_result)


def _arg(fn: Any, x: Tensor, dim: int | None, keepdim: bool, np_names: dict[str, Any],
         op: str) -> Tensor:
    dim, keepdim = np_aliases(op, dim, keepdim, np_names)
    if x.array.size == 0:
        raise ValueError(f"{op}: the input is empty")
    if dim is None:
        out = np.asarray(fn(x.array))
        return _wrap(out.reshape((1,) * x.array.ndim) if keepdim else out.astype(np.int64))
    d = normalize_dim(dim, x.array.ndim, op)
    return _wrap(fn(x.array, axis=d, keepdims=bool(keepdim)).astype(np.int64, copy=False))


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False,
           **np_names: Any) -> Tensor:
    """Index of the largest value (over the flattened tensor when ``dim`` is None)."""
    return _arg(np.argmax, input, dim, keepdim, np_names, "argmax")


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False,
           **np_names: Any) -> Tensor:
    """Index of the smallest value (over the flattened tensor when ``dim`` is None)."""
    return _arg(np.argmin, input, dim, keepdim, np_names, "argmin")


def logsumexp(input: Tensor, dim: Dims = None, keepdim: bool = False, **np_names: Any) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, stable for large values."""
    dims, keepdim = _dims(input, dim, keepdim, np_names, "logsumexp")
    return LogSumExp.apply(input, dims, keepdim)


def logical_reduce(fn: Any, x: Tensor, dim: Dims, keepdim: bool,
                   np_names: dict[str, Any]) -> Tensor:
    """``any``/``all``: bool results, never part of the graph."""
    dims, keepdim = _dims(x, dim, keepdim, np_names, fn.__name__)
    return _wrap(np.asarray(fn(x.array, axis=dims, keepdims=keepdim)))
