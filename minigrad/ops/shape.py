"""Shape ops: reshape, permute, expand, cat, stack, indexing, and in-place writes.

Reshape-like ops return numpy views where numpy can (no copy); their backward reshapes
or permutes the gradient back. ``expand`` returns a read-only broadcast view; its
backward is the engine's ``sum_to``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from .._tensor import Tensor, _wrap, write_in_place
from ..autograd.function import Function, has_live_alias
from ..autograd.grad_mode import is_grad_enabled
from ._util import array_of, normalize_dim, operand

if TYPE_CHECKING:
    from .._tensor import Dims, Operand, ShapeLike
    from ._util import Ctx, Grad


def _shape_arg(shape: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], list | tuple):
        shape = tuple(shape[0])
    for s in shape:
        if not isinstance(s, int | np.integer) or isinstance(s, bool):
            raise TypeError(f"{op}: sizes must be ints, got {shape}")
    return tuple(int(s) for s in shape)


class Reshape(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.array.shape
        return x.array.reshape(shape)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, None]:
        return grad.reshape(ctx.shape), None


def reshape(input: Tensor, *shape: int | ShapeLike) -> Tensor:
    """The same elements in a new shape (one size may be -1). Alias: ``view``."""
    shape = _shape_arg(shape, "reshape")
    n = input.array.size
    known = math.prod(s for s in shape if s != -1)
    if shape.count(-1) > 1 or any(s < -1 for s in shape) or \
            (-1 in shape and (known == 0 or n % known)) or (-1 not in shape and known != n):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {input.shape} ({n} elements) "
                         f"into shape {shape}")
    if -1 in shape:
        shape = tuple(n // known if s == -1 else s for s in shape)
    if shape == input.array.shape:
        return input  # nothing to do: no node
    return Reshape.apply(input, shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` (inclusive) into one, as ``torch.flatten``: a
    view where numpy can; the input itself when there is nothing to merge; a 0-d tensor
    becomes shape (1,).

    >>> import minigrad as mg
    >>> mg.flatten(mg.zeros(2, 3, 4, 5), 1, 2).shape
    (2, 12, 5)
    """
    s = normalize_dim(start_dim, input.array.ndim, "flatten")
    e = normalize_dim(end_dim, input.array.ndim, "flatten")
    if input.array.ndim == 0:
        return input.reshape(1)
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = input.array.shape
    return input.reshape(shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at ``dim`` (negative counts from the new end)."""
    ndim = input.array.ndim + 1
    d = normalize_dim(dim, ndim, "unsqueeze")
    shape = input.array.shape
    return input.reshape(shape[:d] + (1,) + shape[d:])


def squeeze(input: Tensor, dim: Dims = None) -> Tensor:
    """Drop dims of size 1 (all of them, or only ``dim`` if given and of size 1)."""
    shape = input.array.shape
    if dim is None:
        return input.reshape(tuple(s for s in shape if s != 1))
    dims = dim if isinstance(dim, tuple | list) else (dim,)
    nd = input.array.ndim
    dims = {normalize_dim(d, nd, "squeeze") for d in dims} if nd else set()
    return input.reshape(tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1)))


class Permute(Function):
    @staticmethod
    def forward(ctx: Ctx, x: Tensor, dims: tuple[int, ...]) -> np.ndarray:
        inverse = [0] * len(dims)
        for i, d in enumerate(dims):
            inverse[d] = i
        ctx.inverse = tuple(inverse)
        return np.transpose(x.array, dims)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, None]:
        return grad.permute(*ctx.inverse), None


def permute(input: Tensor, *dims: int | ShapeLike) -> Tensor:
    """Reorder dims: ``input.permute(2, 0, 1)``."""
    dims = _shape_arg(dims, "permute")
    nd = input.array.ndim
    if len(dims) != nd:
        raise ValueError(f"permute: got {len(dims)} dims for a tensor with {nd} dims "
                         f"(shape {input.shape})")
    dims = tuple(normalize_dim(d, nd, "permute") for d in dims)
    if sorted(dims) != list(range(nd)):
        raise ValueError(f"permute: {dims} is not a permutation of 0..{nd - 1}")
    if dims == tuple(range(nd)):
        return input
    return Permute.apply(input, dims)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims."""
    nd = input.array.ndim
    if nd < 2:
        return input
    order = list(range(nd))
    d0, d1 = normalize_dim(dim0, nd, "transpose"), normalize_dim(dim1, nd, "transpose")
    order[d0], order[d1] = order[d1], order[d0]
    return permute(input, *order)


class Expand(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(x.array, shape)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[Grad, None]:
        return grad, None  # the engine sums it back to the input's shape


def repeat(input: Tensor, *sizes: int | ShapeLike) -> Tensor:
    """Tile ``input`` ``sizes[i]`` times along dim ``i``, as ``torch.Tensor.repeat`` (more
    sizes than dims add leading dims). Built from expand and reshape, so the gradient
    sums over the copies.

    >>> import minigrad as mg
    >>> mg.tensor([1, 2]).repeat(2, 2).tolist()
    [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    if not sizes:
        raise TypeError("repeat: missing the sizes (repeat(2, 3), or repeat(()) for a 0-d "
                        "tensor)")
    sizes = _shape_arg(sizes, "repeat")
    old = input.array.shape
    if len(sizes) < len(old):
        raise ValueError(f"repeat: got {len(sizes)} sizes for a tensor with {len(old)} "
                         "dims; give at least one size per dim")
    if any(r < 0 for r in sizes):
        raise ValueError(f"repeat: sizes must be non-negative, got {sizes}")
    shape = (1,) * (len(sizes) - len(old)) + old
    interleaved = tuple(x for pair in zip((1,) * len(shape), shape) for x in pair)
    tiled = tuple(x for pair in zip(sizes, shape) for x in pair)
    out = tuple(r * n for r, n in zip(sizes, shape))
    return input.reshape(interleaved).expand(tiled).reshape(out)


def expand(input: Tensor, *shape: int | ShapeLike) -> Tensor:
    """Broadcast to ``shape`` without copying (-1 keeps a size). Alias: ``broadcast_to``."""
    shape = _shape_arg(shape, "expand")
    old = input.array.shape
    lead = len(shape) - len(old)
    if lead < 0:
        raise ValueError(f"expand: cannot expand shape {old} to fewer dims {shape}")
    shape = tuple(o if s == -1 and i >= lead else s
                  for i, (s, o) in enumerate(zip(shape, (0,) * lead + old)))
    if shape == old:
        return input
    try:
        np.broadcast_shapes(old, shape)
        ok = np.broadcast_shapes(old, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"expand: shape {old} cannot be broadcast to {shape}; only dims of "
                         "size 1 can grow")
    return Expand.apply(input, shape)


def meshgrid(*tensors: Tensor | Sequence[Tensor], indexing: str | None = None
             ) -> tuple[Tensor, ...]:
    """Coordinate grids from N 1-D tensors (or 0-d), as ``torch.meshgrid``: each output
    has shape ``(len(t0), len(t1), ...)`` with ``indexing="ij"`` (the default) and the
    first two swapped with ``"xy"``. The outputs are broadcast views; the gradient flows
    back to each input.

    >>> import minigrad as mg
    >>> [g.shape for g in mg.meshgrid(mg.arange(3), mg.arange(2), indexing="ij")]
    [(3, 2), (3, 2)]
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    ts = _as_tensors(tensors, "meshgrid")  # type: ignore[arg-type]
    if indexing is None:
        import warnings

        warnings.warn("meshgrid: pass indexing='ij' or 'xy' (as torch asks); using 'ij'",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not ts or any(t.array.ndim > 1 for t in ts):
        raise ValueError(f"meshgrid: expects one or more 0-d or 1-d tensors, got shapes "
                         f"{[t.shape for t in ts]}")
    if len({t.dtype for t in ts}) > 1:
        raise TypeError(f"meshgrid: expects all tensors to have the same dtype, got "
                        f"{[str(t.dtype) for t in ts]}")
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.array.size for t in ts)
    grids = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = shape[i]
        grids.append(expand(reshape(t, tuple(view)), shape))
    if swap:  # built "ij" over (y, x, ...): the first two grids change places
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


class Cat(Function):
    @staticmethod
    def forward(ctx: Ctx, dim: int, *tensors: Tensor) -> np.ndarray:
        ctx.dim = dim
        ctx.bounds = np.cumsum([t.array.shape[dim] for t in tensors])[:-1]
        return np.concatenate([array_of(t) for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (None, *grad.split(_sizes(ctx.bounds, grad.shape[ctx.dim]), ctx.dim))


def _sizes(bounds: Iterable[int], total: int) -> list[int]:
    edges = [0, *[int(b) for b in bounds], total]
    return [b - a for a, b in zip(edges[:-1], edges[1:])]


def _as_tensors(tensors: Iterable[Operand], op: str) -> list[Tensor]:
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    out = []
    for t in tensors:
        out.append(t if isinstance(t, Tensor) else Tensor(operand(t, op)))
    return out


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim; all other dims must match."""
    tensors = _as_tensors(tensors, "cat")
    ref = tensors[0].shape
    d = normalize_dim(dim, len(ref), "cat")
    for t in tensors[1:]:
        if t.ndim != len(ref) or any(a != b for i, (a, b) in enumerate(zip(t.shape, ref))
                                     if i != d):
            raise ValueError(f"cat: shapes {ref} and {t.shape} differ outside dim {d}; all "
                             "tensors must have the same shape except along dim")
    return Cat.apply(d, *tensors)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shape tensors along a new dim."""
    tensors = _as_tensors(tensors, "stack")
    ref = tensors[0].shape
    for t in tensors[1:]:
        if t.shape != ref:
            raise ValueError(f"stack: shapes {ref} and {t.shape} differ; stack needs tensors "
                             "of equal shape")
    d = normalize_dim(dim, len(ref) + 1, "stack")
    return cat([t.unsqueeze(d) for t in tensors], dim=d)


def split(tensor: Tensor, split_size_or_sections: int | Sequence[int],
          dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of size ``split_size`` (the last may be smaller), or of the given sizes."""
    d = normalize_dim(dim, tensor.array.ndim, "split")
    n = tensor.array.shape[d]
    if isinstance(split_size_or_sections, int | np.integer):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [min(size, n - i) for i in range(0, n, size)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ValueError(f"split: sections {sizes} must be non-negative and add up to "
                             f"{n}, the size of dim {d}")
    pieces, start = [], 0
    for s in sizes:
        index = (slice(None),) * d + (slice(start, start + s),)
        pieces.append(tensor[index])
        start += s
    return tuple(pieces)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` pieces of size ceil(n / chunks) (fewer if n is small)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = input.array.shape[normalize_dim(dim, input.array.ndim, "chunk")]
    return split(input, max(-(-n // chunks), 1), dim)


# ------------------------------------------------------------------------ indexing
def _convert_index(index: Any) -> Any:
    """Tensors inside an index become arrays; lists become integer/bool arrays."""
    if isinstance(index, tuple):
        return tuple(_convert_index(i) for i in index)
    if isinstance(index, Tensor):
        index = index.array
    if isinstance(index, list):
        index = np.asarray(index)
    if isinstance(index, np.ndarray) and index.dtype.kind not in "biu":
        raise IndexError(f"index arrays must be integer or bool, got {index.dtype}")
    return index


def _is_basic(index: Any) -> bool:
    """True if numpy indexes with a view (no repeated elements possible)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, slice | int | np.integer)
               for i in items)


class GetItem(Function):
    @staticmethod
    def forward(ctx: Ctx, x: Tensor, index: Any) -> np.ndarray:
        ctx.shape, ctx.index = x.array.shape, index
        try:
            return x.array[index]
        except IndexError as err:
            raise IndexError(f"getitem: index {index!r} is invalid for shape {x.shape}: "
                             f"{err}") from err

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, None]:
        return IndexAdd.apply(grad, ctx.index, ctx.shape), None


class IndexAdd(Function):
    """Zeros of ``shape`` with ``grad`` added at ``index`` (repeated indices add up)."""

    @staticmethod
    def forward(ctx: Ctx, grad: Tensor, index: Any, shape: tuple[int, ...]) -> np.ndarray:
        ctx.index = index
        out = np.zeros(shape, dtype=grad.array.dtype)
        if _is_basic(index):
            out[index] = grad.array
        else:
            np.add.at(out, index, grad.array)
        return out

    @staticmethod
    def backward(ctx: Ctx, grad: Tensor) -> tuple[Tensor, None, None]:
        return grad[ctx.index], None, None


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]`` with ints, slices, None, Ellipsis, integer arrays and bool masks."""
    return GetItem.apply(x, _convert_index(index))


def setitem(x: Tensor, index: Any, value: Operand) -> None:
    """``x[index] = value``: in place, for tensors that are not part of a graph."""
    if is_grad_enabled() and (x.requires_grad or (isinstance(value, Tensor)
                                               and value.requires_grad)):
        raise RuntimeError(
            "setitem: index assignment on a tensor that requires grad (or with a value that "
            "does) can't be recorded; build the result out of place with mg.where or mg.cat, "
            "or assign inside `with mg.no_grad():`")
    try:
        write_in_place(x, array_of(value), index=_convert_index(index))
    except (ValueError, IndexError) as err:
        raise type(err)(f"setitem: can't assign a value of shape {np.shape(array_of(value))} to "
                        f"index {index!r} of a tensor of shape {x.shape}: {err}") from err


# ------------------------------------------------------------------------ in place
class Fill(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, value: Operand) -> np.ndarray:
        return np.full_like(x.array, array_of(value))

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[None, None]:
        return None, None


class Copy(Function):
    array_backward = True

    @staticmethod
    def forward(ctx: Ctx, x: Tensor, src: Operand) -> np.ndarray:
        return np.broadcast_to(array_of(src), x.array.shape).astype(x.array.dtype)

    @staticmethod
    def backward(ctx: Ctx, grad: Grad) -> tuple[None, Grad]:
        return None, grad


_INPLACE_UFUNC: dict[str, np.ufunc] = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply,
                  "div_": np.true_divide}


UNARY = object()  # ``other`` for in-place forms of one-input ops: ``fn(x)``


def inplace(x: Tensor, fn: type[Function], other: Any, op: str, extra: tuple[Any, ...] = ()
            ) -> Tensor:
    """Run ``fn(x, other, *extra)`` (``fn(x)`` when ``other`` is ``UNARY``) and write the
    result into ``x``'s memory.

    Outside ``no_grad``, a leaf that requires grad may not be modified (its gradient would
    refer to values that no longer exist). A non-leaf is rewired: its ``grad_fn`` becomes
    the new op, and anything that saved the old values fails loudly at backward (version
    counter) instead of computing a wrong gradient.
    """
    if other is not UNARY and op != "clamp_":
        other = operand(other, op)
    operands = () if other is UNARY else (other,)
    other_grad = isinstance(other, Tensor) and other.requires_grad
    if is_grad_enabled() and (x.requires_grad or other_grad):
        if x.requires_grad and x.grad_fn is None:
            raise RuntimeError(
                f"{op}: a leaf tensor that requires grad can't be modified in place (its "
                "gradient would refer to values that no longer exist); wrap the update in "
                "`with mg.no_grad():` as optimizers do, or use the out-of-place op")
        if has_live_alias(x):
            raise RuntimeError(
                f"{op}: this tensor shares its memory with another live tensor (it is a view "
                "such as a reshape, transpose, slice or expand, or one was taken of it), so "
                "an in-place op on it can't be recorded without making the other's gradient "
                "wrong; use the out-of-place op, or .clone() first")
        alias = _wrap(x.array, x.grad_fn, x.requires_grad, x._vc)
        result = fn.apply(alias, *operands, *extra)
        node = result.grad_fn
        if node is not None and node._saved and any(s is alias for s in node._saved):
            # The op saved x's current values, which the write below overwrites: keep a
            # private copy for backward (torch saves the "original self" the same way).
            node._replace_saved(alias, _wrap(alias.array.copy(), alias.grad_fn,
                                             alias.requires_grad))
        _write(x, result.array, op)
        x.grad_fn = result.grad_fn
        x.requires_grad = result.requires_grad
        if node is not None and node._saved and node._out_vc is result._vc:
            node._move_output(x)
        return x
    ufunc = _INPLACE_UFUNC.get(op)
    if ufunc is not None and x.array.flags.writeable:
        try:
            write_in_place(x, array_of(other), ufunc)
        except (TypeError, ValueError) as err:
            _raise_inplace(x, other, op, err)
    else:
        _write(x, fn.apply(x, *operands, *extra).array, op)
    return x


def _write(x: Tensor, values: np.ndarray, op: str) -> None:
    if values.shape != x.array.shape:
        raise ValueError(f"{op}: the result has shape {values.shape} but the tensor written "
                         f"in place has shape {x.shape}; in-place ops can't change the shape")
    try:
        write_in_place(x, values)
    except (TypeError, ValueError) as err:
        _raise_inplace(x, values, op, err)


def _raise_inplace(x: Tensor, other: Any, op: str, err: Exception) -> NoReturn:
    if "broadcast" in str(err) or isinstance(err, ValueError):
        raise ValueError(f"{op}: a value of shape {np.shape(array_of(other))} can't be written "
                         f"into a tensor of shape {x.shape} in place: {err}") from err
    raise TypeError(f"{op}: the result can't be stored in place in a {x.dtype} tensor "
                    f"({err}); convert it first, e.g. x = x.float()") from err
