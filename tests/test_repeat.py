"""``Tensor.repeat`` (torch's tiling): values as numpy's tile, gradients summed over copies."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.testing import gradcheck, gradgradcheck


@st.composite
def arrays_and_sizes(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    extra = draw(st.integers(0, 2))
    sizes = tuple(draw(st.lists(st.integers(0, 3), min_size=len(shape) + extra,
                                max_size=len(shape) + extra)))
    values = draw(hnp.arrays(np.float64, shape, elements=st.floats(-5, 5)))
    return values, sizes


@given(arrays_and_sizes())
def test_repeat_is_numpys_tile(case):
    values, sizes = case
    out = mg.tensor(values).repeat(sizes)
    np.testing.assert_array_equal(out.numpy(), np.tile(values, sizes))


@given(arrays_and_sizes())
def test_repeat_gradients(case):
    values, sizes = case
    x = mg.tensor(values, requires_grad=True)
    assert gradcheck(lambda t: t.repeat(sizes), [x])
    assert gradgradcheck(lambda t: t.repeat(sizes) ** 2, [x])


def test_repeat_gradient_counts_the_copies():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    x.repeat(3, 2).sum().backward()
    assert x.grad is not None and x.grad.tolist() == [6.0, 6.0]


@pytest.mark.parametrize("sizes, match", [((2,), "got 1 sizes for a tensor with 2 dims"),
                                          ((2, -1), "non-negative")])
def test_repeat_errors(sizes, match):
    with pytest.raises(ValueError, match=match):
        mg.zeros(2, 3).repeat(*sizes)


def test_repeat_needs_sizes_as_torch():
    with pytest.raises(TypeError, match="missing the sizes"):
        mg.zeros(2).repeat()
    assert mg.tensor(1.0).repeat(()).shape == ()


@pytest.mark.needs_torch
@given(arrays_and_sizes())
def test_repeat_matches_torch(case):
    torch = pytest.importorskip("torch")
    values, sizes = case
    np.testing.assert_array_equal(mg.tensor(values).repeat(sizes).numpy(),
                                  torch.tensor(values).repeat(sizes).numpy())
