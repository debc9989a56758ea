"""CNN training step: a LeNet-style network on 28x28 one-channel images, batch 64,
float32, SGD (lr 0.05).

The network (``minigrad.models.lenet``, which builds the same model from
``minigrad.nn`` or ``torch.nn``): Conv2d(1, 16, 3, padding=1), ReLU, MaxPool2d(2),
Conv2d(16, 32, 3, padding=1), ReLU, MaxPool2d(2), Flatten, Linear(32*7*7, 10).

One step = zero the gradients, forward, softmax cross-entropy (mean over the batch),
backward, SGD update. All contenders start from the same weights and data (random,
generated here). Contenders:

* numpy floor: the step written by hand with im2col (``_im2col.py``), shapes known in
  advance, ReLU in place, the update ``p -= lr * g``.
* torch: ``torch.nn`` layers, ``F.cross_entropy``, ``optim.SGD``, one thread.
* minigrad: ``minigrad.nn``, ``F.cross_entropy``, ``optim.SGD``: the code a user writes.

Target: minigrad at most 1.20x the numpy floor. A second pass runs steps under
``tracemalloc``: the peak memory of a step is reported, and it must not grow from step
to step (the columns im2col makes are freed with each step's graph).
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import numpy as np

from minigrad.models import lenet

from . import _im2col as im
from ._peers import load_torch
from ._result import Result
from ._timing import compare, paired_notes, paired_ratios, step_peaks
from .mlp_step import softmax_cross_entropy_in_place, training_step_fn

BATCH = 64
SIZE = 28
CLASSES = 10
LR = 0.05
RATIO_TARGET = 1.20
MEMORY_STEPS = 40
MEMORY_FROM = 5
MEMORY_TOLERANCE = 1.05


def init_params(seed: int = 0) -> list[np.ndarray]:
    """[conv1.w, conv1.b, conv2.w, conv2.b, fc.w, fc.b] with torch's default bounds."""
    rng = np.random.default_rng(seed)
    shapes = [((16, 1, 3, 3), 9), ((32, 16, 3, 3), 144), ((CLASSES, 32 * 7 * 7), 32 * 49)]
    params = []
    for shape, fan_in in shapes:
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, shape).astype(np.float32))
        params.append(rng.uniform(-bound, bound, shape[0]).astype(np.float32))
    return params


def make_batch(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, 1, SIZE, SIZE)).astype(np.float32)
    return x, rng.integers(0, CLASSES, BATCH)


# ----------------------------------------------------------------------- numpy
def numpy_step_fn(params: list[np.ndarray], x: np.ndarray, y: np.ndarray):
    w1, b1, w2, b2, w3, b3 = params
    rows = np.arange(len(y))

    def step() -> float:
        h1, cols1 = im.conv_forward(x, w1, b1, 1)
        np.maximum(h1, 0, out=h1)
        p1, _ = im.pool_forward(h1)
        h2, cols2 = im.conv_forward(p1, w2, b2, 1)
        np.maximum(h2, 0, out=h2)
        p2, _ = im.pool_forward(h2)
        flat = p2.reshape(len(y), -1)
        logits = flat @ w3.T
        logits += b3
        loss, d = softmax_cross_entropy_in_place(logits, y, rows)
        gw3, gb3 = d.T @ flat, d.sum(axis=0)
        dp2 = (d @ w3).reshape(p2.shape)
        dh2 = im.pool_backward(dp2, p2, h2)
        dh2 *= h2 > 0
        dp1, gw2, gb2 = im.conv_backward(dh2, cols2, w2, p1.shape, 1)
        dh1 = im.pool_backward(dp1, p1, h1)
        dh1 *= h1 > 0
        _, gw1, gb1 = im.conv_backward(dh1, cols1, w1, x.shape, 1, need_dx=False)
        for p, g in zip(params, (gw1, gb1, gw2, gb2, gw3, gb3)):
            g *= LR
            p -= g
        return float(loss)

    return step


# ----------------------------------------------------------- minigrad and torch
def step_fn(lib: Any, params: list[np.ndarray], x: np.ndarray, y: np.ndarray):
    """The CNN's step for ``lib`` (``minigrad`` or ``torch``): the same code for both."""
    return training_step_fn(lib, lenet(nn=lib.nn), params, x, y)


def minigrad_step_fn(params: list[np.ndarray], x: np.ndarray, y: np.ndarray):
    import minigrad

    return step_fn(minigrad, params, x, y)


# ------------------------------------------------------------------------- run
def single_thread() -> Any:
    """threadpoolctl's limit of one BLAS thread, if it is installed (the benchmarks also
    set the thread variables before numpy loads)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(1)


def _memory_note(params, x, y, quick: bool) -> tuple[str, bool, list[int]]:
    n_steps = 15 if quick else MEMORY_STEPS
    mg_peaks = step_peaks(minigrad_step_fn(params, x, y), n_steps)[MEMORY_FROM - 1:]
    np_peaks = step_peaks(numpy_step_fn([p.copy() for p in params], x, y), 3)
    early, late = max(mg_peaks[:5]), max(mg_peaks[-5:])
    flat = late <= early * MEMORY_TOLERANCE
    note = (f"CNN step memory (tracemalloc peak per step): minigrad {max(mg_peaks) / 2**20:.1f}"
            f" MiB (steps {MEMORY_FROM}..{n_steps}: first 5 max {early / 2**20:.2f} MiB, last 5"
            f" max {late / 2**20:.2f} MiB -> {'flat' if flat else 'GROWING'}), numpy floor "
            f"{max(np_peaks) / 2**20:.1f} MiB.")
    return note, flat, mg_peaks


def run(quick: bool = False) -> Result:
    x, y = make_batch()
    params = init_params()
    with single_thread():
        fns = {"minigrad": minigrad_step_fn(params, x, y),
               "numpy": numpy_step_fn([p.copy() for p in params], x, y)}
        torch = load_torch()
        if torch is not None:
            fns["torch"] = step_fn(torch, params, x, y)
        first = {name: fn() for name, fn in fns.items()}
        for name, loss in first.items():
            if not np.isclose(loss, first["numpy"], rtol=1e-4):
                raise AssertionError(f"CNN step: {name}'s loss {loss} differs from numpy's "
                                     f"{first['numpy']}")
        timings = compare(fns, repeats=5 if quick else 21, number=2 if quick else 3, warmup=2)
        mem_note, flat, peaks = _memory_note(params, x, y, quick)
    ms = {k: t.median * 1e3 for k, t in timings.items()}
    paired = paired_ratios(timings["minigrad"], timings["numpy"])
    return Result(
        name=f"LeNet-style CNN training step (28x28x1, conv16-pool-conv32-pool-dense, batch "
             f"{BATCH})",
        unit="ms / step",
        minigrad=ms["minigrad"], numpy=ms["numpy"], torch=ms.get("torch"),
        target=f"≤ {RATIO_TARGET:.2f}× numpy; memory flat",
        passed=ms["minigrad"] <= RATIO_TARGET * ms["numpy"] and flat,
        notes=[*paired_notes("CNN step", timings), mem_note], timings=timings,
        extra={"step_peak_bytes": peaks, "memory_flat": flat, "paired_ratios": paired},
    )
