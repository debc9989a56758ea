"""Convolution: ``conv2d`` and ``conv1d`` (a conv2d on a height-1 image), as torch's.

The forward pass is im2col plus BLAS: a strided view of the padded input holds every
window without copying (``sliding_window_view``); one copy lays the windows out as
columns ``(C*KH*KW, N*OH*OW)``, and ``weight (O, C*KH*KW) @ columns`` computes every
output pixel of the batch in one ``matmul`` call (batched over images and groups, so
the result comes out in NCHW order).

Backward is three ops that close under differentiation, so second derivatives work:

* ``Convolution``:     y  = conv(x, w)            grads: ConvInputGrad, ConvWeightGrad
* ``ConvInputGrad``:   dx = conv_transpose(g, w)  grads: Convolution, ConvWeightGrad
* ``ConvWeightGrad``:  dw = corr(x, g)            grads: ConvInputGrad, Convolution

``ConvInputGrad`` (the transposed convolution) is col2im: ``w^T @ g`` gives the
columns' gradient, and one strided slice-add per kernel tap (KH*KW of them, each over
the whole batch) folds it back onto the input. The weight gradient is one matmul of
the output gradient with the columns saved by forward; they are freed with the graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._tensor import Tensor
from ..autograd.function import Function

if TYPE_CHECKING:
    from ._util import Ctx

Pair = tuple[int, ...]  # (height, width)
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class ConvSpec(NamedTuple):
    """The geometry of a 2-D convolution: per spatial dim (height, width)."""

    stride: Pair
    padding: tuple[Pair, ...]  # (before, after) for height, then for width
    dilation: Pair
    groups: int

    def out_size(self, size: Pair, kernel: Pair) -> Pair:
        return tuple((n + p0 + p1 - d * (k - 1) - 1) // s + 1
                     for n, (p0, p1), d, k, s in zip(size, self.padding, self.dilation,
                                                     kernel, self.stride))


# ------------------------------------------------------------------ array kernels
def _pad(x: np.ndarray, padding: tuple[Pair, ...]) -> np.ndarray:
    if padding == ((0, 0), (0, 0)):
        return x
    return np.pad(x, ((0, 0), (0, 0), *padding))


def _taps(kernel: Pair, out: Pair, spec: ConvSpec) -> list[tuple[slice, slice]]:
    """For each kernel tap (i, j), the slices of the padded input it reads for every
    output pixel: rows i*dh, i*dh + sh, ..., one per output row (same for columns)."""
    (kh, kw), (oh, ow) = kernel, out
    (sh, sw), (dh, dw) = spec.stride, spec.dilation
    return [(slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
             slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))
            for i in range(kh) for j in range(kw)]


def im2col(x: np.ndarray, kernel: Pair, spec: ConvSpec) -> np.ndarray:
    """The windows of ``x`` (N, C, H, W) as columns (G, C/G*KH*KW, N*OH*OW), one copy."""
    n, c = x.shape[:2]
    (kh, kw), (sh, sw), (dh, dw) = kernel, spec.stride, spec.dilation
    xp = _pad(x, spec.padding)
    view = sliding_window_view(xp, ((kh - 1) * dh + 1, (kw - 1) * dw + 1), axis=(2, 3))
    view = view[:, :, ::sh, ::sw, ::dh, ::dw]  # (N, C, OH, OW, KH, KW), no copy yet
    oh, ow = view.shape[2:4]
    cols = np.empty((c, kh, kw, n, oh, ow), x.dtype)
    cols[...] = view.transpose(1, 4, 5, 0, 2, 3)
    return cols.reshape(spec.groups, -1, n * oh * ow)


def _grouped(w: np.ndarray, groups: int) -> np.ndarray:
    """Weight (O, C/G, KH, KW) as (G, O/G, C/G*KH*KW)."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _rows(g: np.ndarray, groups: int) -> np.ndarray:
    """Output gradient (N, O, OH, OW) as (G, O/G, N*OH*OW): output channels as rows."""
    n, o = g.shape[:2]
    rows = np.empty((o, n) + g.shape[2:], g.dtype)
    rows[...] = g.transpose(1, 0, 2, 3)
    return rows.reshape(groups, o // groups, -1)


def conv2d_array(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, spec: ConvSpec,
                 cols: np.ndarray | None = None) -> np.ndarray:
    """The convolution on arrays: (N, C, H, W) * (O, C/G, KH, KW) -> (N, O, OH, OW)."""
    kernel = w.shape[2:]
    n, g = x.shape[0], spec.groups
    out = spec.out_size(x.shape[2:], kernel)
    if cols is None:
        cols = im2col(x, kernel, spec)
    # One product per image, (G, O/G, C/G*KH*KW) @ (G, C/G*KH*KW, OH*OW), batched over
    # N: the result is (N, G, O/G, OH*OW), already in NCHW order (no transposing copy).
    per_image = cols.reshape(g, -1, n, out[0] * out[1]).transpose(2, 0, 1, 3)
    y = np.matmul(_grouped(w, g), per_image).reshape(n, w.shape[0], *out)
    if b is not None:
        y += b.reshape(-1, 1, 1)
    return y


def conv_input_grad_array(g: np.ndarray, w: np.ndarray, x_shape: tuple[int, ...],
                          spec: ConvSpec) -> np.ndarray:
    """The transposed convolution: the gradient (N, C, H, W) of the input from the
    output gradient ``g`` (N, O, OH, OW), by col2im."""
    n, c, h, wd = x_shape
    kh, kw = w.shape[2:]
    out = g.shape[2:]
    # The columns' gradient: (G, C/G*KH*KW, N*OH*OW) -> (C, KH, KW, N, OH, OW)
    dcols = np.matmul(_grouped(w, spec.groups).transpose(0, 2, 1), _rows(g, spec.groups))
    dcols = dcols.reshape(c, kh, kw, n, *out)
    (pt, pb), (pl, pr) = spec.padding
    dxp = np.zeros((c, n, h + pt + pb, wd + pl + pr), g.dtype)  # channel-major: tap adds
    for k, (rows, columns) in enumerate(_taps((kh, kw), out, spec)):  # stay contiguous
        dxp[:, :, rows, columns] += dcols[:, k // kw, k % kw]
    dx = np.empty(x_shape, g.dtype)
    dx[...] = dxp[:, :, pt:pt + h, pl:pl + wd].transpose(1, 0, 2, 3)
    return dx


def conv_weight_grad_array(x: np.ndarray, g: np.ndarray, w_shape: tuple[int, ...],
                           spec: ConvSpec, cols: np.ndarray | None = None) -> np.ndarray:
    """The weight gradient (O, C/G, KH, KW): output gradient rows @ the columns^T."""
    if cols is None:
        cols = im2col(x, w_shape[2:], spec)
    dw = np.matmul(_rows(g, spec.groups), cols.transpose(0, 2, 1))  # (G, O/G, C/G*KH*KW)
    return dw.reshape(w_shape)


# ------------------------------------------------------------------------- ops
class Convolution(Function):
    """``conv2d(x, weight, bias)`` on (N, C, H, W); backward by the two ops below."""

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, weight: Tensor, bias: Tensor | None,
                spec: ConvSpec) -> np.ndarray:
        xd, wd = x.array, weight.array
        need_x, need_w = ctx.needs_input_grad[:2]
        cols = im2col(xd, wd.shape[2:], spec)
        ctx.save_for_backward(x if need_w else None, weight if need_x else None,
                              cols if need_w else None)
        ctx.spec, ctx.x_shape, ctx.w_shape = spec, xd.shape, wd.shape
        return conv2d_array(xd, wd, None if bias is None else bias.array, spec, cols)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Any, Any, Any, None]:
        x, weight, cols = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = ConvInputGrad.apply(grad, weight, ctx.x_shape, ctx.spec) if need_x else None
        gw = (ConvWeightGrad.apply(x, grad, ctx.w_shape, ctx.spec, cols) if need_w
              else None)
        gb = grad.sum((0, 2, 3)) if need_b else None
        return gx, gw, gb, None


class ConvInputGrad(Function):
    """The transposed convolution of ``grad`` (N, O, OH, OW) with ``weight``: the
    gradient of conv2d's input, shape ``x_shape``. Linear in both arguments."""

    @staticmethod
    def forward(ctx: Ctx, grad: Tensor, weight: Tensor, x_shape: tuple[int, ...],
                spec: ConvSpec) -> np.ndarray:
        ctx.save_for_backward(grad if ctx.needs_input_grad[1] else None,
                              weight if ctx.needs_input_grad[0] else None)
        ctx.spec, ctx.w_shape = spec, weight.array.shape
        return conv_input_grad_array(grad.array, weight.array, x_shape, spec)

    @staticmethod
    def backward(ctx: Ctx, gg: Tensor) -> tuple[Any, Any, None, None]:
        grad, weight = ctx.saved_tensors
        # <gg, A(w)^T g> = <A(w) gg, g>: conv of gg for g, weight grad of (gg, g) for w
        d_grad = (Convolution.apply(gg, weight, None, ctx.spec) if ctx.needs_input_grad[0]
                  else None)
        d_w = (ConvWeightGrad.apply(gg, grad, ctx.w_shape, ctx.spec, None)
               if ctx.needs_input_grad[1] else None)
        return d_grad, d_w, None, None


class ConvWeightGrad(Function):
    """The gradient (``w_shape``) of conv2d's weight from input ``x`` and output
    gradient ``grad``; ``cols`` are x's columns if forward kept them."""

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, grad: Tensor, w_shape: tuple[int, ...], spec: ConvSpec,
                cols: np.ndarray | None) -> np.ndarray:
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              grad if ctx.needs_input_grad[0] else None)
        ctx.spec, ctx.x_shape = spec, x.array.shape
        return conv_weight_grad_array(x.array, grad.array, w_shape, spec, cols)

    @staticmethod
    def backward(ctx: Ctx, gw: Tensor) -> tuple[Any, Any, None, None, None]:
        x, grad = ctx.saved_tensors
        # <gw, dW(x, g)> = <conv(x, gw), g>: transposed conv of g for x, conv of x for g
        d_x = (ConvInputGrad.apply(grad, gw, ctx.x_shape, ctx.spec)
               if ctx.needs_input_grad[0] else None)
        d_grad = Convolution.apply(x, gw, None, ctx.spec) if ctx.needs_input_grad[1] else None
        return d_x, d_grad, None, None, None


# ------------------------------------------------------------ public functions
def _pair(value: Any, n: int, what: str, op: str) -> tuple[int, ...]:
    """An int or a tuple of ``n`` ints as a tuple of ``n`` ints."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return (int(value),) * n
    if (isinstance(value, tuple | list) and len(value) == n
            and all(isinstance(v, int | np.integer) and not isinstance(v, bool)
                    for v in value)):
        return tuple(int(v) for v in value)
    raise TypeError(f"{op}: {what} must be an int or a tuple of {n} ints, got {value!r}")


def _padding(padding: Any, kernel: tuple[int, ...], dilation: tuple[int, ...],
             stride: tuple[int, ...], op: str) -> tuple[Pair, ...]:
    """``padding`` (int, tuple, 'valid', 'same') as (before, after) per spatial dim."""
    n = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', got "
                             f"{padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided "
                             f"convolutions (stride={stride}), as in torch")
        totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return tuple((t // 2, t - t // 2) for t in totals)  # the odd pixel goes after
    pads = _pair(padding, n, "padding", op)
    if any(p < 0 for p in pads):
        raise ValueError(f"{op}: padding must be non-negative, got {padding!r}")
    return tuple((p, p) for p in pads)


def _positive(values: tuple[int, ...], what: str, op: str) -> None:
    if any(v < 1 for v in values):
        raise ValueError(f"{op}: {what} must be positive, got {values}")


def conv_spec(kernel: tuple[int, ...], stride: Any, padding: Any, dilation: Any,
              groups: int, op: str) -> ConvSpec:
    """Check and normalise the arguments of a convolution with ``len(kernel)`` spatial
    dims (1 or 2); the spec is always 2-D (conv1d runs on height-1 images)."""
    n = len(kernel)
    strides = _pair(stride, n, "stride", op)
    dilations = _pair(dilation, n, "dilation", op)
    _positive(strides, "stride", op)
    _positive(dilations, "dilation", op)
    if not isinstance(groups, int | np.integer) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    pads = _padding(padding, kernel, dilations, strides, op)
    if n == 1:
        return ConvSpec((1, strides[0]), ((0, 0), pads[0]), (1, dilations[0]), int(groups))
    return ConvSpec(strides, pads, dilations, int(groups))


def check_conv_input(x: Tensor, weight: Tensor, bias: Tensor | None, spec: ConvSpec,
                     n_spatial: int, op: str) -> None:
    """Shapes of a convolution's operands, with messages naming ``op`` (the function or
    the layer) and what it expected."""
    dims = "(C, H, W) or 4-D (N, C, H, W)" if n_spatial == 2 else "(C, L) or 3-D (N, C, L)"
    if x.ndim not in (n_spatial + 1, n_spatial + 2):
        raise ValueError(f"{op}: expected a {n_spatial + 1}-D {dims} input, got a {x.ndim}-D "
                         f"input of shape {x.shape}")
    if weight.ndim != n_spatial + 2:
        raise ValueError(f"{op}: weight must be {n_spatial + 2}-D (out_channels, "
                         f"in_channels/groups, kernel...), got shape {weight.shape}")
    out_c, in_per_group = weight.shape[:2]
    if out_c % spec.groups:
        raise ValueError(f"{op}: out_channels ({out_c}) must be divisible by groups "
                         f"({spec.groups})")
    expected = in_per_group * spec.groups
    channels = x.shape[-n_spatial - 1]
    if channels != expected:
        raise ValueError(f"{op}: expected {expected} input channel{'s' * (expected != 1)}, "
                         f"got {channels} (input of shape {x.shape}, weight of shape "
                         f"{weight.shape}, groups={spec.groups})")
    if bias is not None and bias.shape != (out_c,):
        raise ValueError(f"{op}: bias must have shape ({out_c},), got {bias.shape}")
    size = x.shape[-n_spatial:]
    kernel = weight.shape[2:]
    pads, dilation = spec.padding[-n_spatial:], spec.dilation[-n_spatial:]
    padded = tuple(s + p0 + p1 for s, (p0, p1) in zip(size, pads))
    reach = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    if any(r > p for r, p in zip(reach, padded)):
        raise ValueError(f"{op}: kernel size {kernel} (with dilation {dilation}: {reach}) is "
                         f"larger than the padded input size {padded} (input {size})")


def _check_dtypes(x: Tensor, weight: Tensor, bias: Tensor | None, op: str) -> None:
    for name, t in (("input", x), ("weight", weight), ("bias", bias)):
        if t is not None and t.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be floating point, got {t.dtype}")
    if x.dtype != weight.dtype or (bias is not None and bias.dtype != x.dtype):
        raise TypeError(f"{op}: input ({x.dtype}), weight ({weight.dtype}) and bias must "
                        "have the same dtype")


def convolve(x: Tensor, weight: Tensor, bias: Tensor | None, spec: ConvSpec, n_spatial: int,
             op: str) -> Tensor:
    """Check the operands and run the convolution; unbatched input and 1-D convolution
    are reshaped to the 4-D case (recorded, so their gradients flow)."""
    if not isinstance(x, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{op}: input and weight must be Tensors, got "
                        f"{type(x).__name__} and {type(weight).__name__}")
    check_conv_input(x, weight, bias, spec, n_spatial, op)
    _check_dtypes(x, weight, bias, op)
    batched = x.ndim == n_spatial + 2
    if not batched:
        x = x.unsqueeze(0)
    if n_spatial == 1:
        y = Convolution.apply(x.unsqueeze(2), weight.unsqueeze(2), bias, spec).squeeze(2)
    else:
        y = Convolution.apply(x, weight, bias, spec)
    return y if batched else y.squeeze(0)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as torch): (N, C, H, W) or (C, H, W) input,
    weight (O, C/groups, KH, KW), bias (O,) -> (N, O, OH, OW).

    ``stride``, ``dilation``: int or (h, w); ``padding``: int, (h, w), ``'valid'`` or
    ``'same'`` (stride 1; an odd total puts the extra pixel after, as torch).

    >>> import minigrad as mg
    >>> import minigrad.nn.functional as F
    >>> F.conv2d(mg.ones(1, 1, 4, 4), mg.ones(2, 1, 3, 3), padding=1)[0, 0].tolist()[0]
    [4.0, 6.0, 6.0, 4.0]
    """
    kernel = tuple(weight.shape[2:]) if weight.ndim == 4 else (1, 1)
    spec = conv_spec(kernel, stride, padding, dilation, groups, "conv2d")
    return convolve(input, weight, bias, spec, 2, "conv2d")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution: (N, C, L) or (C, L) input, weight (O, C/groups, K), bias (O,)
    -> (N, O, OL). Arguments as ``conv2d``'s, with ints (or 1-tuples).

    >>> import minigrad as mg
    >>> import minigrad.nn.functional as F
    >>> F.conv1d(mg.ones(1, 1, 5), mg.ones(1, 1, 2)).tolist()
    [[[2.0, 2.0, 2.0, 2.0]]]
    """
    kernel = tuple(weight.shape[2:]) if weight.ndim == 3 else (1,)
    spec = conv_spec(kernel, stride, padding, dilation, groups, "conv1d")
    return convolve(input, weight, bias, spec, 1, "conv1d")
