"""Numerical gradient checks for any function of tensors, the library's ops or your own.

>>> import minigrad as mg
>>> from minigrad.testing import gradcheck
>>> x = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
>>> gradcheck(lambda t: (t * t.sin()).sum(dim=1), [x])
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

import numpy as np

from .._tensor import Tensor
from ..autograd.engine import grad as autograd_grad
from ..autograd.grad_mode import enable_grad, no_grad


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when analytic and numerical gradients disagree."""


# The function checked: tensors in, a Tensor or a tuple of Tensors out.
Fn: TypeAlias = Callable[..., "Tensor | Sequence[Tensor]"]


def _outputs(fn: Fn, inputs: Sequence[Any]) -> list[Tensor]:
    out = fn(*inputs)
    outs: list[Any] = list(out) if isinstance(out, tuple | list) else [out]
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: fn must return a Tensor or a tuple of Tensors, got "
                            f"{type(o).__name__}")
    return outs


def _check_inputs(inputs: Sequence[Any], what: str) -> list[int]:
    diff = []
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad:
            if t.dtype != np.float64:
                raise ValueError(
                    f"{what}: input {i} is {t.dtype}; numerical derivatives in float32 are too "
                    "imprecise to check (round-off ~1e-7 divided by eps ~1e-6 swamps the "
                    "gradient). Make the inputs float64: mg.tensor(..., dtype=mg.float64).")
            diff.append(i)
    if not diff:
        raise ValueError(f"{what}: no input requires grad, so there is nothing to check")
    return diff


def numerical_jacobian(fn: Fn, inputs: Sequence[Any], index: int,
                       eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences: one (out.size, inputs[index].size) matrix per output."""
    x = inputs[index]
    flat = x.array.reshape(-1)  # a view: perturb in place, restore after
    with no_grad():
        outs = _outputs(fn, inputs)
        jac = [np.zeros((o.array.size, flat.size)) for o in outs]
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = [o.array.astype(np.float64).reshape(-1) for o in _outputs(fn, inputs)]
            flat[j] = orig - eps
            minus = [o.array.astype(np.float64).reshape(-1) for o in _outputs(fn, inputs)]
            flat[j] = orig
            for k in range(len(outs)):
                jac[k][:, j] = (plus[k] - minus[k]) / (2 * eps)
    return jac


def analytical_jacobian(fn: Fn, inputs: Sequence[Any], index: int) -> list[np.ndarray]:
    """Reverse mode, one backward per output element: one matrix per output."""
    x = inputs[index]
    with enable_grad():
        outs = _outputs(fn, inputs)
    jac = []
    for o in outs:
        m = np.zeros((o.array.size, x.array.size))
        if o.requires_grad and o.dtype.kind == "f":
            for r in range(o.array.size):
                seed = np.zeros(o.array.size, dtype=o.dtype)
                seed[r] = 1
                (g,) = autograd_grad(o, x, seed.reshape(o.shape), retain_graph=True,
                                     allow_unused=True)
                if g is not None:
                    m[r] = g.array.reshape(-1)
        jac.append(m)
    return jac


def gradcheck(fn: Fn, inputs: Tensor | Sequence[Any], eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Compare ``fn``'s gradients with central differences, for every float64 input that
    requires grad and every output.

    ``inputs`` is a Tensor or a sequence (non-tensors are passed through). Passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|`` everywhere. On failure raises
    ``GradcheckError`` naming the input, the output, the element and both values (or
    returns False with ``raise_exception=False``).
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for i in _check_inputs(inputs, "gradcheck"):
        numeric = numerical_jacobian(fn, inputs, i, eps)
        analytic = analytical_jacobian(fn, inputs, i)
        for k, (n, a) in enumerate(zip(numeric, analytic)):
            bad = ~(np.abs(a - n) <= atol + rtol * np.abs(n))
            if bad.any():
                r, c = (int(v[0]) for v in np.nonzero(bad))
                in_index = np.unravel_index(c, inputs[i].shape) if inputs[i].ndim else ()
                out_shape = tuple(_outputs_shape(fn, inputs, k))
                out_index = np.unravel_index(r, out_shape) if out_shape else ()
                msg = (f"gradcheck: gradient mismatch for input {i} (shape "
                       f"{inputs[i].shape}) at element {tuple(int(v) for v in in_index)}, "
                       f"output {k} element {tuple(int(v) for v in out_index)}: analytic "
                       f"{a[r, c]:.10g}, numeric {n[r, c]:.10g} (difference "
                       f"{abs(a[r, c] - n[r, c]):.3g} > atol {atol} + rtol {rtol} * "
                       f"|numeric|); {int(bad.sum())} of {bad.size} entries differ")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def _outputs_shape(fn: Fn, inputs: Sequence[Any], k: int) -> tuple[int, ...]:
    with no_grad():
        return _outputs(fn, inputs)[k].shape


def gradgradcheck(fn: Fn, inputs: Tensor | Sequence[Any],
                  grad_outputs: Tensor | Sequence[Tensor] | None = None, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
                  seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of the vector-Jacobian product of ``fn``.

    The VJP ``v -> J(x)^T v`` is differentiated w.r.t. both ``x`` and ``v``
    (``grad_outputs``, random float64 unless given), which covers every Hessian-vector
    product the backward pass can produce.
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    diff = _check_inputs(inputs, "gradgradcheck")
    with no_grad():
        outs = _outputs(fn, inputs)
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        grad_outputs = [Tensor(rng.standard_normal(o.shape), dtype=np.float64) for o in outs]
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    vs = [g.detach().to(np.float64).requires_grad_(True) for g in grad_outputs]
    n_in = len(inputs)

    def vjp(*args: Tensor) -> tuple[Tensor, ...]:
        xs, v = list(args[:n_in]), list(args[n_in:])
        with enable_grad():
            ys = _outputs(fn, xs)
            pairs = [(y, g) for y, g in zip(ys, v) if y.requires_grad]
            if not pairs:
                return tuple()
            grads = autograd_grad([p[0] for p in pairs], [xs[i] for i in diff],
                                  [p[1] for p in pairs], create_graph=True, allow_unused=True)
        # An input the VJP doesn't depend on contributes a zero (constant) block.
        return tuple(g if g is not None else Tensor(np.zeros(xs[i].shape))
                     for g, i in zip(grads, diff))

    return gradcheck(vjp, [*inputs, *vs], eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
