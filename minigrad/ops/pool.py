"""Pooling: ``max_pool2d``, ``avg_pool2d``, ``adaptive_avg_pool2d``, as torch's.

A pool visits its kernel taps, not its pixels: for tap (i, j), a strided slice of the
padded input holds that tap's value for every window of the batch at once, so a 2x2
pool is four vectorised steps (``conv._taps`` gives the slices).

* max: the running maximum over the taps, and which tap won (first one on ties, a NaN
  wins, as torch). Backward sends each window's gradient to its winner, one slice-add
  per tap (windows may overlap); that scatter's own derivative is the gather of the
  winners, so the three ops ``MaxPool``, ``MaxPoolScatter``, ``MaxPoolGather`` close
  under differentiation.
* average: a sum over the taps divided by each window's count; backward spreads the
  gradient back over the taps (``AvgPoolScatter``), whose derivative is the pool again.
* adaptive average: two averaging matrices, ``P_h @ x @ P_w^T`` (recorded matmuls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from .conv import ConvSpec, Pair, _pair, _taps
from .linalg import matmul

if TYPE_CHECKING:
    from ._util import Ctx


class PoolSpec(NamedTuple):
    """A pool's geometry: kernel and output size, and the ``ConvSpec`` of its taps (its
    padding includes the extra room ``ceil_mode`` may need after the input)."""

    kernel: Pair
    out: Pair
    taps: ConvSpec


def _out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's ``pooling_output_shape``: with ``ceil_mode`` a last partial window counts
    if it starts inside the input or the left padding."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def pool_spec(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, op: str) -> PoolSpec:
    """Check a 2-D pool's arguments against input ``x`` and work out its geometry."""
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got a "
                         f"{x.ndim}-D input of shape {x.shape}")
    kernel = _pair(kernel_size, 2, "kernel_size", op)
    strides = kernel if stride is None or stride == () else _pair(stride, 2, "stride", op)
    pads = _pair(padding, 2, "padding", op)
    dilations = _pair(dilation, 2, "dilation", op)
    for what, values in (("kernel_size", kernel), ("stride", strides),
                         ("dilation", dilations)):
        if any(v < 1 for v in values):
            raise ValueError(f"{op}: {what} must be positive, got {values}")
    if any(p < 0 for p in pads):
        raise ValueError(f"{op}: padding must be non-negative, got {pads}")
    if any(p > k // 2 for p, k in zip(pads, kernel)):
        raise ValueError(f"{op}: padding {pads} must be at most half the kernel size "
                         f"{kernel}, as in torch")
    size = x.shape[-2:]
    out = tuple(_out_size(*a, ceil_mode) for a in zip(size, kernel, strides, pads, dilations))
    if any(o < 1 for o in out):
        raise ValueError(f"{op}: input of size {size} is too small for kernel_size {kernel} "
                         f"(dilation {dilations}, padding {pads}): the output size would be "
                         f"{out}")
    # room after the input for the last window: the padding, or more with ceil_mode
    after = tuple(max(p, (o - 1) * s + d * (k - 1) + 1 - n - p)
                  for n, o, s, d, k, p in zip(size, out, strides, dilations, kernel, pads))
    taps = ConvSpec(strides, ((pads[0], after[0]), (pads[1], after[1])), dilations, 1)
    return PoolSpec(kernel, out, taps)


def _padded(x: np.ndarray, spec: PoolSpec, fill: float) -> np.ndarray:
    pads = spec.taps.padding
    if pads == ((0, 0), (0, 0)):
        return x
    return np.pad(x, ((0, 0), (0, 0), *pads), constant_values=fill)


def _scatter_taps(parts: Any, spec: PoolSpec, x_shape: tuple[int, ...],
                  dtype: np.dtype) -> np.ndarray:
    """Add ``parts(k)`` (N, C, OH, OW), for each tap k, onto the input positions the tap
    reads: the adjoint of reading the taps. Returns a fresh array of ``x_shape``."""
    (pt, pb), (pl, pr) = spec.taps.padding
    h, w = x_shape[2:]
    dxp = np.zeros(x_shape[:2] + (h + pt + pb, w + pl + pr), dtype)
    for k, (rows, cols) in enumerate(_taps(spec.kernel, spec.out, spec.taps)):
        dxp[:, :, rows, cols] += parts(k)
    if dxp.shape == x_shape:
        return dxp
    return dxp[:, :, pt:pt + h, pl:pl + w].copy()


# -------------------------------------------------------------------------- max
def _max_taps(x: np.ndarray, spec: PoolSpec) -> tuple[np.ndarray, np.ndarray]:
    """The maximum of each window and the tap that holds it (uint8 or int32): the
    first one on ties, and the last NaN if there is one, as torch."""
    xp = _padded(x, spec, -np.inf)
    taps = _taps(spec.kernel, spec.out, spec.taps)
    best = xp[(slice(None), slice(None), *taps[0])].copy()
    arg = np.zeros(best.shape, np.uint8 if len(taps) < 256 else np.int32)
    value = np.empty_like(best)  # each tap copied here: ufuncs on strided views are slow
    better = np.empty(best.shape, bool)
    step = np.empty_like(arg)
    for k, (rows, cols) in enumerate(taps[1:], 1):
        value[...] = xp[:, :, rows, cols]
        np.greater(value, best, out=better)
        np.maximum(best, value, out=best)
        # The taps that beat the running maximum come in increasing order, so the winner
        # is the largest such k (arithmetic: masked writes are slow in numpy).
        np.maximum(arg, np.multiply(better, arg.dtype.type(k), out=step), out=arg)
    if np.isnan(best).any():  # rare: redo with torch's rule that a NaN always wins
        return _max_taps_nan(xp, taps, best.shape)
    return best, arg


def _max_taps_nan(xp: np.ndarray, taps: list, shape: tuple[int, ...]) -> tuple[Any, Any]:
    best = xp[(slice(None), slice(None), *taps[0])].copy()
    arg = np.zeros(shape, np.int32)
    for k, (rows, cols) in enumerate(taps[1:], 1):
        value = xp[:, :, rows, cols]
        better = (value > best) | np.isnan(value)
        best[better] = value[better]
        arg[better] = k
    return best, arg


def _tiles(spec: PoolSpec, x_shape: tuple[int, ...]) -> tuple[bool, bool]:
    """(windows never overlap, and they cover the input exactly once)."""
    disjoint = all(s >= d * (k - 1) + 1 for s, d, k in
                   zip(spec.taps.stride, spec.taps.dilation, spec.kernel))
    exact = (disjoint and spec.taps.stride == spec.kernel and spec.taps.dilation == (1, 1)
             and spec.taps.padding == ((0, 0), (0, 0))
             and all(o * k == n for o, k, n in zip(spec.out, spec.kernel, x_shape[2:])))
    return disjoint, exact


def _gather(x: np.ndarray, arg: np.ndarray, spec: PoolSpec) -> np.ndarray:
    """Each window's value at its winning tap (the maximum, for the pool's own input)."""
    xp = _padded(x, spec, 0)
    out = np.zeros(arg.shape, x.dtype)
    for k, (rows, cols) in enumerate(_taps(spec.kernel, spec.out, spec.taps)):
        out += xp[:, :, rows, cols] * (arg == k)
    return out


def _scatter(grad: np.ndarray, arg: np.ndarray, spec: PoolSpec,
             x_shape: tuple[int, ...]) -> np.ndarray:
    """Each window's gradient sent to its winning tap's input position."""
    disjoint, exact = _tiles(spec, x_shape)
    if not disjoint:
        return _scatter_taps(lambda k: grad * (arg == k), spec, x_shape, grad.dtype)
    # Disjoint windows: each tap's slice is written once, straight into place.
    (pt, pb), (pl, pr) = spec.taps.padding
    h, w = x_shape[2:]
    shape = x_shape[:2] + (h + pt + pb, w + pl + pr)
    dxp = np.empty(shape, grad.dtype) if exact else np.zeros(shape, grad.dtype)
    for k, (rows, cols) in enumerate(_taps(spec.kernel, spec.out, spec.taps)):
        np.multiply(grad, arg == k, out=dxp[:, :, rows, cols])
    if shape == x_shape:
        return dxp
    return dxp[:, :, pt:pt + h, pl:pl + w].copy()


class MaxPoolGather(Function):
    """Pick each window's value at the given tap ``arg``; the derivative of a scatter."""

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, arg: np.ndarray, spec: PoolSpec) -> np.ndarray:
        ctx.save_for_backward(arg)
        ctx.spec, ctx.x_shape = spec, x.array.shape
        return _gather(x.array, arg, spec)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Any, None, None]:
        (arg,) = ctx.saved_tensors
        return MaxPoolScatter.apply(grad, arg, ctx.spec, ctx.x_shape), None, None


class MaxPool(MaxPoolGather):
    """Max pool of (N, C, H, W); backward (inherited) scatters to each window's maximum."""

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, spec: PoolSpec) -> np.ndarray:  # type: ignore[override]
        best, arg = _max_taps(x.array, spec)
        ctx.save_for_backward(arg)
        ctx.spec, ctx.x_shape = spec, x.array.shape
        return best

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Any, None]:  # type: ignore[override]
        return MaxPoolGather.backward(ctx, grad)[:2]


class MaxPoolScatter(Function):
    """Send each window's gradient to its tap ``arg``: shape ``x_shape``; linear, its
    derivative is the gather."""

    @staticmethod
    def forward(ctx: Ctx, grad: Tensor, arg: np.ndarray, spec: PoolSpec,
                x_shape: tuple[int, ...]) -> np.ndarray:
        ctx.save_for_backward(arg)
        ctx.spec = spec
        return _scatter(grad.array, arg, spec, x_shape)

    @staticmethod
    def backward(ctx: Ctx, gg: Tensor) -> tuple[Any, None, None, None]:
        (arg,) = ctx.saved_tensors
        return MaxPoolGather.apply(gg, arg, ctx.spec), None, None, None


def _plane_indices(arg: np.ndarray, spec: PoolSpec, width: int) -> np.ndarray:
    """torch's ``return_indices``: the flat index of each maximum in its (H, W) plane."""
    (sh, sw), (dh, dw) = spec.taps.stride, spec.taps.dilation
    (pt, _), (pl, _) = spec.taps.padding
    kw = spec.kernel[1]
    oh, ow = spec.out
    a = arg.astype(np.int64)
    rows = (np.arange(oh) * sh - pt)[:, None] + (a // kw) * dh
    cols = np.arange(ow) * sw - pl + (a % kw) * dw
    return rows * width + cols


# ---------------------------------------------------------------------- average
def _avg_divisor(size: Pair, spec: PoolSpec, count_include_pad: bool,
                 divisor_override: int | None) -> np.ndarray | int:
    """What each window's sum is divided by, (OH, OW), as torch: padding counts unless
    ``count_include_pad=False``; the room ceil_mode adds never does."""
    if divisor_override is not None:
        return divisor_override
    counts = []
    for n, o, s, k, (p, _) in zip(size, spec.out, spec.taps.stride, spec.kernel,
                                  spec.taps.padding):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        counts.append(end - start)
    return counts[0][:, None] * counts[1]


class AvgPool(Function):
    """Average pool of (N, C, H, W): window sums over the taps / ``divisor``."""

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, spec: PoolSpec, divisor: Any) -> np.ndarray:
        ctx.spec, ctx.divisor, ctx.x_shape = spec, divisor, x.array.shape
        xp = _padded(x.array, spec, 0)
        taps = _taps(spec.kernel, spec.out, spec.taps)
        total = xp[(slice(None), slice(None), *taps[0])].copy()
        for rows, cols in taps[1:]:
            total += xp[:, :, rows, cols]
        total /= np.asarray(divisor, total.dtype)
        return total

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Any, None, None]:
        return AvgPoolScatter.apply(grad, ctx.spec, ctx.divisor, ctx.x_shape), None, None


class AvgPoolScatter(Function):
    """The adjoint of the average pool: each window's gradient / divisor spread over its
    taps, shape ``x_shape``; its derivative is the pool."""

    @staticmethod
    def forward(ctx: Ctx, grad: Tensor, spec: PoolSpec, divisor: Any,
                x_shape: tuple[int, ...]) -> np.ndarray:
        ctx.spec, ctx.divisor = spec, divisor
        g = grad.array / np.asarray(divisor, grad.array.dtype)
        return _scatter_taps(lambda k: g, spec, x_shape, g.dtype)

    @staticmethod
    def backward(ctx: Ctx, gg: Tensor) -> tuple[Any, None, None, None]:
        return AvgPool.apply(gg, ctx.spec, ctx.divisor), None, None, None


# ------------------------------------------------------------ public functions
def _batched(x: Tensor, run: Any) -> Any:
    """Run ``run`` on a 4-D view of ``x``; an unbatched (C, H, W) input gets its batch
    dim back off every Tensor of the result."""
    if x.ndim == 4:
        return run(x)
    out = run(x.unsqueeze(0))
    if isinstance(out, tuple):
        return tuple(o.squeeze(0) for o in out)
    return out.squeeze(0)


def _check_float(x: Any, op: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got {x.dtype}")


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """2-D max pool of (N, C, H, W) or (C, H, W); ``stride`` defaults to the kernel
    size. The gradient goes to each window's maximum (the first one on ties, as torch).
    ``return_indices=True`` also returns each maximum's flat index in its (H, W) plane.

    >>> import minigrad as mg
    >>> import minigrad.nn.functional as F
    >>> F.max_pool2d(mg.arange(16.0).reshape(1, 4, 4), 2).tolist()
    [[[5.0, 7.0], [13.0, 15.0]]]
    """
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                    "max_pool2d")


def max_pool(input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
             ceil_mode: bool, return_indices: bool, op: str) -> Any:
    """``max_pool2d`` with errors naming ``op`` (the function or the layer)."""
    _check_float(input, op)
    spec = pool_spec(input, kernel_size, stride, padding, dilation, ceil_mode, op)

    def run(x: Tensor) -> Any:
        out = MaxPool.apply(x, spec)
        if not return_indices:
            return out
        arg = _max_taps(x.array, spec)[1]  # again: indices are rarely asked for
        return out, Tensor(_plane_indices(arg, spec, x.shape[-1]))

    return _batched(input, run)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """2-D average pool of (N, C, H, W) or (C, H, W); ``stride`` defaults to the kernel
    size. Windows over the padding divide by the full kernel area unless
    ``count_include_pad=False``; ``divisor_override`` replaces the divisor.

    >>> import minigrad as mg
    >>> import minigrad.nn.functional as F
    >>> F.avg_pool2d(mg.arange(16.0).reshape(1, 4, 4), 2).tolist()
    [[[2.5, 4.5], [10.5, 12.5]]]
    """
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                    divisor_override, "avg_pool2d")


def avg_pool(input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
             count_include_pad: bool, divisor_override: int | None, op: str) -> Tensor:
    """``avg_pool2d`` with errors naming ``op`` (the function or the layer)."""
    _check_float(input, op)
    spec = pool_spec(input, kernel_size, stride, padding, 1, ceil_mode, op)
    if divisor_override is not None and (not isinstance(divisor_override, int)
                                         or divisor_override == 0):
        raise ValueError(f"{op}: divisor_override must be a non-zero int, got "
                         f"{divisor_override!r}")
    divisor = _avg_divisor(input.shape[-2:], spec, count_include_pad, divisor_override)
    return _batched(input, lambda x: AvgPool.apply(x, spec, divisor))


def _bins(n: int, out: int, dtype: np.dtype) -> np.ndarray:
    """(out, n): row i averages input positions floor(i n / out) .. ceil((i+1) n / out)."""
    i = np.arange(out)
    start, end = (i * n) // out, -((-(i + 1) * n) // out)
    pos = np.arange(n)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pool to a fixed ``output_size`` (int, or (h, w) with None for "keep"),
    with torch's bins: output row i averages rows floor(i H / h) to ceil((i+1) H / h).

    >>> import minigrad as mg
    >>> import minigrad.nn.functional as F
    >>> F.adaptive_avg_pool2d(mg.ones(2, 3, 7, 5), 1).shape
    (2, 3, 1, 1)
    """
    return adaptive_avg_pool(input, output_size, "adaptive_avg_pool2d")


def adaptive_avg_pool(input: Tensor, output_size: Any, op: str) -> Tensor:
    """``adaptive_avg_pool2d`` with errors naming ``op`` (the function or the layer)."""
    _check_float(input, op)
    if input.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got a "
                         f"{input.ndim}-D input of shape {input.shape}")
    if isinstance(output_size, tuple | list):
        sizes = tuple(n if o is None else o for o, n in zip(output_size, input.shape[-2:]))
    else:
        sizes = output_size
    oh, ow = _pair(sizes, 2, "output_size", op)
    if oh < 1 or ow < 1 or 0 in input.shape[-2:]:
        raise ValueError(f"{op}: output_size must be positive and the input non-empty, got "
                         f"output_size {output_size!r} for input of shape {input.shape}")
    h, w = input.shape[-2:]
    rows, cols = _bins(h, oh, input.dtype), _bins(w, ow, input.dtype)
    return matmul(matmul(rows, input), cols.T.copy())
