"""Hypothesis strategies for minigrad tensors, for the library's tests and for yours.

They are thin layers over ``hypothesis.extra.numpy`` (shapes, broadcasting, axes and
indices come from there) that hand back ``mg.Tensor`` objects and torch-style ``dim``
values. Needs hypothesis: ``pip install minigrad[testing]``.

>>> from hypothesis import given
>>> from minigrad.testing import strategies as mst
>>> @given(mst.tensors(shape=(2, 3)))
... def test_double(x):
...     assert ((x + x).array == 2 * x.array).all()
>>> test_double()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .._tensor import Tensor

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    Shape = tuple[int, ...]
    # ``elements`` of a tensor strategy: a strategy, or a dict of ``st.floats`` arguments.
    Elements = st.SearchStrategy[Any] | dict[str, Any] | None

__all__ = ["broadcastable_tensors", "dims", "finite_floats", "index_expressions", "tensors"]

DEFAULT_SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)


def finite_floats(low: float = -10.0, high: float = 10.0) -> st.SearchStrategy[float]:
    """Finite floats in ``[low, high]``: the default elements of floating tensors.

    >>> finite_floats(0.1, 5.0).example() >= 0.1
    True
    """
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def _elements(dtype: np.dtype, elements: Elements) -> Elements:
    if elements is None and dtype.kind == "f":
        # float32/16 arrays reject float64 values they can't represent exactly.
        width = 64 if dtype.itemsize >= 8 else 32 if dtype.itemsize == 4 else 16
        return st.floats(-10, 10, allow_nan=False, allow_infinity=False, width=width)
    return elements


def tensors(shape: Shape | st.SearchStrategy[Shape] = DEFAULT_SHAPES,
            dtype: DTypeLike = np.float64, elements: Elements = None,
            requires_grad: bool = False) -> st.SearchStrategy[Tensor]:
    """Tensors of ``shape`` (a tuple or a strategy of tuples) and ``dtype``.

    Floating tensors hold finite values in [-10, 10] unless ``elements`` (a strategy or
    a dict of ``st.floats`` arguments, as ``hypothesis.extra.numpy.arrays``) says
    otherwise. Every drawn tensor owns fresh memory.

    >>> x = tensors(shape=(2, 3), requires_grad=True).example()
    >>> x.shape, x.dtype, x.requires_grad
    ((2, 3), dtype('float64'), True)
    """
    dt = np.dtype(dtype)
    arrays = hnp.arrays(dt, shape, elements=_elements(dt, elements))
    return arrays.map(lambda a: Tensor(a, requires_grad=requires_grad, dtype=dt))


def broadcastable_tensors(
        num: int = 2, *, base_shape: Shape = (), min_dims: int = 0, max_dims: int = 3,
        min_side: int = 1, max_side: int = 3, dtype: DTypeLike = np.float64,
        elements: Elements = None, requires_grad: bool = False,
) -> st.SearchStrategy[tuple[Tensor, ...]]:
    """Tuples of ``num`` tensors whose shapes broadcast together (and with ``base_shape``).

    >>> a, b, c = broadcastable_tensors(3).example()
    >>> (a + b + c).shape == np.broadcast_shapes(a.shape, b.shape, c.shape)
    True
    """
    shapes = hnp.mutually_broadcastable_shapes(
        num_shapes=num, base_shape=base_shape, min_dims=min_dims, max_dims=max_dims,
        min_side=min_side, max_side=max_side)
    return shapes.flatmap(lambda s: st.tuples(*(
        tensors(shape, dtype, elements, requires_grad) for shape in s.input_shapes)))


def dims(shape: Shape | None = None, *, ndim: int | None = None, none: bool = True,
         ints: bool = True,
         tuples: bool = True) -> st.SearchStrategy[int | tuple[int, ...] | None]:
    """Valid ``dim`` arguments for a tensor of ``shape`` (or with ``ndim`` dims).

    Draws from None (all dims), single ints in ``[-ndim, ndim)`` and non-empty tuples of
    distinct dims (negative ones included); switch kinds off with ``none``, ``ints`` and
    ``tuples``. A 0-d tensor has no dim to name, so only None is drawn for it.

    >>> d = dims((2, 3, 4), none=False, tuples=False).example()
    >>> -3 <= d < 3
    True
    """
    if (shape is None) == (ndim is None):
        raise TypeError("dims: give exactly one of shape and ndim")
    ndim = len(shape) if shape is not None else ndim
    options: list[st.SearchStrategy[Any]] = []
    if none:
        options.append(st.none())
    if ndim and ints:
        options.append(st.integers(-ndim, ndim - 1))
    if ndim and tuples:
        options.append(hnp.valid_tuple_axes(ndim, min_size=1))
    if not options:
        return st.nothing()
    return st.one_of(*options)


def index_expressions(shape: Shape) -> st.SearchStrategy[Any]:
    """Valid ``x[index]`` expressions for a tensor of ``shape``.

    Mixes basic indices (ints, slices, None, Ellipsis), tuples of integer arrays (with
    repeated entries), a single integer array on one dim next to slices, and boolean
    masks over the leading dims.

    >>> x = np.arange(12.0).reshape(3, 4)
    >>> x[index_expressions((3, 4)).example()].ndim >= 0
    True
    """
    shape = tuple(shape)
    options: list[st.SearchStrategy[Any]] = [
        hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True)]
    if shape and min(shape) > 0:
        small = hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)
        options.append(hnp.integer_array_indices(shape, result_shape=small))
        options.append(st.integers(0, len(shape) - 1).flatmap(
            lambda d: hnp.arrays(np.int64, small,
                                 elements=st.integers(-shape[d], shape[d] - 1))
            .map(lambda arr: (slice(None),) * d + (arr, Ellipsis))))
    if shape:
        options.append(st.integers(1, len(shape)).flatmap(
            lambda k: hnp.arrays(np.bool_, shape[:k])))
    return st.one_of(*options)
