"""Tensor.scatter / scatter_: torch's rule, its checks, and gradients."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import gradcheck, gradgradcheck


def test_one_hot_by_scatter_as_the_transforms_tutorial_builds_it():
    for y in range(10):
        out = mg.zeros(10).scatter_(0, mg.tensor(y), value=1)
        expected = np.zeros(10, np.float32)
        expected[y] = 1
        np.testing.assert_array_equal(out.numpy(), expected)
        assert out.dtype == np.float32
    same = mg.zeros(10).scatter_(dim=0, index=mg.tensor(4), value=1)
    assert same.numpy().argmax() == 4


def test_scatter_along_a_dim_by_hand():
    x = mg.zeros(2, 4)
    out = x.scatter(1, mg.tensor([[3, 0], [1, 1]]), mg.tensor([[1.0, 2.0, 9.0], [3.0, 4.0, 9.0]]))
    np.testing.assert_array_equal(out.numpy(), [[2, 0, 0, 1], [0, 4, 0, 0]])  # a repeat: one wins
    assert x.numpy().sum() == 0  # scatter is out of place
    rows = mg.zeros(3, 2).scatter(0, mg.tensor([[2, 0]]), value=7.0)
    np.testing.assert_array_equal(rows.numpy(), [[0, 7], [0, 0], [7, 0]])


def test_scatter_in_place_returns_the_tensor_and_bumps_its_version():
    x = mg.zeros(5)
    v = x._version
    assert x.scatter_(0, mg.tensor([1, 3]), mg.tensor([5.0, 6.0])) is x
    assert x._version == v + 1
    np.testing.assert_array_equal(x.numpy(), [0, 5, 0, 6, 0])
    ints = mg.zeros(3, dtype=mg.int64).scatter_(0, mg.tensor(2), value=1.7)
    np.testing.assert_array_equal(ints.numpy(), [0, 0, 1])  # cast as torch: 1.7 -> 1


@pytest.mark.needs_torch
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), data=st.data())
def test_matches_torch_values_and_gradients(shape, data):
    torch = pytest.importorskip("torch")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    d = dim % len(shape)
    index_shape = tuple(data.draw(st.integers(1, s)) for s in shape)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    # distinct targets along dim (a permutation's first entries): no repeat to arbitrate
    order = np.argsort(rng.random(index_shape[:d] + (shape[d],) + index_shape[d + 1:]), axis=d)
    index = np.take(order, np.arange(index_shape[d]), axis=d)
    x0, s0 = rng.normal(size=shape), rng.normal(size=index_shape)
    x, src = mg.tensor(x0, requires_grad=True), mg.tensor(s0, requires_grad=True)
    tx, tsrc = (torch.tensor(a, requires_grad=True) for a in (x0, s0))
    out = (x * 1).scatter(dim, mg.tensor(index), src)
    tout = (tx * 1).scatter(dim, torch.tensor(index), tsrc)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy())
    weights = rng.normal(size=out.shape)
    (out * mg.tensor(weights)).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(src.grad.numpy(), tsrc.grad.numpy())
    value = mg.tensor(x0).scatter(dim, mg.tensor(index), value=2.5)
    np.testing.assert_allclose(value.numpy(), torch.tensor(x0).scatter(
        dim, torch.tensor(index), value=2.5).numpy())


def test_gradients_numerically_including_a_larger_src():
    # (torch computes the values for a src larger than index, but its backward fails;
    # here the unread part of src gets gradient 0)
    x = mg.tensor(np.random.default_rng(0).normal(size=(3, 4)), requires_grad=True)
    src = mg.tensor(np.random.default_rng(1).normal(size=(3, 5)), requires_grad=True)
    index = mg.tensor([[0, 2], [3, 1], [1, 0]])
    assert gradcheck(lambda a, b: a.scatter(1, index, b), [x, src])
    assert gradgradcheck(lambda a, b: a.scatter(1, index, b) ** 2, [x, src])
    assert gradcheck(lambda a: a.scatter(0, mg.tensor([[2, 0, 1]]), value=3.0), [x])


def test_in_place_on_a_non_leaf_is_recorded():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.scatter_(0, mg.tensor([1]), value=0.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 0, 2])
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        x.scatter_(0, mg.tensor([1]), value=0.0)


@pytest.mark.parametrize("call, error, match", [
    (lambda x: x.scatter_(0, mg.tensor([1.0]), value=1), TypeError, "integer"),
    (lambda x: x.scatter_(0, [1], value=1), TypeError, "integer"),
    (lambda x: x.scatter_(0, mg.tensor([[1]]), value=1), ValueError, "same number of dims"),
    (lambda x: x.scatter_(0, mg.tensor([5]), value=1), IndexError, "index 5 is out of bounds"),
    (lambda x: x.scatter_(0, mg.tensor([-1]), value=1), IndexError, "index -1"),
    (lambda x: x.scatter_(0, mg.tensor([1]), mg.tensor([1.0], dtype=mg.float64)), TypeError,
     "dtype"),
    (lambda x: x.scatter_(0, mg.tensor([1, 2]), mg.tensor([1.0])), ValueError, "src's shape"),
    (lambda x: x.scatter_(0, mg.tensor([1]), mg.tensor([1.0]), value=2), TypeError,
     "exactly one"),
    (lambda x: x.scatter_(0, mg.tensor([1])), TypeError, "exactly one"),
    (lambda x: x.scatter_(1, mg.tensor([1]), value=1), IndexError, "dim 1 is out of range"),
])
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call(mg.zeros(5))


def test_index_larger_than_the_tensor_outside_dim():
    with pytest.raises(ValueError, match="outside dim 1"):
        mg.zeros(2, 3).scatter(1, mg.tensor([[0], [1], [2]]), value=1.0)
