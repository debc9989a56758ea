"""``LazyModuleMixin``: modules whose parameter shapes are inferred at the first call, as
torch's ``torch.nn.modules.lazy``.

Until then the parameters are ``UninitializedParameter``s (using their values is an error;
optimizers may already hold them). The first call runs ``initialize_parameters(*inputs)``,
which materializes them in place, and then the module's class becomes ``cls_to_become``
(``LazyLinear`` becomes ``Linear``), so later calls cost nothing extra.
"""

from __future__ import annotations

from typing import Any

from ..autograd.grad_mode import no_grad
from .parameter import is_lazy


class LazyModuleMixin:
    """Mix in before a Module class; define ``initialize_parameters(*inputs)`` and call
    ``self._infer_parameters(*inputs)`` at the start of ``forward``."""

    cls_to_become: type | None = None
    _parameters: dict[str, Any]
    _buffers: dict[str, Any]

    def has_uninitialized_params(self) -> bool:
        """True while a parameter or buffer of this module still has no shape."""
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define initialize_parameters()")

    def _infer_parameters(self, *args: Any, **kwargs: Any) -> None:
        with no_grad():
            self.initialize_parameters(*args, **kwargs)
        if self.has_uninitialized_params():
            raise RuntimeError(f"{type(self).__name__}: initialize_parameters left "
                               "uninitialized parameters")
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become
