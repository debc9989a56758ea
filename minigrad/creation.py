"""Factories: ``zeros``, ``ones``, ``arange``, ``randn``, ... each with ``dtype=`` and
``requires_grad=``. Sizes are given as ``f(2, 3)`` or ``f((2, 3))``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import dtypes as _dt
from ._tensor import Tensor, _wrap
from .random import default_generator

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from ._tensor import ShapeLike


def _size(size: tuple[Any, ...], op: str) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], list | tuple):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, int | np.integer) or isinstance(s, bool) or s < 0:
            raise ValueError(f"{op}: sizes must be non-negative ints, got {size}")
    return tuple(int(s) for s in size)


def _finish(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float(dtype: DTypeLike | None) -> np.dtype:
    return _dt.as_dtype(dtype) or _dt.default_float


def zeros(*size: int | ShapeLike, dtype: DTypeLike | None = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype``)."""
    return _finish(np.zeros(_size(size, "zeros"), _float(dtype)), requires_grad)


def ones(*size: int | ShapeLike, dtype: DTypeLike | None = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones (float32 unless ``dtype``)."""
    return _finish(np.ones(_size(size, "ones"), _float(dtype)), requires_grad)


def full(size: int | ShapeLike, fill_value: float, dtype: DTypeLike | None = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype follows it as ``mg.tensor`` would."""
    if dtype is None:
        dtype = Tensor(fill_value).dtype
    return _finish(np.full(_size((size,), "full"), fill_value, _dt.as_dtype(dtype)),
                   requires_grad)


def empty(*size: int | ShapeLike, dtype: DTypeLike | None = None,
          requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (here: zeros, so nothing is ever garbage)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def zeros_like(x: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(x.shape, _dt.as_dtype(dtype) or x.dtype), requires_grad)


def ones_like(x: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(x.shape, _dt.as_dtype(dtype) or x.dtype), requires_grad)


def full_like(x: Tensor, fill_value: float, dtype: DTypeLike | None = None,
              requires_grad: bool = False) -> Tensor:
    return _finish(np.full(x.shape, fill_value, _dt.as_dtype(dtype) or x.dtype), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1,
           dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` (default 0) up to, not including, ``end``.

    int64 if all arguments are ints, else float32 (as torch).
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    ints = all(isinstance(v, int | np.integer) for v in (start, end, step))
    dtype = _dt.as_dtype(dtype) or (np.dtype(np.int64) if ints else _dt.default_float)
    return _finish(np.arange(start, end, step).astype(dtype), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: DTypeLike | None = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps).astype(_float(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: DTypeLike | None = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix (n x m, m defaults to n)."""
    return _finish(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def _random_float(dtype: DTypeLike | None, op: str) -> np.dtype:
    dt = _float(dtype)
    if dt.kind != "f":
        raise TypeError(f"{op}: dtype must be floating, got {dt}; use mg.randint for integers")
    return dt


def rand(*size: int | ShapeLike, dtype: DTypeLike | None = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the generator ``manual_seed`` sets."""
    dt = _random_float(dtype, "rand")
    arr = default_generator().random(_size(size, "rand"), dtype=np.float64).astype(dt)
    return _finish(arr, requires_grad)


def randn(*size: int | ShapeLike, dtype: DTypeLike | None = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator ``manual_seed`` sets."""
    dt = _random_float(dtype, "randn")
    arr = default_generator().standard_normal(_size(size, "randn")).astype(dt)
    return _finish(arr, requires_grad)


def randint(low: int, high: int | None = None, size: int | ShapeLike = (),
            dtype: DTypeLike | None = None) -> Tensor:
    """Integers in [low, high) (or [0, low) if ``high`` is None); int64 unless ``dtype``."""
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    size = _size((size,), "randint") if not isinstance(size, int) else (size,)
    arr = default_generator().integers(low, high, size=size)
    return _wrap(arr.astype(_dt.as_dtype(dtype) or np.int64))


def randperm(n: int, dtype: DTypeLike | None = None) -> Tensor:
    """A random permutation of 0..n-1."""
    return _wrap(default_generator().permutation(n).astype(_dt.as_dtype(dtype) or np.int64))
