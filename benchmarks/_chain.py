"""The elementwise chain shared by the per-op and deep-chain benchmarks.

The chain repeats four ops, ``add c, mul c, tanh, sub c``, where the constants do not
require grad. Each contender builds the same chain from the same start value and
constants, then reduces to a scalar and backpropagates:

* numpy floor: forward with ufuncs, keeping only what backward needs (each tanh's
  output), then a hand-written backward: add and sub pass the gradient through, mul
  multiplies by its constant, tanh multiplies by ``1 - y**2``;
* minigrad and torch: the same ops on tensors, ``.sum().backward()``.
"""

from __future__ import annotations

import numpy as np

from ._peers import load_torch

KINDS = ("add", "mul", "tanh", "sub")


def constants(n_ops: int, shape: tuple, seed: int = 0) -> list[np.ndarray | None]:
    """One float32 constant of ``shape`` per op (None for tanh), chosen so values stay
    bounded: adds and subs are small, muls are near 1."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_ops):
        kind = KINDS[i % 4]
        if kind == "tanh":
            out.append(None)
        elif kind == "mul":
            out.append(rng.uniform(0.8, 1.2, size=shape).astype(np.float32))
        else:
            out.append(rng.uniform(-0.2, 0.2, size=shape).astype(np.float32))
    return out


def numpy_chain(x0: np.ndarray, consts: list):
    """Forward and hand-written backward in plain numpy; returns d(sum)/dx0."""
    x = x0
    saved = []  # per op: the tanh output, or the mul constant, or None
    for i, c in enumerate(consts):
        kind = KINDS[i % 4]
        if kind == "add":
            x = np.add(x, c)
            saved.append(None)
        elif kind == "mul":
            x = np.multiply(x, c)
            saved.append(c)
        elif kind == "tanh":
            x = np.tanh(x)
            saved.append(x)
        else:
            x = np.subtract(x, c)
            saved.append(None)
    np.sum(x)  # the loss value, as the tensor contenders compute it
    g = np.ones_like(x)
    for i in range(len(consts) - 1, -1, -1):
        kind = KINDS[i % 4]
        if kind == "mul":
            g = g * saved[i]
        elif kind == "tanh":
            y = saved[i]
            g = g * (1 - y * y)
    return g


def tensor_chain(x, consts: list):
    """The same chain on any tensor type with + * tanh - (minigrad or torch)."""
    for i, c in enumerate(consts):
        kind = KINDS[i % 4]
        if kind == "add":
            x = x + c
        elif kind == "mul":
            x = x * c
        elif kind == "tanh":
            x = x.tanh()
        else:
            x = x - c
    return x


def contenders(n_ops: int, shape: tuple, seed: int = 0) -> tuple[dict, dict]:
    """Zero-argument callables, one per library, each running forward + backward once;
    and the gradients they produced (to check that all three agree)."""
    import minigrad as mg

    rng = np.random.default_rng(seed + 1)
    x0 = rng.uniform(-0.5, 0.5, size=shape).astype(np.float32)
    consts = constants(n_ops, shape, seed)
    grads: dict = {}

    def run_numpy():
        grads["numpy"] = numpy_chain(x0, consts)

    mg_consts = [None if c is None else mg.tensor(c) for c in consts]

    def run_minigrad():
        x = mg.tensor(x0, requires_grad=True)
        tensor_chain(x, mg_consts).sum().backward()
        grads["minigrad"] = x.grad.numpy()

    fns = {"minigrad": run_minigrad, "numpy": run_numpy}
    torch = load_torch()
    if torch is not None:
        t_consts = [None if c is None else torch.from_numpy(c) for c in consts]
        x0_t = torch.from_numpy(x0)

        def run_torch():
            x = x0_t.clone().requires_grad_(True)
            tensor_chain(x, t_consts).sum().backward()
            grads["torch"] = x.grad.numpy()

        fns["torch"] = run_torch
    return fns, grads


def check_agree(grads: dict) -> None:
    """All contenders must compute the same gradient (else the timings mean nothing)."""
    ref = grads["numpy"]
    for name, g in grads.items():
        if not np.allclose(g, ref, rtol=1e-4, atol=1e-5):
            raise AssertionError(f"chain benchmark: {name}'s gradient differs from numpy's")
