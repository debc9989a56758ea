"""``op_test``: one line turns an op and its numpy reference into a thorough pytest test.

>>> import numpy as np
>>> import minigrad as mg
>>> from minigrad.testing.factory import op_test
>>> test_mul = op_test(lambda a, b: a * b, np.multiply, num_args=2)
>>> test_mul()  # pytest collects it; calling it runs the hypothesis search directly

The generated test draws float64 inputs of small, mutually broadcastable shapes and, for
every example, checks that

1. the forward values (and shapes) match ``reference`` applied to the same numpy arrays;
2. neither the inputs nor the upstream gradient were modified by forward or backward;
3. ``backward`` fills every input's ``.grad`` with the right shape and dtype, and with
   the same values as ``autograd.grad`` (whose Jacobians step 6 verifies);
4. no two ``.grad`` arrays share memory, nor with the upstream gradient, the inputs or
   the output;
5. the graph's saved buffers were freed: a second ``backward`` raises ``RuntimeError``
   (unless ``frees_graph=False``, for ops that save nothing);
6. ``gradcheck`` passes: every Jacobian matches central differences;
7. ``gradgradcheck`` passes (unless ``gradgrad=False``, for ops not twice differentiable).

Arguments. ``fn`` and ``reference`` get the same positional arguments, except that every
float64 ndarray is handed to ``fn`` as a fresh ``Tensor`` that requires grad; anything else
(bool masks, index expressions, Python numbers) is passed to both unchanged. Both get the
same keyword arguments. An op returning a tuple (``split``, ``max(dim)``) is compared
output by output; its non-floating outputs (indices) are compared but not differentiated.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .._tensor import Tensor
from ..autograd.engine import grad as autograd_grad
from .gradcheck import gradcheck, gradgradcheck
from .strategies import finite_floats

if TYPE_CHECKING:
    Shapes = tuple[tuple[int, ...], ...]  # one shape per array argument
    Elements = st.SearchStrategy[float]
    # Keyword arguments: a dict, or a function of the drawn arguments giving a strategy of dicts.
    Kwargs = Mapping[str, Any] | Callable[..., st.SearchStrategy[dict[str, Any]]]

__all__ = ["op_test", "finite", "positive", "away_from", "nonzero"]

finite: st.SearchStrategy[float] = finite_floats(-5.0, 5.0)
"""Elements for ops defined everywhere."""

positive: st.SearchStrategy[float] = finite_floats(0.1, 5.0)
"""Elements for log, sqrt, a ** b with a tensor base, ...: well inside the domain."""


def away_from(*points: float, gap: float = 0.01, low: float = -5.0,
              high: float = 5.0) -> st.SearchStrategy[float]:
    """Elements in ``[low, high]`` at least ``gap`` from each kink in ``points``.

    Central differences (step 1e-6) straddling a kink measure neither side's slope.

    >>> abs(away_from(0.0).example()) >= 0.01
    True
    """
    return finite_floats(low, high).filter(lambda v: all(abs(v - p) >= gap for p in points))


nonzero: st.SearchStrategy[float] = away_from(0.0, gap=0.5)
"""Elements for divisors: far enough from 0 that 1/b and its derivatives stay moderate."""


def op_test(fn: Callable[..., Any], reference: Callable[..., Any], num_args: int = 1, *,
            kwargs: Kwargs | None = None,
            elements: Elements | Sequence[Elements] | None = None, distinct: bool = False,
            shapes: st.SearchStrategy[Shapes] | Shapes | None = None, broadcast: bool = True,
            min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 3,
            inputs: st.SearchStrategy[tuple[Any, ...]] | None = None,
            gradgrad: bool = True, frees_graph: bool = True,
            atol: float = 1e-5, rtol: float = 1e-3) -> Callable[..., None]:
    """Build a pytest test of ``fn`` against ``reference`` (see the module docstring).

    Inputs (pick one way):

    - default: ``num_args`` arrays whose shapes have ``min_dims..max_dims`` dims of sides
      ``min_side..max_side`` (0 allows empty tensors), mutually broadcastable
      (``broadcast=True``) or all equal;
    - ``shapes``: a strategy of tuples of shapes (or one fixed tuple of shapes);
    - ``inputs``: a strategy of whole argument tuples, for ops needing compatible shapes
      or non-tensor arguments (matmul, cat, indexing).

    Values: ``elements`` is a strategy (or one per argument) for the array entries,
    ``finite`` by default; ``distinct=True`` instead makes all entries of all arrays
    distinct multiples of 0.25, so ops with kinks at ties (max, maximum) are checked away
    from them. ``kwargs`` is a dict, or a function of the drawn arguments returning a
    strategy of dicts, e.g. ``lambda x: st.fixed_dictionaries({"dim": dims(x.shape)})``.

    ``gradgrad=False`` for ops that are not twice differentiable; ``frees_graph=False`` for
    ops whose backward needs no saved tensors (add, reshape, ...), where a second backward
    is legal. ``atol``/``rtol`` go to the gradient checks.
    """
    if inputs is None:
        if shapes is None:
            if broadcast and num_args > 1:
                shapes = hnp.mutually_broadcastable_shapes(
                    num_shapes=num_args, min_dims=min_dims, max_dims=max_dims,
                    min_side=min_side, max_side=max_side).map(lambda s: s.input_shapes)
            else:
                shapes = hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                          max_side=max_side).map(lambda s: (s,) * num_args)
        elif not isinstance(shapes, st.SearchStrategy):
            shapes = st.just(tuple(shapes))
        if distinct:
            inputs = shapes.flatmap(_distinct_arrays)
        else:
            inputs = shapes.flatmap(lambda ss: st.tuples(*(
                hnp.arrays(np.float64, s, elements=e)
                for s, e in zip(ss, _per_arg(elements, len(ss))))))

    if kwargs is None:
        cases = inputs.map(lambda args: (tuple(args), {}))
    elif callable(kwargs):
        cases = inputs.flatmap(lambda args: kwargs(*args).map(lambda kw: (tuple(args), kw)))
    else:
        cases = inputs.map(lambda args: (tuple(args), dict(kwargs)))

    options = dict(gradgrad=gradgrad, frees_graph=frees_graph, atol=atol, rtol=rtol)

    def test(case: tuple[tuple[Any, ...], dict[str, Any]], data: st.DataObject) -> None:
        args, kw = case
        _check_op(fn, reference, args, kw, data, **options)

    # Give each registration its own key in hypothesis' example database (the generated
    # tests share one source, which is what hypothesis keys on by default).
    caller = sys._getframe(1)
    digest = f"{caller.f_code.co_filename}:{caller.f_lineno}".encode()
    test._hypothesis_internal_add_digest = digest  # pyright: ignore[reportFunctionMemberAccess]
    return given(case=cases, data=st.data())(test)


def _per_arg(elements: Elements | Sequence[Elements] | None,
             num_args: int) -> list[Elements]:
    if elements is None:
        return [finite] * num_args
    if isinstance(elements, Sequence):
        if len(elements) != num_args:
            raise ValueError(f"op_test: got {len(elements)} element strategies for "
                             f"{num_args} arrays")
        return list(elements)
    return [elements] * num_args


def _distinct_arrays(shapes: Shapes) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
    sizes = [int(np.prod(s)) for s in shapes]
    total = sum(sizes)
    grid = st.integers(-2 * total - 4, 2 * total + 4)

    def split(flat: np.ndarray) -> tuple[np.ndarray, ...]:
        pieces = np.split(flat / 4.0, np.cumsum(sizes)[:-1])
        return tuple(p.reshape(s) for p, s in zip(pieces, shapes))

    return hnp.arrays(np.int64, total, elements=grid, unique=True).map(split)


def _differentiable(arg: Any) -> bool:
    return isinstance(arg, np.ndarray) and arg.dtype == np.float64


def _as_list(out: Any) -> list[Any]:
    return list(out) if isinstance(out, tuple | list) else [out]


def _grad(outs, float_outs, inputs, upstream) -> list:
    """Gradients of ``inputs`` for the given upstream grads (zeros where unused)."""
    grads = autograd_grad([outs[k] for k in float_outs], inputs, upstream, allow_unused=True)
    return [np.zeros(x.shape) if g is None else g.array for x, g in zip(inputs, grads)]


def _check_op(fn, reference, args, kw, data, gradgrad, frees_graph, atol, rtol):
    """One example: the seven checks of the module docstring, in order."""
    diff = [i for i, a in enumerate(args) if _differentiable(a)]
    originals = [args[i].copy() for i in diff]

    def fresh_inputs():
        return [Tensor(a, requires_grad=True) if _differentiable(a) else a for a in args]

    def call(*xs):
        return fn(*xs, **kw)

    xs = fresh_inputs()
    outs = _as_list(call(*xs))
    _check_forward(outs, reference, args, kw)                       # 1.

    # Backward with a random upstream gradient.
    float_outs, upstream = _draw_upstream(outs, data)
    kept = [u.array.copy() for u in upstream]
    root, root_grad = _root(outs, float_outs, upstream)
    root.backward(root_grad)
    tensors = [xs[i] for i in diff]

    _check_unmodified(diff, tensors, originals, upstream, kept)     # 2.
    again = fresh_inputs()  # autograd.grad's vector-Jacobian product, for 3.
    vjp = _grad(_as_list(call(*again)), float_outs, [again[i] for i in diff], upstream)
    _check_grads(diff, tensors, vjp)                                # 3.
    _check_no_aliasing(diff, tensors, upstream, outs)               # 4.
    if frees_graph:
        _check_graph_freed(root, root_grad)                         # 5.
    gradcheck(call, fresh_inputs(), atol=atol, rtol=rtol)           # 6.
    if gradgrad:
        gradgradcheck(call, fresh_inputs(), atol=atol, rtol=rtol)   # 7.


def _check_forward(outs: list, reference, args, kw) -> None:
    """Forward values, shapes and dtypes against the reference on copies of the arrays."""
    expected = _as_list(reference(*(a.copy() if _differentiable(a) else a for a in args),
                                  **kw))
    assert len(outs) == len(expected), \
        f"fn returned {len(outs)} outputs, the reference {len(expected)}"
    for k, (o, e) in enumerate(zip(outs, expected)):
        assert isinstance(o, Tensor), f"output {k} is a {type(o).__name__}, not a Tensor"
        e = np.asarray(e)
        assert o.shape == e.shape, f"output {k}: shape {o.shape}, reference {e.shape}"
        if e.dtype.kind == "f":
            assert o.dtype == np.float64, f"output {k}: dtype {o.dtype} for float64 inputs"
            np.testing.assert_allclose(o.array, e, rtol=1e-7, atol=1e-10,
                                       err_msg=f"forward output {k}")
        else:
            np.testing.assert_array_equal(o.array, e, err_msg=f"forward output {k}")


def _draw_upstream(outs: list, data) -> tuple[list, list]:
    """The floating outputs' positions, and a random upstream gradient for each."""
    float_outs = [k for k, o in enumerate(outs) if o.dtype.kind == "f"]
    upstream = [Tensor(data.draw(hnp.arrays(np.float64, outs[k].shape,
                                            elements=finite_floats(-2, 2)),
                                 label=f"upstream gradient {k}")) for k in float_outs]
    return float_outs, upstream


def _root(outs: list, float_outs: list, upstream: list) -> tuple:
    """What to call ``backward`` on, and with which gradient."""
    if len(float_outs) == 1:
        return outs[float_outs[0]], upstream[0]
    # Several outputs: one scalar root (whose Mul nodes save tensors themselves).
    return sum((outs[k] * u).sum() for k, u in zip(float_outs, upstream)), None


def _check_unmodified(diff: list, tensors: list, originals: list, upstream: list,
                      kept: list) -> None:
    """Nothing the op was given was modified (by forward or backward)."""
    for i, x, orig in zip(diff, tensors, originals):
        np.testing.assert_array_equal(x.array, orig, err_msg=f"input {i} was modified")
    for u, orig in zip(upstream, kept):
        np.testing.assert_array_equal(u.array, orig, err_msg="the upstream grad was modified")


def _check_grads(diff: list, tensors: list, vjp: list) -> None:
    """Every input's ``.grad`` has its shape, float64, and the values of ``vjp``."""
    for i, x, expected in zip(diff, tensors, vjp):
        g = x.grad
        assert g is not None, f"input {i} got no gradient"
        assert g.shape == x.shape and g.dtype == np.float64, \
            f"input {i}: grad has shape {g.shape} and dtype {g.dtype}, input {x.shape} float64"
        np.testing.assert_allclose(g.array, expected, rtol=1e-10, atol=1e-12,
                                   err_msg=f".grad of input {i} after backward")


def _check_no_aliasing(diff: list, tensors: list, upstream: list, outs: list) -> None:
    """No two grads share memory, nor with what the user handed in or got out."""
    grads = [x.grad.array for x in tensors]
    others = [u.array for u in upstream] + [x.array for x in tensors] + [o.array for o in outs]
    for a, ga in enumerate(grads):
        for b in range(a + 1, len(grads)):
            assert not np.shares_memory(ga, grads[b]), \
                f"the .grad of inputs {diff[a]} and {diff[b]} share memory"
        for other in others:
            assert not np.shares_memory(ga, other), \
                f"the .grad of input {diff[a]} shares memory with an input, output or the " \
                "upstream gradient"


def _check_graph_freed(root: Tensor, root_grad) -> None:
    """Saved buffers are freed after backward: a second backward raises."""
    try:
        root.backward(root_grad)
    except RuntimeError:
        pass
    else:
        raise AssertionError("a second backward through the graph did not raise; the "
                             "saved tensors were not freed")
