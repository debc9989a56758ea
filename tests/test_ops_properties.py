"""Properties of the ops beyond one-op gradient checks: softmax identities, stability at
extreme logits, linearity of the gradient, and the documented tie and accumulation rules.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.testing.strategies import dims, finite_floats, index_expressions, tensors

some_shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)
one_dim = st.shared(some_shapes, key="shape").flatmap(
    lambda s: dims(s, none=False, tuples=False))


def grad_of(fn, *xs, upstream=None):
    """The gradients of ``fn(*xs)`` (``upstream`` defaults to ones)."""
    out = fn(*xs)
    g = mg.ones_like(out) if upstream is None else upstream
    return [t.array for t in mg.autograd.grad(out, list(xs), g)]


# ---------------------------------------------------------------------- softmax
@given(tensors(st.shared(some_shapes, key="shape")), one_dim, finite_floats(-50, 50))
def test_softmax_is_a_distribution_and_shift_invariant(x, dim, shift):
    y = mg.softmax(x, dim)
    assert (y.array >= 0).all()
    np.testing.assert_allclose(y.sum(dim).array, 1.0, rtol=1e-12)
    # Adding a constant to every logit of a slice changes nothing.
    np.testing.assert_allclose(mg.softmax(x + shift, dim).array, y.array, atol=1e-12)
    per_slice = mg.tensor(np.random.default_rng(0).normal(size=x.amax(dim, keepdim=True).shape))
    np.testing.assert_allclose(mg.softmax(x + per_slice.double(), dim).array, y.array,
                               atol=1e-12)


@given(tensors(st.shared(some_shapes, key="shape"), elements=finite_floats(-800, 800)),
       one_dim)
def test_log_softmax_is_log_of_softmax_where_finite(x, dim):
    probs = mg.softmax(x, dim).array
    log_of_softmax = np.log(probs)
    # Where softmax underflows to 0 or to a subnormal, log(softmax) is -inf or imprecise.
    finite = probs >= np.finfo(np.float64).tiny
    np.testing.assert_allclose(mg.log_softmax(x, dim).array[finite], log_of_softmax[finite],
                               rtol=1e-9, atol=1e-9)
    assert np.isfinite(mg.log_softmax(x, dim).array).all()  # even where softmax underflows


@given(hnp.arrays(np.float64, st.shared(some_shapes, key="shape"),
                  elements=st.sampled_from([-1000.0, 1000.0]) | finite_floats(-1, 1)
                  .map(lambda v: 1000 + v)), one_dim)
def test_softmax_family_is_finite_at_extreme_logits(logits, dim):
    g = mg.tensor(np.random.default_rng(1).normal(size=logits.shape))
    for fn in (mg.softmax, mg.log_softmax):
        x = mg.tensor(logits, requires_grad=True)
        y = fn(x, dim)
        y.backward(g)
        assert np.isfinite(y.array).all() and np.isfinite(x.grad.array).all(), fn.__name__
    x = mg.tensor(logits, requires_grad=True)
    y = mg.logsumexp(x, dim)
    y.sum().backward()
    assert np.isfinite(y.array).all() and np.isfinite(x.grad.array).all()
    np.testing.assert_allclose(x.grad.array, mg.softmax(x.detach(), dim).array, atol=1e-12)


def test_log_softmax_of_opposite_extremes_is_exact():
    x = mg.tensor([1000.0, -1000.0], dtype=mg.float64)
    np.testing.assert_array_equal(mg.log_softmax(x).array, [0.0, -2000.0])
    np.testing.assert_array_equal(mg.softmax(x).array, [1.0, 0.0])


# ---------------------------------------------------------------------- linearity
@given(tensors(some_shapes, requires_grad=True, elements=finite_floats(-2, 2)))
def test_gradient_of_a_sum_is_the_sum_of_gradients(x):
    f = lambda t: (t.sin() * t).sum()  # noqa: E731
    g = lambda t: (t * t).exp().mean() + t.tanh().amax()  # noqa: E731
    h = lambda t: (t.sigmoid() * 3 - t / 2).sum()  # noqa: E731
    (total,) = grad_of(lambda t: f(t) + g(t) + h(t), x)
    parts = sum(grad_of(fn, x)[0] for fn in (f, g, h))
    np.testing.assert_allclose(total, parts, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------- ties
ties = hnp.arrays(np.float64, some_shapes, elements=st.integers(-2, 2).map(float))


@given(ties)
def test_amax_amin_and_whole_max_min_split_ties_evenly(a):
    for fn, extreme in ((mg.amax, np.max), (mg.amin, np.min),
                        (lambda t: t.max(), np.max), (lambda t: t.min(), np.min)):
        hit = a == extreme(a)
        (g,) = grad_of(fn, mg.tensor(a, requires_grad=True))
        np.testing.assert_allclose(g, hit / hit.sum(), rtol=1e-12)


@pytest.mark.needs_torch  # torch is the reference for how ties split (conftest.py)
@given(ties.flatmap(lambda a: st.tuples(st.just(a), dims(a.shape), st.booleans())))
def test_amax_amin_with_dim_split_ties_evenly_per_slice(case):
    import torch

    a, dim, keepdim = case
    for name in ("amax", "amin"):
        x = mg.tensor(a, requires_grad=True)
        getattr(x, name)(dim, keepdim).sum().backward()
        ref = torch.tensor(a, requires_grad=True)
        getattr(ref, name)(dim=() if dim is None else dim, keepdim=keepdim).sum().backward()
        np.testing.assert_allclose(x.grad.array, ref.grad.numpy(), rtol=1e-12)


@given(ties.flatmap(lambda a: st.tuples(st.just(a), dims(a.shape, none=False, tuples=False),
                                        st.booleans())))
def test_max_min_with_dim_send_the_gradient_to_the_first_index(case):
    a, dim, keepdim = case
    for name, arg in (("max", np.argmax), ("min", np.argmin)):
        x = mg.tensor(a, requires_grad=True)
        values, indices = getattr(x, name)(dim, keepdim)
        first = arg(a, axis=dim, keepdims=True)
        np.testing.assert_array_equal(indices.array, first if keepdim else first.squeeze(dim))
        values.sum().backward()
        expected = np.zeros_like(a)
        np.put_along_axis(expected, first, 1.0, axis=dim)
        np.testing.assert_array_equal(x.grad.array, expected)


def test_maximum_minimum_split_ties_evenly():
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = mg.tensor([1.0, 5.0, 3.0], requires_grad=True)
    (mg.maximum(a, b) + mg.minimum(a, b) * 10).sum().backward()
    np.testing.assert_array_equal(a.grad.array, [5.5, 10.0, 5.5])
    np.testing.assert_array_equal(b.grad.array, [5.5, 1.0, 5.5])


# ---------------------------------------------------------------------- indexing
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, n, elements=finite_floats()),
    hnp.arrays(np.int64, st.integers(0, 12), elements=st.integers(-n, n - 1)))))
def test_repeated_integer_indices_accumulate(case):
    a, index = case
    x = mg.tensor(a, requires_grad=True)
    x[index].sum().backward()
    np.testing.assert_array_equal(x.grad.array, np.bincount(index % len(a), minlength=len(a)))


@given(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3).flatmap(
    lambda s: st.tuples(hnp.arrays(np.float64, s, elements=finite_floats()),
                        index_expressions(s))))
def test_getitem_gradient_sums_upstream_over_every_pick(case):
    a, index = case
    x = mg.tensor(a, requires_grad=True)
    y = x[index]
    g = np.random.default_rng(2).normal(size=y.shape)
    y.backward(mg.tensor(g))
    # Which flat element of ``a`` each output element came from, via an index of positions.
    picked = np.arange(a.size).reshape(a.shape)[index]
    expected = np.bincount(np.ravel(picked), weights=np.ravel(g), minlength=a.size)
    np.testing.assert_allclose(x.grad.array, expected.reshape(a.shape), rtol=1e-12)


# ---------------------------------------------------------------------- casts
def test_cast_gradients_come_back_in_the_input_dtype():
    x = mg.tensor([1.0, -2.0, 3.0], dtype=mg.float64, requires_grad=True)
    y = x.to(mg.float32)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.array, [2.0, -4.0, 6.0])

    w = mg.tensor([0.5, 1.5], requires_grad=True)  # float32
    (w.to(mg.float64) ** 2).sum().backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_allclose(w.grad.array, [1.0, 3.0])
