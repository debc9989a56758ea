"""``Parameter``: a Tensor that a Module registers as learnable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _to_array
from ..devices import check_device
from ..dtypes import as_dtype

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from ..devices import DeviceLike


class Parameter(Tensor):
    """A leaf Tensor that requires grad (by default) and that modules register.

    Assigning one to a module attribute (``self.weight = Parameter(...)``) makes it show up
    in ``module.parameters()``, ``named_parameters()`` and ``state_dict()``.
    """

    __slots__ = ()

    def __init__(self, data: Tensor | ArrayLike | None = None,
                 requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=np.float32)
        # Share the memory of a given Tensor or array (as torch.nn.Parameter does).
        arr = data.array if isinstance(data, Tensor) else data
        if not isinstance(arr, np.ndarray):
            arr = _to_array(arr)
        if requires_grad and arr.dtype.kind != "f":  # as torch: no silent cast to float
            raise RuntimeError(f"Parameter: only floating-point tensors can require "
                               f"gradients, got {arr.dtype}; convert it first, e.g. "
                               f"Parameter(t.float()), or pass requires_grad=False")
        super().__init__(arr)
        self.array = arr
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


_UNINITIALIZED = ("Attempted to use an uninitialized parameter: it belongs to a lazy module "
                  "(such as nn.LazyLinear), whose shapes are known only after its first "
                  "call. Call the model once on a dummy batch to initialize the parameters "
                  "before using them")


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (the parameters of ``nn.LazyLinear`` before
    its first call), as torch's: its ``dtype`` and ``requires_grad`` are known; using its
    values or shape is an error until ``materialize(shape)`` turns it, in place, into a
    plain ``Parameter`` (so optimizers created before then see the real one)."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: DeviceLike = None,
                 dtype: DTypeLike | None = None) -> None:
        check_device(device)
        _SLOT.__set__(self, np.empty(0, dtype=as_dtype(dtype) or _dt.default_float))
        self._grad = None
        self.grad_fn = None
        self._vc = [0]
        self.requires_grad = bool(requires_grad)

    @property  # shadows the values slot: any use of the values is the error
    def array(self) -> np.ndarray:  # pyright: ignore[reportIncompatibleVariableOverride]
        raise ValueError(_UNINITIALIZED)

    @array.setter
    def array(self, value: np.ndarray) -> None:
        _SLOT.__set__(self, value)

    @property
    def shape(self) -> tuple[int, ...]:
        raise RuntimeError("Can't access the shape of an uninitialized parameter; call the "
                           "lazy module once (a dummy batch) to initialize it")

    @property
    def dtype(self) -> np.dtype:
        return _SLOT.__get__(self).dtype

    def requires_grad_(self, requires_grad: bool = True) -> UninitializedParameter:
        self.requires_grad = bool(requires_grad)
        return self

    def materialize(self, shape: tuple[int, ...], device: DeviceLike = None,
                    dtype: DTypeLike | None = None) -> None:
        """Give the parameter memory of ``shape`` (uninitialised values: the module's
        ``reset_parameters`` fills them) and make it a plain ``Parameter``, in place."""
        check_device(device)
        dt = as_dtype(dtype) or self.dtype
        _SLOT.__set__(self, np.empty(tuple(shape), dtype=dt))
        self.__class__ = self.cls_to_become  # pyright: ignore[reportAttributeAccessIssue]

    def cast_(self, dtype: DTypeLike) -> None:
        """Change the dtype it will be materialized with (``Module.to(dtype)``)."""
        _SLOT.__set__(self, np.empty(0, dtype=as_dtype(dtype)))

    def __repr__(self) -> str:
        return "<UninitializedParameter>"


def is_lazy(t: object) -> bool:
    """True for a parameter whose shape is not known yet (``UninitializedParameter``)."""
    return isinstance(t, UninitializedParameter)


_SLOT: Any = Tensor.__dict__["array"]  # the values slot itself, under the property
