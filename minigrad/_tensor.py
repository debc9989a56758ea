"""``Tensor``: a numpy array, its gradient, and its place in the graph.

Every operator and method here is one line that delegates to an op in ``minigrad.ops``,
where each op's forward and backward sit side by side.
"""

from __future__ import annotations

import builtins
import weakref
from collections import namedtuple
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from . import devices as _device
from . import dtypes as _dt
from ._printing import format_array
from .random import default_generator

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from typing import Literal, NamedTuple, TypeAlias

    from numpy.typing import ArrayLike, DTypeLike

    from .autograd.function import Node
    from .devices import DeviceLike

    # What the operators take as the other operand (lists: wrap them with mg.tensor).
    Operand: TypeAlias = "Tensor | float | np.ndarray | np.number[Any]"
    # A shape given as one argument (``f((2, 3))``; ``f(2, 3)`` works too).
    ShapeLike: TypeAlias = "tuple[int, ...] | list[int]"
    # A reduction's ``dim``: one dim, several, or None for all of them.
    Dims: TypeAlias = "int | tuple[int, ...] | list[int] | None"
    Casting: TypeAlias = Literal["no", "equiv", "safe", "same_kind", "unsafe"]  # numpy's

    class max_result(NamedTuple):  # at run time the plain namedtuples below
        values: Tensor
        indices: Tensor

    class min_result(NamedTuple):
        values: Tensor
        indices: Tensor
else:
    max_result = namedtuple("max", ["values", "indices"])
    min_result = namedtuple("min", ["values", "indices"])

_new = object.__new__

_FAST = set()  # operand types the operators pass on unchecked (filled below: Tensor, numbers)


def _wrap(data: np.ndarray, grad_fn: Node | None = None, requires_grad: bool = False,
          vc: list[Any] | None = None) -> Tensor:
    """Fast internal constructor: ``data`` must already be an ndarray of the final dtype."""
    t = _new(Tensor)
    t.array = data
    t._grad = None
    t.requires_grad = requires_grad
    t.grad_fn = grad_fn
    t._vc = [0] if vc is None else vc
    return t


def _check_grad(tensor: Tensor, grad: object) -> None:
    """``t.grad = g`` takes a tensor of ``t``'s shape and dtype (or None), as torch's."""
    if not isinstance(grad, Tensor):
        raise TypeError(f"grad: assigned grad must be a Tensor or None, "
                        f"got {type(grad).__name__}")
    if grad is tensor:
        raise RuntimeError("grad: can't assign a tensor as its own grad; assign a copy "
                           "(t.detach().clone())")
    if grad.array.shape != tensor.array.shape:
        raise RuntimeError(f"grad: assigned grad has shape {grad.shape}, but the tensor has "
                           f"shape {tensor.shape}")
    if grad.array.dtype != tensor.array.dtype:
        raise TypeError(f"grad: assigned grad has dtype {grad.dtype}, but the tensor has "
                        f"dtype {tensor.dtype}")


_WHOLE = object()  # write_in_place's default index: the whole tensor (``...`` is a user index)


def write_in_place(tensor: Tensor, value: Any, ufunc: np.ufunc | None = None,
                   index: Any = _WHOLE, casting: Casting = "same_kind") -> None:
    """The one way minigrad changes a tensor's memory, and so the one place its version
    goes up: a graph that saved the old values raises at backward instead of silently
    using the new ones.

    Writes ``value`` at ``index`` (all of the tensor by default), or with ``ufunc``
    updates the tensor to ``ufunc(tensor, value)`` (``np.subtract``: ``tensor -= value``).
    ``casting`` is numpy's rule for whole-tensor writes; an indexed write casts as
    numpy's (and torch's) item assignment does.
    """
    array = tensor.array
    if ufunc is not None:
        ufunc(array, value, out=array, casting=casting)
    elif index is _WHOLE:
        np.copyto(array, value, casting=casting)
    else:
        array[index] = value
    tensor._vc[0] += 1


def zero_grad_in_place(tensor: Tensor) -> None:
    """Set ``tensor.grad`` to zeros in its own memory (``zero_grad(set_to_none=False)``),
    detached first as torch does; a graph that saved the old gradient (after a
    ``create_graph`` backward) raises at its backward."""
    grad = tensor.grad
    if grad is not None:
        grad.detach_()
        write_in_place(grad, 0)


def _to_array(data: ArrayLike, dtype: DTypeLike | None = None) -> np.ndarray:
    """Convert user data to an ndarray following the dtype rules in ``minigrad.dtypes``."""
    dtype = _dt.as_dtype(dtype)
    if isinstance(data, Tensor):
        arr = data.array
    elif isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
    else:
        if isinstance(data, str | bytes | dict | set) or data is None:
            raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__}; "
                            "give a number, a (nested) list of numbers or a numpy array")
        try:
            arr = np.array(data)
        except ValueError as err:
            raise ValueError(f"tensor: could not convert the data to an array ({err}); "
                             "nested lists must be rectangular") from err
        if dtype is None and arr.dtype == np.float64:
            arr = arr.astype(_dt.default_float)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"tensor: unsupported element type {arr.dtype}; minigrad holds "
                        "booleans, integers and floats")
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    elif arr is data or (isinstance(data, Tensor) and arr is data.array):
        arr = arr.copy()
    return arr


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([[2., 4.],
            [6., 8.]])
    """

    __slots__ = ("array", "_grad", "requires_grad", "grad_fn", "_vc", "__weakref__")
    array: np.ndarray  # the values: what ops compute on (minigrad's own; torch has no .array)
    _grad: Tensor | None
    requires_grad: bool
    grad_fn: Node | None  # the op that made this tensor (None for leaves)
    _vc: list[Any]  # version counter: [version, weakrefs to the views sharing it...]
    __array_ufunc__ = None  # ndarray <op> Tensor defers to Tensor's reflected operators
    __hash__: Callable[[object], int] = object.__hash__  # identity, as torch (== is elementwise)

    def __init__(self, data: ArrayLike, requires_grad: bool = False,
                 dtype: DTypeLike | None = None) -> None:
        self.array = _to_array(data, dtype)
        self._grad = None
        self.grad_fn = None
        self._vc = [0]
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ---------------------------------------------------------------- attributes
    @property
    def data(self) -> Tensor:
        """The same memory as a tensor that records nothing, as torch's ``.data``: writes
        through it (``p.data.add_(g, alpha=-lr)``) change this tensor, unseen by autograd
        (prefer ``with mg.no_grad():`` and ``.detach()``, which autograd does see)."""
        return _wrap(self.array)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data: must be set to a Tensor, got {type(value).__name__}")
        if self.requires_grad and value.array.dtype.kind != "f":
            raise TypeError(f"data: a tensor that requires grad needs floating-point data, "
                            f"got {value.array.dtype}")
        self.array = value.array

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward()`` (None until then)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def device(self) -> _device.device:
        """Always ``device("cpu")``: minigrad computes with numpy on the CPU."""
        return _device.CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def _version(self) -> int:
        """How many times this tensor's memory was written in place (as torch's)."""
        return self._vc[0]

    @property
    def is_leaf(self) -> bool:
        """True for tensors created by the user rather than by an op that records."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (for 2-D: the transpose)."""
        return self.permute(*range(self.array.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (batched matrix transpose)."""
        return self.transpose(-2, -1)

    @overload
    def size(self, dim: None = None) -> tuple[int, ...]: ...
    @overload
    def size(self, dim: int) -> int: ...

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return self.array.shape
        return self.array.shape[ops.normalize_dim(dim, self.array.ndim, "size")]

    def dim(self) -> int:
        return self.array.ndim

    def numel(self) -> int:
        return self.array.size

    def item(self) -> int | float | bool:
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to a Python "
                             f"number, this one has shape {self.shape}")
        return self.array.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied), as ``torch.Tensor.numpy``."""
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        return self.array

    def tolist(self) -> Any:
        return self.array.tolist()

    def __array__(self, dtype: DTypeLike | None = None,
                  copy: bool | None = None) -> np.ndarray:
        return self.array if dtype is None else self.array.astype(dtype)

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise RuntimeError(f"bool: the truth value of a tensor with shape {self.shape} is "
                               "ambiguous; use .any() or .all()")
        return builtins.bool(self.array)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.array.dtype.kind not in "iu" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.array)

    def __format__(self, format_spec: str) -> str:
        """``f"{loss:.4f}"`` formats a one-element tensor's value; ``f"{t}"`` is ``str``
        (of a 0-d tensor: its value's, as torch). A format spec on a bigger tensor is a
        TypeError, as torch."""
        if self.array.ndim == 0:
            return format(self.array.item(), format_spec)
        if not format_spec:
            return str(self)
        if self.array.size != 1:
            raise TypeError(f"unsupported format string passed to "
                            f"{type(self).__name__}.__format__")
        return format(self.array.item(), format_spec)

    def __repr__(self) -> str:
        body = format_array(self.array, prefix="tensor(")  # torch's rules, set_printoptions
        extras = []
        default = np.int64 if self.array.dtype.kind in "iu" else _dt.default_float
        if self.array.dtype != default and self.array.dtype.kind != "b":
            extras.append(f"dtype={self.array.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # ----------------------------------------------------------------- autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (floating leaf tensors only); returns self."""
        if requires_grad and self.array.dtype.kind != "f":
            raise RuntimeError(f"requires_grad: only floating-point tensors can require "
                               f"gradients, this one is {self.array.dtype}; convert it first "
                               "with .to(mg.float32)")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_: a non-leaf tensor's requires_grad can't be "
                               "turned off; use .detach()")
        self.requires_grad = builtins.bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain the grad of a tensor that does not "
                               "require grad")
        if self.grad_fn is not None:
            # (Node's fields get their declared types in autograd/function.py)
            self.grad_fn._retained = weakref.ref(self)  # pyright: ignore[reportAttributeAccessIssue]

    @property
    def retains_grad(self) -> bool:
        fn = self.grad_fn
        return fn is not None and fn._retained is not None and fn._retained() is self

    def backward(self, gradient: Tensor | ArrayLike | None = None, retain_graph: bool = False,
                 create_graph: bool = False) -> None:
        """Accumulate the gradient of this tensor into ``.grad`` of every leaf it depends on.

        A non-scalar tensor needs ``gradient`` (same shape). The graph's saved buffers are
        freed afterwards unless ``retain_graph=True``; ``create_graph=True`` records the
        backward pass so the gradients can be differentiated again.
        """
        _engine.backward(self, gradient, retain_graph, create_graph)

    def detach(self) -> Tensor:
        """The same data (shared) without history; never requires grad."""
        return _wrap(self.array, vc=self._vc)

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    def clone(self) -> Tensor:
        """A copy of the data that stays in the graph (its gradient flows back)."""
        return ops.Clone.apply(self)

    @overload
    def to(self, dtype: DTypeLike, non_blocking: bool = False, copy: bool = False) -> Tensor:
        ...
    @overload
    def to(self, device: DeviceLike = None, dtype: DTypeLike | None = None,
           non_blocking: bool = False, copy: bool = False) -> Tensor: ...
    @overload
    def to(self, other: Tensor, non_blocking: bool = False, copy: bool = False) -> Tensor: ...

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Cast as torch's ``to``: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
        ``to(other)`` (other's dtype), keywords ``device= dtype= non_blocking= copy=``.

        Returns ``self`` when nothing changes (unless ``copy=True``); a cast between float
        types is differentiable. The device must be the CPU (minigrad's only one).

        >>> import minigrad as mg
        >>> mg.ones(2).to("cpu", mg.float64).dtype
        dtype('float64')
        """
        dt, copy = _device.parse_to(args, kwargs, "to")
        return self.astype(self.array.dtype if dt is None else dt, copy=copy)

    def astype(self, dtype: DTypeLike, copy: bool = False) -> Tensor:
        """Cast to ``dtype`` (numpy's name for ``to(dtype)``)."""
        dt = _dt.as_dtype(dtype)
        if dt == self.array.dtype:
            return ops.Clone.apply(self) if copy else self
        return ops.Cast.apply(self, dt)

    type = astype

    def cpu(self) -> Tensor:
        """``self``: minigrad's tensors are always on the CPU."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """A clear error: minigrad computes with numpy on the CPU."""
        raise _device.not_here("cuda")

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def half(self) -> Tensor:
        return self.astype(np.float16)

    def long(self) -> Tensor:
        return self.astype(np.int64)

    def int(self) -> Tensor:
        return self.astype(np.int32)

    def short(self) -> Tensor:
        return self.astype(np.int16)

    def byte(self) -> Tensor:
        return self.astype(np.uint8)

    def bool(self) -> Tensor:
        return self.astype(np.bool_)

    # --------------------------------------------------------------- arithmetic
    def __add__(self, other: Operand) -> Tensor:
        return ops.Add.apply(self, other if type(other) in _FAST else ops.operand(other, "add"))

    def __radd__(self, other: Operand) -> Tensor:
        return ops.Add.apply(other if type(other) in _FAST else ops.operand(other, "add"), self)

    def __sub__(self, other: Operand) -> Tensor:
        return ops.Sub.apply(self, other if type(other) in _FAST else ops.operand(other, "sub"))

    def __rsub__(self, other: Operand) -> Tensor:
        return ops.Sub.apply(other if type(other) in _FAST else ops.operand(other, "sub"), self)

    def __mul__(self, other: Operand) -> Tensor:
        return ops.Mul.apply(self, other if type(other) in _FAST else ops.operand(other, "mul"))

    def __rmul__(self, other: Operand) -> Tensor:
        return ops.Mul.apply(other if type(other) in _FAST else ops.operand(other, "mul"), self)

    def __truediv__(self, other: Operand) -> Tensor:
        return ops.Div.apply(self, other if type(other) in _FAST else ops.operand(other, "div"))

    def __rtruediv__(self, other: Operand) -> Tensor:
        return ops.Div.apply(other if type(other) in _FAST else ops.operand(other, "div"), self)

    def __pow__(self, other: Operand) -> Tensor:
        return ops.Pow.apply(self, other if type(other) in _FAST else ops.operand(other, "pow"))

    def __rpow__(self, other: Operand) -> Tensor:
        return ops.Pow.apply(other if type(other) in _FAST else ops.operand(other, "pow"), self)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __matmul__(self, other: Operand) -> Tensor:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return ops.matmul(other, self)

    def add(self, other: Operand, alpha: float = 1) -> Tensor:
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Operand, alpha: float = 1) -> Tensor:
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other: Operand) -> Tensor:
        return self * other

    def div(self, other: Operand) -> Tensor:
        return self / other

    def pow(self, exponent: Operand) -> Tensor:
        return self ** exponent

    def neg(self) -> Tensor:
        return -self

    def matmul(self, other: Operand) -> Tensor:
        return ops.matmul(self, other)

    def mm(self, mat2: Tensor) -> Tensor:
        """Matrix product of two 2-D tensors (``matmul`` without broadcasting)."""
        return ops.mm(self, mat2)

    def dot(self, other: Tensor) -> Tensor:
        return ops.dot(self, other)

    def bmm(self, mat2: Tensor) -> Tensor:
        """Batched matrix product of two 3-D tensors (``matmul`` without broadcasting)."""
        return ops.bmm(self, mat2)

    # ------------------------------------------------------------- comparisons
    # Elementwise, as in torch: == and != give a bool Tensor, not a bool.
    def __eq__(self, other: ArrayLike) -> Tensor:  # type: ignore[override]
        return ops.compare(np.equal, self, other, "eq")

    def __ne__(self, other: ArrayLike) -> Tensor:  # type: ignore[override]
        return ops.compare(np.not_equal, self, other, "ne")

    def __lt__(self, other: ArrayLike) -> Tensor:
        return ops.compare(np.less, self, other, "lt")

    def __le__(self, other: ArrayLike) -> Tensor:
        return ops.compare(np.less_equal, self, other, "le")

    def __gt__(self, other: ArrayLike) -> Tensor:
        return ops.compare(np.greater, self, other, "gt")

    def __ge__(self, other: ArrayLike) -> Tensor:
        return ops.compare(np.greater_equal, self, other, "ge")

    eq = __eq__
    ne = __ne__
    lt = __lt__
    le = __le__
    gt = __gt__
    ge = __ge__

    def __invert__(self) -> Tensor:
        if self.array.dtype.kind != "b":
            raise TypeError("~ (logical not) needs a bool tensor")
        return _wrap(~self.array)

    def __and__(self, other: ArrayLike) -> Tensor:
        return ops.compare(np.logical_and, self, other, "and")

    def __or__(self, other: ArrayLike) -> Tensor:
        return ops.compare(np.logical_or, self, other, "or")

    def any(self, dim: Dims = None, keepdim: bool = False, **np_names: Any) -> Tensor:
        return ops.logical_reduce(np.any, self, dim, keepdim, np_names)

    def all(self, dim: Dims = None, keepdim: bool = False, **np_names: Any) -> Tensor:
        return ops.logical_reduce(np.all, self, dim, keepdim, np_names)

    # ------------------------------------------------------------- elementwise
    def exp(self) -> Tensor:
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        return ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        return ops.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return ops.Abs.apply(self)

    __abs__ = abs

    def sin(self) -> Tensor:
        return ops.Sin.apply(self)

    def cos(self) -> Tensor:
        return ops.Cos.apply(self)

    def sigmoid(self) -> Tensor:
        return ops.Sigmoid.apply(self)

    def tanh(self) -> Tensor:
        return ops.Tanh.apply(self)

    def sinh(self) -> Tensor:
        return ops.Sinh.apply(self)

    def cosh(self) -> Tensor:
        return ops.Cosh.apply(self)

    def relu(self) -> Tensor:
        return ops.Relu.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return ops.LeakyRelu.apply(self, negative_slope=negative_slope)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        return ops.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Operand) -> Tensor:
        return ops.Maximum.apply(self, ops.operand(other, "maximum"))

    def minimum(self, other: Operand) -> Tensor:
        return ops.Minimum.apply(self, ops.operand(other, "minimum"))

    def sign(self) -> Tensor:
        return _wrap(np.sign(self.array))

    # --------------------------------------------------------------- reductions
    def sum(self, dim: Dims = None, keepdim: bool = False, **np_names: Any) -> Tensor:
        return ops.sum(self, dim, keepdim, **np_names)

    def mean(self, dim: Dims = None, keepdim: bool = False, **np_names: Any) -> Tensor:
        return ops.mean(self, dim, keepdim, **np_names)

    def var(self, dim: Dims = None, correction: float = 1, keepdim: bool = False,
               **np_names: Any) -> Tensor:
        return ops.var(self, dim, correction=correction, keepdim=keepdim, **np_names)

    def std(self, dim: Dims = None, correction: float = 1, keepdim: bool = False,
               **np_names: Any) -> Tensor:
        return ops.std(self, dim, correction=correction, keepdim=keepdim, **np_names)

    def amax(self, dim: Dims = None, keepdim: bool = False, **np_names: Any) -> Tensor:
        return ops.amax(self, dim, keepdim, **np_names)

    def norm(self, p: float | str | None = "fro", dim: Dims = None, keepdim: bool = False,
             dtype: Any = None) -> Tensor:
        """The vector p-norm over ``dim`` (2 by default), as ``torch.norm``."""
        return ops.norm(self, p, dim, keepdim, dtype)

    def amin(self, dim: Dims = None, keepdim: bool = False, **np_names: Any) -> Tensor:
        return ops.amin(self, dim, keepdim, **np_names)

    @overload
    def max(self, dim: None = None, keepdim: bool = False) -> Tensor: ...
    @overload
    def max(self, dim: Tensor, keepdim: bool = False, **np_names: Any) -> Tensor: ...
    @overload
    def max(self, dim: int | None = None, keepdim: bool = False,
            **np_names: Any) -> max_result: ...

    def max(self, dim: int | Tensor | None = None, keepdim: bool = False,
            **np_names: Any) -> Tensor | max_result:
        return ops.max(self, dim, keepdim, **np_names)

    @overload
    def min(self, dim: None = None, keepdim: bool = False) -> Tensor: ...
    @overload
    def min(self, dim: Tensor, keepdim: bool = False, **np_names: Any) -> Tensor: ...
    @overload
    def min(self, dim: int | None = None, keepdim: bool = False,
            **np_names: Any) -> min_result: ...

    def min(self, dim: int | Tensor | None = None, keepdim: bool = False,
            **np_names: Any) -> Tensor | min_result:
        return ops.min(self, dim, keepdim, **np_names)

    def argmax(self, dim: int | None = None, keepdim: bool = False,
               **np_names: Any) -> Tensor:
        return ops.argmax(self, dim, keepdim, **np_names)

    def argmin(self, dim: int | None = None, keepdim: bool = False,
               **np_names: Any) -> Tensor:
        return ops.argmin(self, dim, keepdim, **np_names)

    def logsumexp(self, dim: Dims = None, keepdim: bool = False, **np_names: Any) -> Tensor:
        return ops.logsumexp(self, dim, keepdim, **np_names)

    def softmax(self, dim: int = -1) -> Tensor:
        return ops.softmax(self, dim)

    def log_softmax(self, dim: int = -1) -> Tensor:
        return ops.log_softmax(self, dim)

    # -------------------------------------------------------------------- shape
    def reshape(self, *shape: int | ShapeLike) -> Tensor:
        return ops.reshape(self, *shape)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return ops.flatten(self, start_dim, end_dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return ops.transpose(self, dim0, dim1)

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        """``transpose`` under numpy's name (torch has both)."""
        return ops.transpose(self, axis0, axis1)

    def swapdims(self, dim0: int, dim1: int) -> Tensor:
        """``transpose`` under torch's other name."""
        return ops.transpose(self, dim0, dim1)

    def permute(self, *dims: int | ShapeLike) -> Tensor:
        return ops.permute(self, *dims)

    def unsqueeze(self, dim: int) -> Tensor:
        return ops.unsqueeze(self, dim)

    def squeeze(self, dim: Dims = None) -> Tensor:
        return ops.squeeze(self, dim)

    def expand(self, *shape: int | ShapeLike) -> Tensor:
        return ops.expand(self, *shape)

    def broadcast_to(self, shape: ShapeLike) -> Tensor:
        return ops.expand(self, shape)

    def repeat(self, *sizes: int | ShapeLike) -> Tensor:
        return ops.repeat(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        return ops.expand(self, other.shape)

    def view_as(self, other: Tensor) -> Tensor:
        return ops.reshape(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return ops.reshape(self, other.shape)

    def t(self) -> Tensor:
        """The transpose of a 2-D tensor; a 0-D or 1-D tensor as it is (torch's rule)."""
        if self.array.ndim > 2:
            raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, but this one has "
                               f"{self.array.ndim} (shape {self.shape}); use transpose or mT")
        return self.transpose(0, 1) if self.array.ndim == 2 else self

    def split(self, split_size_or_sections: int | Sequence[int],
              dim: int = 0) -> tuple[Tensor, ...]:
        return ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return ops.chunk(self, chunks, dim)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.getitem(self, index)

    def __setitem__(self, index: Any, value: Operand) -> None:
        ops.setitem(self, index, value)

    # ----------------------------------------------------------------- in place
    def add_(self, other: Operand, alpha: float = 1) -> Tensor:
        return ops.inplace(self, ops.Add, other if alpha == 1 else other * alpha, "add_")

    def sub_(self, other: Operand, alpha: float = 1) -> Tensor:
        return ops.inplace(self, ops.Sub, other if alpha == 1 else other * alpha, "sub_")

    def mul_(self, other: Operand) -> Tensor:
        return ops.inplace(self, ops.Mul, other, "mul_")

    def div_(self, other: Operand) -> Tensor:
        return ops.inplace(self, ops.Div, other, "div_")

    def zero_(self) -> Tensor:
        return ops.inplace(self, ops.Fill, 0, "zero_")

    def fill_(self, value: Operand) -> Tensor:
        return ops.inplace(self, ops.Fill, value, "fill_")

    def copy_(self, src: Operand) -> Tensor:
        return ops.inplace(self, ops.Copy, src, "copy_")

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Fill with samples from N(mean, std^2) drawn from minigrad's generator."""
        values = default_generator().normal(mean, std, self.array.shape)
        return ops.inplace(self, ops.Copy, values, "normal_")

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        """Fill with samples from U(a, b) (torch names the bounds ``from`` and ``to``)."""
        values = default_generator().uniform(a, b, self.array.shape)
        return ops.inplace(self, ops.Copy, values, "uniform_")

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        return ops.inplace(self, ops.Clamp, (min, max), "clamp_")

    def scatter(self, dim: int, index: Tensor, src: Tensor | float | None = None, *,
                value: float | None = None) -> Tensor:
        """A copy with ``src`` (or the number ``value``) written at ``index`` along ``dim``
        (torch's rule, see :mod:`minigrad.ops.scatter`).

        >>> import minigrad as mg
        >>> mg.zeros(4).scatter(0, mg.tensor([2]), value=1.0)
        tensor([0., 0., 1., 0.])
        """
        src = _scatter_src(self, src, value, "scatter")
        return ops.Scatter.apply(self, src, ops.scatter_index(self, dim, index, src, "scatter"))

    def scatter_(self, dim: int, index: Tensor, src: Tensor | float | None = None, *,
                 value: float | None = None) -> Tensor:
        """In-place :meth:`scatter`: ``mg.zeros(10).scatter_(0, mg.tensor(3), value=1)`` is
        the one-hot vector of 3."""
        src = _scatter_src(self, src, value, "scatter_")
        positions = ops.scatter_index(self, dim, index, src, "scatter_")
        return ops.inplace(self, ops.Scatter, src, "scatter_", (positions,))

    def relu_(self) -> Tensor:
        """``relu`` written into this tensor's memory (gradient 0 at 0, as ``relu``)."""
        return ops.inplace(self, ops.Relu, ops.UNARY, "relu_")

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_


def _scatter_src(x: Tensor, src: Any, value: Any, op: str) -> Any:
    """``src`` or ``value`` (exactly one): a Tensor of x's dtype, or a number."""
    if (src is None) == (value is None):
        raise TypeError(f"{op}: give exactly one of src (a tensor) and value (a number)")
    src = value if src is None else src
    if isinstance(src, Tensor):
        if src.dtype != x.dtype:
            raise TypeError(f"{op}: src has dtype {src.dtype} but the tensor has {x.dtype}; "
                            "they must be the same")
        return src
    if isinstance(src, bool | int | float | np.number):
        return src
    raise TypeError(f"{op}: src must be a tensor and value a number, got "
                    f"{type(src).__name__}")


from . import ops  # noqa: E402  (ops need Tensor defined first)
from .autograd import engine as _engine  # noqa: E402

_FAST.update((Tensor, float, int))


def tensor(data: ArrayLike, dtype: DTypeLike | None = None, *, device: DeviceLike = None,
           requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Make a tensor from a number, a (nested) list or a numpy array (always copies).

    Python floats become float32, Python ints int64; a numpy array keeps its dtype.

    >>> import minigrad as mg
    >>> mg.tensor([1.0, 2.0]).dtype, mg.tensor([1, 2]).dtype
    (dtype('float32'), dtype('int64'))
    """
    _device.check_device(device)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)
