"""``Parameter``: a Tensor that a Module registers as learnable."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._tensor import Tensor, _to_array

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


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
