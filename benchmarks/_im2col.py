"""A hand-written numpy CNN: the floor the conv benchmarks compare minigrad against.

What one writes by hand for a stride-1 3x3 convolution and a 2x2 max pool, knowing the
shapes in advance (no general strides, dilation or groups):

* conv forward: zero-pad, take every window with ``as_strided``, copy them to columns
  (C*KH*KW, N*H*W) and multiply by the weight matrix: one BLAS call; the columns are
  kept for the weight gradient.
* conv backward: weight gradient = output gradient rows @ columns^T (one BLAS call);
  input gradient by col2im: weight^T @ output gradient, then one slice-add per tap.
* 2x2 max pool: the maximum of the four strided quadrants; backward sends the gradient
  where the input equals its window's maximum (ties are measure-zero on random data).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, pad: int):
    """(N, C, H, W) * (O, C, K, K), stride 1 -> (N, O, H', W'), and the columns."""
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
    oh, ow = xp.shape[2] - k + 1, xp.shape[3] - k + 1
    sn, sc, sh, sw = xp.strides
    windows = as_strided(xp, (c, k, k, n, oh, ow), (sc, sh, sw, sn, sh, sw))
    cols = np.ascontiguousarray(windows).reshape(c * k * k, n * oh * ow)
    y = (w.reshape(o, -1) @ cols).reshape(o, n, oh, ow).transpose(1, 0, 2, 3)
    out = np.empty((n, o, oh, ow), x.dtype)
    np.add(y, b[:, None, None], out=out)  # contiguous (N, O, H', W'), for the next layer
    return out, cols


def conv_backward(g: np.ndarray, cols: np.ndarray, w: np.ndarray, x_shape, pad: int,
                  need_dx: bool = True):
    """Gradients of the input (or None), weight and bias from the output gradient."""
    n, c, h, wd = x_shape
    o, _, k, _ = w.shape
    oh, ow = g.shape[2:]
    rows = np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(o, -1)
    dw = (rows @ cols.T).reshape(w.shape)
    db = g.sum(axis=(0, 2, 3))
    if not need_dx:
        return None, dw, db
    dcols = (w.reshape(o, -1).T @ rows).reshape(c, k, k, n, oh, ow)
    dxp = np.zeros((c, n, h + 2 * pad, wd + 2 * pad), g.dtype)
    for i in range(k):
        for j in range(k):
            dxp[:, :, i:i + oh, j:j + ow] += dcols[:, i, j]
    dx = dxp[:, :, pad:pad + h, pad:pad + wd].transpose(1, 0, 2, 3)
    return np.ascontiguousarray(dx), dw, db


QUADRANTS = [(slice(i, None, 2), slice(j, None, 2)) for i in (0, 1) for j in (0, 1)]


def pool_forward(x: np.ndarray):
    """2x2 max pool, stride 2 (even sizes): the maximum of the four quadrants."""
    (r0, c0), (r1, c1), (r2, c2), (r3, c3) = QUADRANTS
    out = np.maximum(x[:, :, r0, c0], x[:, :, r1, c1])
    np.maximum(out, x[:, :, r2, c2], out=out)
    np.maximum(out, x[:, :, r3, c3], out=out)
    return out, x


def pool_backward(g: np.ndarray, out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The gradient goes where the input equals its window's maximum."""
    dx = np.empty(x.shape, g.dtype)
    for rows, cols in QUADRANTS:
        np.multiply(g, x[:, :, rows, cols] == out, out=dx[:, :, rows, cols])
    return dx
