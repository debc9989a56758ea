"""JAX-style function transforms: ``grad`` and ``value_and_grad``, composable.

>>> import minigrad as mg
>>> from minigrad.func import grad
>>> f = lambda x: x ** 3
>>> grad(f)(mg.tensor(2.0)).item(), grad(grad(f))(mg.tensor(2.0)).item()
(12.0, 12.0)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, overload

from ._tensor import Tensor
from .autograd.engine import grad as _autograd_grad
from .autograd.grad_mode import enable_grad

_depth = [0]  # how many transforms are evaluating their function right now


def _argnums(argnums: int | tuple[int, ...], n: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not -n <= a < n:
            raise ValueError(f"grad: argnums {argnums} is out of range for {n} argument(s)")
    return tuple(a % n for a in nums)


@overload
def value_and_grad(f: Callable[..., Tensor],
                   argnums: int = 0) -> Callable[..., tuple[Tensor, Tensor]]: ...
@overload
def value_and_grad(
        f: Callable[..., Tensor], argnums: tuple[int, ...],
) -> Callable[..., tuple[Tensor, tuple[Tensor, ...]]]: ...


def value_and_grad(f: Callable[..., Tensor],
                   argnums: int | tuple[int, ...] = 0) -> Callable[..., tuple[Tensor, Any]]:
    """``f`` -> a function returning ``(f(*args), df/dargs[argnums])``.

    ``f`` must return a scalar Tensor. Arguments that are not Tensors (numbers, lists,
    arrays) are converted with ``mg.tensor`` (so Python floats become float32; pass float64
    tensors for float64 results). Called inside another transform (its argument already
    requires grad) the gradient stays in the graph, so ``grad(grad(f))`` works.
    """

    @functools.wraps(f)
    def wrapped(*args, **kwargs) -> tuple[Tensor, Any]:
        nums = _argnums(argnums, len(args))
        args = list(args)
        # Inside another transform (or given tensors that require grad), an outer
        # derivative may flow through this gradient -- via any argument, not only those
        # in ``argnums`` (mixed partials), or via a closure -- so keep it in the graph.
        nested = _depth[0] > 0 or any(isinstance(a, Tensor) and a.requires_grad
                                      for a in args)
        for i in nums:
            a = args[i]
            if isinstance(a, Tensor) and a.requires_grad:
                continue
            t = a.detach() if isinstance(a, Tensor) else Tensor(a)
            if t.dtype.kind != "f":
                t = t.float()
            args[i] = _wrap_leaf(t)
        with enable_grad():
            _depth[0] += 1
            try:
                out = f(*args, **kwargs)
            finally:
                _depth[0] -= 1
            if not isinstance(out, Tensor) or out.array.size != 1:
                raise TypeError("grad: f must return a one-element Tensor (a scalar loss), "
                                f"got {type(out).__name__}"
                                + (f" of shape {out.shape}" if isinstance(out, Tensor) else ""))
            if not out.requires_grad:
                grads = tuple(_zeros(args[i]) for i in nums)
            else:
                grads = _autograd_grad(out.reshape(()), [args[i] for i in nums],
                                       create_graph=nested, allow_unused=True)
                grads = tuple(_zeros(args[i]) if g is None else g for g, i in zip(grads, nums))
        if not nested:
            out = out.detach()
        return out, (grads[0] if isinstance(argnums, int) else grads)

    return wrapped


@overload
def grad(f: Callable[..., Tensor], argnums: int = 0) -> Callable[..., Tensor]: ...
@overload
def grad(f: Callable[..., Tensor],
         argnums: tuple[int, ...]) -> Callable[..., tuple[Tensor, ...]]: ...


def grad(f: Callable[..., Tensor], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """``f`` -> a function returning the gradient of ``f`` w.r.t. ``args[argnums]``."""
    vg = value_and_grad(f, argnums)

    @functools.wraps(f)
    def wrapped(*args, **kwargs) -> Any:
        return vg(*args, **kwargs)[1]

    return wrapped


def _wrap_leaf(t: Tensor) -> Tensor:
    leaf = Tensor(t.array, dtype=t.dtype)
    return leaf.requires_grad_(True)


def _zeros(t: Tensor) -> Tensor:
    from .creation import zeros_like

    return zeros_like(t)
