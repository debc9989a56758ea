"""MLP training step: 784-256-128-10 ReLU MLP, batch 128, float32, SGD (lr 0.1).

One step = zero the gradients, forward, softmax cross-entropy (mean over the batch),
backward, in-place SGD update. All contenders start from the same weights and data
(random, generated here: no data files).

* numpy floor: the step written by hand: forward with ``@``, backward from the fused
  cross-entropy gradient ``(softmax - onehot) / B``, ``-=`` updates in place.
* numpy under torch's semantics: the same step without the two in-place tricks a
  library may not play (ReLU overwriting its input, the update overwriting ``.grad``),
  reported in a note: it shows how much of the gap they account for.
* torch: ``nn.Linear`` layers in ``nn.Sequential``, ``F.cross_entropy``, ``optim.SGD``.
* minigrad: ``minigrad.nn`` / ``minigrad.optim`` / ``nn.functional.cross_entropy``, the
  same code a user writes (if any of it is missing, the benchmark fails).

Target: minigrad at most 1.10x the numpy floor. A second pass runs 100 steps under
``tracemalloc`` and checks that the peak memory of a step does not grow (steps 10..100),
i.e. nothing from earlier steps (graphs, gradients) is kept alive.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._peers import load_torch
from ._result import Result
from ._timing import compare, paired_notes, paired_ratios, step_peaks

NAME = "MLP training step"
SIZES = (784, 256, 128, 10)
BATCH = 128
LR = 0.1
RATIO_TARGET = 1.10
MEMORY_STEPS = 100
MEMORY_FROM = 10
MEMORY_TOLERANCE = 1.05  # late steps' peak may exceed early steps' by at most 5%
MINIGRAD_STEP = "minigrad.nn + optim.SGD"  # what the minigrad contender runs


def init_params(seed: int = 0) -> list[np.ndarray]:
    """[W1, b1, W2, b2, W3, b3], torch.nn.Linear's default init, float32."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return params


def make_batch(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    return x, y


# ----------------------------------------------------------------------- numpy
def softmax_cross_entropy_in_place(logits: np.ndarray, y: np.ndarray,
                                   rows: np.ndarray) -> tuple[float, np.ndarray]:
    """The numpy floors' loss: mean cross-entropy of softmax(logits) and its fused
    gradient (softmax - onehot) / B, written over ``logits`` (``rows`` is arange(B))."""
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    loss = -np.log(logits[rows, y]).mean()
    logits[rows, y] -= 1
    logits /= len(y)
    return float(loss), logits


def numpy_step_fn(params: list[np.ndarray], x: np.ndarray, y: np.ndarray,
                  torch_semantics: bool = False):
    """The hand-written step. ``torch_semantics=True`` gives up the two in-place tricks a
    library may not play: ReLU writes a new array (``nn.ReLU()`` leaves its input
    alone), and the update leaves the gradient intact (torch's ``step()`` never writes
    ``.grad``), so ``lr * grad`` goes to a reused scratch array, as minigrad's SGD does.
    """
    W1, b1, W2, b2, W3, b3 = params
    rows = np.arange(len(y))
    scratch = None
    if torch_semantics:  # one buffer for all, viewed per shape (as minigrad's optimizers)
        flat = np.empty(max(p.size for p in params), np.float32)
        scratch = [flat[:p.size].reshape(p.shape) for p in params]

    def step() -> float:
        h1 = x @ W1.T
        h1 += b1
        h1 = np.maximum(h1, 0, out=None if torch_semantics else h1)
        h2 = h1 @ W2.T
        h2 += b2
        h2 = np.maximum(h2, 0, out=None if torch_semantics else h2)
        logits = h2 @ W3.T
        logits += b3
        loss, d3 = softmax_cross_entropy_in_place(logits, y, rows)
        gW3, gb3 = d3.T @ h2, d3.sum(axis=0)
        d2 = d3 @ W3
        d2 *= h2 > 0
        gW2, gb2 = d2.T @ h1, d2.sum(axis=0)
        d1 = d2 @ W2
        d1 *= h1 > 0
        gW1, gb1 = d1.T @ x, d1.sum(axis=0)
        grads = (gW1, gb1, gW2, gb2, gW3, gb3)
        if torch_semantics:
            for p, g, work in zip(params, grads, scratch):
                p -= np.multiply(g, LR, out=work)
        else:
            for p, g in zip(params, grads):
                g *= LR
                p -= g
        return float(loss)

    return step


# ----------------------------------------------------------- minigrad and torch
def training_step_fn(lib: Any, model: Any, params: list[np.ndarray], x: np.ndarray,
                     y: np.ndarray):
    """One training step of ``model`` written once for ``lib`` (``minigrad`` or ``torch``),
    with the same calls a user moving between the two writes, from the given weights
    (in ``model.parameters()`` order)."""
    with lib.no_grad():
        for p, value in zip(model.parameters(), params):
            p.copy_(lib.tensor(value))
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    cross_entropy = lib.nn.functional.cross_entropy
    xt, yt = lib.tensor(x), lib.tensor(y)

    def step() -> float:
        opt.zero_grad()
        loss = cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def mlp(nn: Any) -> Any:
    """784-256-128-10 with ReLUs, from ``nn`` (``minigrad.nn`` or ``torch.nn``)."""
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                         nn.Linear(128, 10))


def torch_step_fn(torch: Any, params: list[np.ndarray], x: np.ndarray, y: np.ndarray):
    return training_step_fn(torch, mlp(torch.nn), params, x, y)


def minigrad_step_fn(params: list[np.ndarray], x: np.ndarray, y: np.ndarray):
    """The step with minigrad.nn and optim.SGD, from the given weights."""
    import minigrad

    return training_step_fn(minigrad, mlp(minigrad.nn), params, x, y)


# ------------------------------------------------------------------------- run
def run(quick: bool = False) -> Result:
    x, y = make_batch()
    params = init_params()
    mg_step = minigrad_step_fn(params, x, y)
    fns = {"minigrad": mg_step, "numpy": numpy_step_fn([p.copy() for p in params], x, y),
           "numpy, torch semantics": numpy_step_fn([p.copy() for p in params], x, y,
                                                   torch_semantics=True)}
    torch = load_torch()
    if torch is not None:
        fns["torch"] = torch_step_fn(torch, params, x, y)

    # Same weights and data: the first losses must agree.
    first = {name: fn() for name, fn in fns.items()}
    for name, loss in first.items():
        if not np.isclose(loss, first["numpy"], rtol=1e-4):
            raise AssertionError(f"MLP step: {name}'s loss {loss} differs from numpy's "
                                 f"{first['numpy']}")

    timings = compare(fns, repeats=7 if quick else 31, number=3 if quick else 5, warmup=3)
    ms = {k: t.median * 1e3 for k, t in timings.items()}

    # Memory: a fresh model, so the first steps' allocations are included in the record.
    mem_step = minigrad_step_fn(params, x, y)
    n_mem = 30 if quick else MEMORY_STEPS
    peaks = step_peaks(mem_step, n_mem)[MEMORY_FROM - 1:]  # steps 10..n
    early = max(peaks[:10])
    late = max(peaks[-10:])
    flat = late <= early * MEMORY_TOLERANCE
    mem_note = (f"MLP memory ({MINIGRAD_STEP}): tracemalloc peak per step, steps {MEMORY_FROM}.."
                f"{n_mem}: min {min(peaks) / 2**20:.2f} MiB, max {max(peaks) / 2**20:.2f} MiB; "
                f"steps {MEMORY_FROM}-{MEMORY_FROM + 9} max {early / 2**20:.2f} MiB, last 10 "
                f"max {late / 2**20:.2f} MiB -> {'flat' if flat else 'GROWING'}.")
    paired = paired_ratios(timings["minigrad"], timings["numpy"])
    semantics = ms["numpy, torch semantics"]
    semantics_note = (f"MLP numpy step under torch's semantics (ReLU out of place, .grad left "
                      f"intact: lr * grad into a reused scratch array): {semantics:.2f} ms = "
                      f"{semantics / ms['numpy']:.3f}x the in-place numpy step; minigrad is "
                      f"{ms['minigrad'] / semantics:.3f}x that.")
    passed = ms["minigrad"] <= RATIO_TARGET * ms["numpy"] and flat
    return Result(
        name=f"MLP training step (784-256-128-10, batch {BATCH}; {MINIGRAD_STEP})",
        unit="ms / step",
        minigrad=ms["minigrad"], numpy=ms["numpy"], torch=ms.get("torch"),
        target=f"≤ {RATIO_TARGET:.2f}× numpy; memory flat",
        passed=passed, notes=[*paired_notes("MLP", timings), semantics_note, mem_note],
        timings=timings,
        extra={"variant": MINIGRAD_STEP, "step_peak_bytes": peaks, "memory_flat": flat,
               "paired_ratios": paired},
    )
