"""The public hypothesis strategies draw what they promise."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.testing.strategies import broadcastable_tensors, dims, index_expressions, tensors


@given(tensors(shape=(2, 3), requires_grad=True))
def test_tensors_have_the_shape_dtype_and_flag(x):
    assert isinstance(x, mg.Tensor)
    assert x.shape == (2, 3) and x.dtype == np.float64 and x.requires_grad
    assert np.isfinite(x.array).all() and (np.abs(x.array) <= 10).all()


@given(tensors(dtype=mg.float32, elements=st.floats(0, 1, width=32)))
def test_tensors_take_dtype_and_elements(x):
    assert x.dtype == np.float32 and ((x.array >= 0) & (x.array <= 1)).all()


@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), broadcastable_tensors(n))))
def test_broadcastable_tensors_broadcast(case):
    n, ts = case
    assert len(ts) == n
    np.broadcast_shapes(*(t.shape for t in ts))  # raises if they don't


@given(hnp.array_shapes(min_dims=0, max_dims=4).flatmap(
    lambda s: st.tuples(st.just(s), dims(s))))
def test_dims_are_valid_numpy_axes(case):
    shape, dim = case
    assert dim is None or isinstance(dim, int | tuple)
    np.sum(np.zeros(shape), axis=dim)  # raises on an invalid axis


@given(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0).flatmap(
    lambda s: st.tuples(st.just(s), index_expressions(s))))
def test_index_expressions_are_valid(case):
    shape, index = case
    try:
        np.zeros(shape)[index]
    except (IndexError, TypeError, ValueError) as err:
        pytest.fail(f"index_expressions({shape}) drew {index!r}, which numpy rejects: {err}")


def test_index_expressions_cover_every_kind():
    kinds = set()

    def kind(i):
        if isinstance(i, np.ndarray):
            return "bool" if i.dtype == np.bool_ else "int array"
        return {type(None): "None", type(Ellipsis): "Ellipsis", slice: "slice"}.get(
            type(i), "int")

    @settings(max_examples=300, derandomize=True, database=None)
    @given(index_expressions((3, 4)))
    def collect(index):
        kinds.update(kind(i) for i in (index if isinstance(index, tuple) else (index,)))

    collect()
    assert kinds == {"bool", "int array", "None", "Ellipsis", "slice", "int"}


def test_importing_minigrad_does_not_import_hypothesis():
    code = "import sys, minigrad, minigrad.testing; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
