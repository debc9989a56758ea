"""``scatter``: write values at positions given by an index along one dim (torch's rule).

For a 3-D tensor and ``dim=1``: ``out[i][index[i][j][k]][k] = src[i][j][k]`` (or
``= value``) for every position ``(i, j, k)`` of ``index``; everything else is ``x``.
``index`` may be smaller than ``x`` in the other dims and smaller than ``src`` in all
dims (only its positions are written). When an index repeats, one write wins; the
gradient, as torch's, reaches ``x`` where nothing was written and every ``src`` element
that was read (``grad.gather(dim, index)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.function import Function
from ._util import array_of, normalize_dim

if TYPE_CHECKING:
    from ._util import Ctx, Grad

__all__ = ["Scatter", "scatter_index"]


def scatter_index(x: Tensor, dim: int, index: Any, src: Any, op: str) -> tuple[Any, ...]:
    """The numpy index ``out[positions] = src[:index.shape]`` that ``scatter`` writes
    through, after torch's checks (an int index tensor with x's number of dims, or 0-d
    for a 1-d ``x``; sizes within ``x`` and ``src``; values in ``0..x.shape[dim]-1``)."""
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer (int64) tensor, got "
                        f"{index.dtype if isinstance(index, Tensor) else type(index).__name__}")
    d = normalize_dim(dim, x.ndim, op)
    idx = index.array.reshape(1) if index.ndim == 0 and x.ndim <= 1 else index.array
    shape = x.array.reshape(-1).shape if x.ndim == 0 else x.shape
    if idx.ndim != len(shape):
        raise ValueError(f"{op}: index has {index.ndim} dims but the tensor has {x.ndim}; "
                         "they must have the same number of dims")
    if any(i > s for k, (i, s) in enumerate(zip(idx.shape, shape)) if k != d):
        raise ValueError(f"{op}: index of shape {tuple(index.shape)} is larger than the "
                         f"tensor's shape {x.shape} outside dim {d}")
    if isinstance(src, Tensor) and any(i > s for i, s in zip(idx.shape, src.shape)):
        raise ValueError(f"{op}: index of shape {tuple(index.shape)} is larger than src's "
                         f"shape {src.shape}")
    if idx.size and (idx.min() < 0 or idx.max() >= shape[d]):
        bad = int(idx.min() if idx.min() < 0 else idx.max())
        raise IndexError(f"{op}: index {bad} is out of bounds for dim {d} of size {shape[d]}")
    positions = list(np.indices(idx.shape, sparse=True))
    positions[d] = idx
    return tuple(positions)


class Scatter(Function):
    """``x`` with ``src`` (a Tensor, or a number: torch's ``value``) written at
    ``positions`` (from :func:`scatter_index`)."""

    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, src: Any, positions: tuple[Any, ...]) -> np.ndarray:
        out = x.array.copy()
        shape = positions[0].shape if len(positions) == 1 else \
            np.broadcast_shapes(*(p.shape for p in positions))
        values = array_of(src)
        out.reshape(out.shape or (1,))[positions] = \
            values[tuple(slice(0, n) for n in shape)] if isinstance(src, Tensor) else values
        ctx.positions, ctx.shape = positions, shape
        ctx.src_shape = src.shape if isinstance(src, Tensor) else None
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, Grad | None, None]:
        keep = np.ones(grad.shape or (1,), dtype=grad.dtype)
        keep[ctx.positions] = 0
        grad_x = grad * keep.reshape(grad.shape)
        if ctx.src_shape is None:
            return grad_x, None, None
        read = grad.reshape(grad.shape or (1,))[ctx.positions]
        return grad_x, _pad_to(read, ctx.src_shape), None


def _pad_to(g: Grad, shape: tuple[int, ...]) -> Grad:
    """``g`` with zeros appended at the end of each dim up to ``shape`` (the parts of
    ``src`` that the index did not read get gradient 0)."""
    from .shape import cat

    for d, (have, want) in enumerate(zip(g.shape, shape)):
        if have < want:
            zeros = np.zeros(g.shape[:d] + (want - have,) + g.shape[d + 1:], dtype=g.dtype)
            if isinstance(g, Tensor):  # under create_graph
                g = cat([g, _wrap(zeros)], dim=d)
            else:
                g = np.concatenate([g, zeros], axis=d)
    return g
