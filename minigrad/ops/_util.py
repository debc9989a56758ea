"""Helpers shared by the ops: operand checking, dims normalisation, the array behind an operand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _tensor as _t

if TYPE_CHECKING:
    from typing import TypeAlias

    from .._tensor import Dims

    # What an op's forward and backward are handed, named for the reader (both are Any to
    # a type checker). Ctx: the op's graph node (autograd.Node), where forward may keep
    # fields of its own for backward. Grad: a gradient, a Tensor, or an ndarray in a plain
    # backward of an op declared array_backward (the same operators work on both).
    Ctx: TypeAlias = Any
    Grad: TypeAlias = Any

_OK_TYPES = (int, float, bool, np.ndarray, np.generic)


def operand(x: Any, op: str) -> Any:
    """Accept a Tensor, a Python number or a numpy array as the other side of an op.

    A numpy scalar (``np.float64(2)``, ``np.sqrt(2.0)``) becomes the Python number it holds:
    it promotes as one, as in torch (see ``minigrad.dtypes``).
    """
    if isinstance(x, _t.Tensor) or type(x) in (int, float):
        return x
    if isinstance(x, _OK_TYPES):
        if isinstance(x, np.ndarray | np.generic) and x.dtype.kind not in "biuf":
            raise TypeError(f"{op}: numpy values of dtype {x.dtype} are not supported")
        return x.item() if isinstance(x, np.generic) else x
    raise TypeError(f"{op}: unsupported operand type {type(x).__name__}; use a Tensor, a "
                    "Python number or a numpy array (wrap lists with mg.tensor(...))")


def array_of(x: Any) -> Any:
    """The ndarray (or number) behind an operand."""
    return x.array if isinstance(x, _t.Tensor) else x


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """A single possibly-negative ``dim`` as an index in ``range(ndim)``."""
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    lo = -max(ndim, 1)
    if not lo <= dim < max(ndim, 1):
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor with {ndim} "
                         f"dimension(s); valid dims are {lo}..{max(ndim, 1) - 1}")
    return int(dim) % max(ndim, 1) if ndim else 0


def normalize_dims(dim: Dims, ndim: int, op: str) -> tuple[int, ...] | None:
    """``dim`` (None, int or tuple) as a sorted tuple of non-negative dims, or None for all."""
    if dim is None:
        return None
    if isinstance(dim, list | tuple):
        dims = tuple(normalize_dim(d, ndim, op) for d in dim)
        if len(set(dims)) != len(dims):
            raise ValueError(f"{op}: dim {tuple(dim)} names a dimension twice")
        return tuple(sorted(dims)) if ndim else ()
    return (normalize_dim(dim, ndim, op),) if ndim else ()


def np_aliases(op: str, dim: Any, keepdim: Any, np_names: dict[str, Any]) -> tuple[Any, Any]:
    """Accept numpy's ``axis=`` and ``keepdims=`` as aliases of torch's ``dim``/``keepdim``."""
    if np_names:
        extra = set(np_names) - {"axis", "keepdims"}
        if extra:
            raise TypeError(f"{op}: unexpected keyword argument(s) {sorted(extra)}")
        if "axis" in np_names:
            if dim is not None:
                raise TypeError(f"{op}: give dim or axis, not both")
            dim = np_names["axis"]
        if "keepdims" in np_names:
            keepdim = np_names["keepdims"]
    return dim, keepdim
