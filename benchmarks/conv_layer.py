"""One convolution layer, forward + backward: batch 64, 16 -> 32 channels, 14x14,
3x3 kernel, padding 1, float32 (LeNet's second layer).

A call computes the output and, from a fixed upstream gradient, the gradients of the
input, weight and bias. Contenders: the hand-written im2col version (``_im2col.py``),
``torch.nn.functional.conv2d`` (one thread), and ``minigrad.nn.functional.conv2d``.
Target: minigrad at most 1.20x the numpy floor.
"""

from __future__ import annotations

import numpy as np

from . import _im2col as im
from ._peers import load_torch
from ._result import Result
from ._timing import compare
from .cnn_step import single_thread

SHAPE = (64, 16, 14, 14)
OUT = 32
RATIO_TARGET = 1.20


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(SHAPE).astype(np.float32)
    w = (rng.standard_normal((OUT, SHAPE[1], 3, 3)) / 12).astype(np.float32)
    b = rng.standard_normal(OUT).astype(np.float32)
    g = rng.standard_normal((SHAPE[0], OUT, *SHAPE[2:])).astype(np.float32)
    return x, w, b, g


def numpy_fn(x, w, b, g):
    def call():
        y, cols = im.conv_forward(x, w, b, 1)
        return y, im.conv_backward(g, cols, w, x.shape, 1)
    return call


def torch_fn(torch, x, w, b, g):
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    gt = torch.from_numpy(g)
    conv2d = torch.nn.functional.conv2d

    def call():
        y = conv2d(xt, wt, bt, padding=1)
        return torch.autograd.grad(y, (xt, wt, bt), gt)
    return call


def minigrad_fn(x, w, b, g):
    import minigrad as mg
    import minigrad.nn.functional as F

    xm, wm, bm = (mg.tensor(a, requires_grad=True) for a in (x, w, b))
    gm = mg.tensor(g)

    def call():
        y = F.conv2d(xm, wm, bm, padding=1)
        return mg.autograd.grad(y, (xm, wm, bm), gm)
    return call


def _check(fns: dict) -> None:
    """Same gradients from every contender (float32 round-off apart)."""
    ref = fns["numpy"]()[1]
    for name, fn in fns.items():
        grads = [np.asarray(g.detach()) if hasattr(g, "detach") else g for g in fn()[-3:]] \
            if name != "numpy" else list(ref)
        for a, r in zip(grads, ref):
            np.testing.assert_allclose(a, r, rtol=1e-3, atol=1e-3, err_msg=name)


def run(quick: bool = False) -> Result:
    x, w, b, g = _data()
    with single_thread():
        fns = {"minigrad": minigrad_fn(x, w, b, g), "numpy": numpy_fn(x, w, b, g)}
        torch = load_torch()
        if torch is not None:
            fns["torch"] = torch_fn(torch, x, w, b, g)
        _check(fns)
        timings = compare(fns, repeats=5 if quick else 21, number=3 if quick else 5, warmup=2)
    ms = {k: t.median * 1e3 for k, t in timings.items()}
    return Result(
        name="Conv2d forward + backward (batch 64, 16->32 channels, 14x14, 3x3, padding 1)",
        unit="ms / call",
        minigrad=ms["minigrad"], numpy=ms["numpy"], torch=ms.get("torch"),
        target=f"≤ {RATIO_TARGET:.2f}× numpy",
        passed=ms["minigrad"] <= RATIO_TARGET * ms["numpy"], timings=timings)
