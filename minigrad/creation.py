"""Factories: ``zeros``, ``ones``, ``arange``, ``randn``, ``normal``, ... each with
``dtype=``, ``device=`` (the CPU: minigrad's only device) and ``requires_grad=``. Sizes are
given as ``f(2, 3)`` or ``f((2, 3))``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import dtypes as _dt
from ._tensor import Tensor, _wrap
from .autograd.function import Function
from .devices import check_device
from .random import default_generator

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from ._tensor import ShapeLike
    from .devices import DeviceLike
    from .ops._util import Ctx, Grad


def _size(size: tuple[Any, ...], op: str) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], list | tuple):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, int | np.integer) or isinstance(s, bool) or s < 0:
            raise ValueError(f"{op}: sizes must be non-negative ints, got {size}")
    return tuple(int(s) for s in size)


def _finish(arr: np.ndarray, requires_grad: bool, device: DeviceLike) -> Tensor:
    check_device(device)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float(dtype: DTypeLike | None) -> np.dtype:
    return _dt.as_dtype(dtype) or _dt.default_float


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    return default_generator() if generator is None else generator


def zeros(*size: int | ShapeLike, dtype: DTypeLike | None = None, device: DeviceLike = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype``)."""
    return _finish(np.zeros(_size(size, "zeros"), _float(dtype)), requires_grad, device)


def ones(*size: int | ShapeLike, dtype: DTypeLike | None = None, device: DeviceLike = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones (float32 unless ``dtype``)."""
    return _finish(np.ones(_size(size, "ones"), _float(dtype)), requires_grad, device)


def full(size: int | ShapeLike, fill_value: float, dtype: DTypeLike | None = None, *,
         device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype follows it as ``mg.tensor`` would."""
    if dtype is None:
        dtype = Tensor(fill_value).dtype
    return _finish(np.full(_size((size,), "full"), fill_value, _dt.as_dtype(dtype)),
                   requires_grad, device)


def empty(*size: int | ShapeLike, dtype: DTypeLike | None = None, device: DeviceLike = None,
          requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (here: zeros, so nothing is ever garbage)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def zeros_like(input: Tensor, dtype: DTypeLike | None = None, *, device: DeviceLike = None,
               requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(input.shape, _dt.as_dtype(dtype) or input.dtype), requires_grad,
                   device)


def ones_like(input: Tensor, dtype: DTypeLike | None = None, *, device: DeviceLike = None,
              requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(input.shape, _dt.as_dtype(dtype) or input.dtype), requires_grad,
                   device)


def full_like(input: Tensor, fill_value: float, dtype: DTypeLike | None = None, *,
              device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.full(input.shape, fill_value, _dt.as_dtype(dtype) or input.dtype),
                   requires_grad, device)


def empty_like(input: Tensor, dtype: DTypeLike | None = None, *, device: DeviceLike = None,
               requires_grad: bool = False) -> Tensor:
    """As ``zeros_like`` (nothing uninitialised is ever shown)."""
    return zeros_like(input, dtype, device=device, requires_grad=requires_grad)


def arange(start: float, end: float | None = None, step: float = 1,
           dtype: DTypeLike | None = None, *, device: DeviceLike = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` (default 0) up to, not including, ``end``.

    int64 if all arguments are ints, else float32 (as torch).
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    ints = all(isinstance(v, int | np.integer) for v in (start, end, step))
    dtype = _dt.as_dtype(dtype) or (np.dtype(np.int64) if ints else _dt.default_float)
    return _finish(np.arange(start, end, step).astype(dtype), requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: DTypeLike | None = None, *,
             device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps).astype(_float(dtype)), requires_grad,
                   device)


def eye(n: int, m: int | None = None, dtype: DTypeLike | None = None, *,
        device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (n x m, m defaults to n)."""
    return _finish(np.eye(n, m, dtype=_float(dtype)), requires_grad, device)


def _random_float(dtype: DTypeLike | None, op: str) -> np.dtype:
    dt = _float(dtype)
    if dt.kind != "f":
        raise TypeError(f"{op}: dtype must be floating, got {dt}; use mg.randint for integers")
    return dt


def rand(*size: int | ShapeLike, generator: np.random.Generator | None = None,
         dtype: DTypeLike | None = None, device: DeviceLike = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the generator ``manual_seed`` sets."""
    dt = _random_float(dtype, "rand")
    arr = _rng(generator).random(_size(size, "rand"), dtype=np.float64).astype(dt)
    return _finish(arr, requires_grad, device)


def randn(*size: int | ShapeLike, generator: np.random.Generator | None = None,
          dtype: DTypeLike | None = None, device: DeviceLike = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator ``manual_seed`` sets."""
    dt = _random_float(dtype, "randn")
    arr = _rng(generator).standard_normal(_size(size, "randn")).astype(dt)
    return _finish(arr, requires_grad, device)


def rand_like(input: Tensor, dtype: DTypeLike | None = None, *, device: DeviceLike = None,
              requires_grad: bool = False) -> Tensor:
    """``rand`` of ``input``'s shape (and dtype unless ``dtype``)."""
    return rand(input.shape, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input: Tensor, dtype: DTypeLike | None = None, *, device: DeviceLike = None,
               requires_grad: bool = False) -> Tensor:
    """``randn`` of ``input``'s shape (and dtype unless ``dtype``)."""
    return randn(input.shape, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def randint(low: int, high: int | None = None, size: int | ShapeLike = (), *,
            generator: np.random.Generator | None = None, dtype: DTypeLike | None = None,
            device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """Integers in [low, high) (or [0, low) if ``high`` is None); int64 unless ``dtype``."""
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    size = _size((size,), "randint") if not isinstance(size, int) else (size,)
    arr = _rng(generator).integers(low, high, size=size)
    return _finish(arr.astype(_dt.as_dtype(dtype) or np.int64), requires_grad, device)


def randperm(n: int, *, generator: np.random.Generator | None = None,
             dtype: DTypeLike | None = None, device: DeviceLike = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1 (int64 unless ``dtype``)."""
    arr = _rng(generator).permutation(n).astype(_dt.as_dtype(dtype) or np.int64)
    return _finish(arr, requires_grad, device)


class _Normal(Function):
    """Samples ``mean + std * N(0, 1)``; as torch's, their gradient to mean and std is
    zero (a draw is not reparameterised: write ``mean + std * mg.randn(...)`` for that)."""

    @staticmethod
    def forward(ctx: Ctx, mean: Any, std: Any, noise: np.ndarray) -> np.ndarray:
        m = mean.array if isinstance(mean, Tensor) else mean
        s = std.array if isinstance(std, Tensor) else std
        return (m + s * noise).astype(noise.dtype)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, Grad, None]:
        zero = grad * 0  # the engine sums it back to each input's shape
        return zero, zero, None


def normal(mean: Tensor | float = 0.0, std: Tensor | float = 1.0,
           size: int | ShapeLike | None = None, *,
           generator: np.random.Generator | None = None, dtype: DTypeLike | None = None,
           device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """Samples from N(mean, std^2), torch's overloads: tensor ``mean`` and/or ``std``
    (elementwise, broadcast; the output has their shape and dtype), or float ``mean`` and
    ``std`` with ``size``.

    >>> import minigrad as mg
    >>> mg.normal(2.0, 3.0, size=(2, 3)).shape, mg.normal(mg.zeros(4), 1.0).shape
    ((2, 3), (4,))
    """
    check_device(device)
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    for x in tensors:
        if x.dtype.kind != "f":
            raise TypeError(f"normal: mean and std must be floating, got {x.dtype}")
    std_min = std.array.min(initial=0.0) if isinstance(std, Tensor) else std
    if std_min < 0:
        raise RuntimeError(f"normal: expects std >= 0.0, but found std {std_min}")
    if not tensors:
        if size is None:
            raise TypeError("normal: with float mean and std, give size= (the output shape)")
        shape = _size((size,), "normal") if not isinstance(size, int) else (size,)
        arr = _rng(generator).normal(mean, std, shape).astype(_random_float(dtype, "normal"))
        return _finish(arr, requires_grad, None)
    if size is not None or dtype is not None or requires_grad:
        raise TypeError("normal: size=, dtype= and requires_grad= go with float mean and "
                        "std; with tensors the output has their shape and dtype")
    try:
        shape = np.broadcast_shapes(*(np.shape(x.array if isinstance(x, Tensor) else x)
                                      for x in (mean, std)))
    except ValueError as err:
        raise RuntimeError(f"normal: mean of shape {np.shape(mean)} and std of shape "
                           f"{np.shape(std)} don't broadcast") from err
    dt = np.result_type(*(x.dtype for x in tensors))
    noise = _rng(generator).standard_normal(shape).astype(dt)
    return _Normal.apply(mean, std, noise)
