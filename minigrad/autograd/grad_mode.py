"""Grad mode: whether ops record the graph. ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Grad mode is per thread, as in PyTorch (``thread_state``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .thread_state import current

if TYPE_CHECKING:
    from typing_extensions import Self

_F = TypeVar("_F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """True when ops record the computation graph (the default)."""
    return current().grad_enabled


class set_grad_enabled:
    """Turn graph recording on or off; works as a call, a context manager and a decorator.

    >>> import minigrad as mg
    >>> with mg.set_grad_enabled(False):
    ...     mg.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool = True) -> None:
        state = current()
        self.prev: bool = state.grad_enabled
        self.mode: bool = bool(mode)
        state.grad_enabled = self.mode

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        current().grad_enabled = self.prev
        return False

    def __call__(self, fn: _F) -> _F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__(self.mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]  # same signature, by functools.wraps


class _GradModeContext:
    mode = True
    prev: bool  # the mode before __enter__, restored by __exit__

    def __enter__(self) -> Self:
        state = current()
        self.prev = state.grad_enabled
        state.grad_enabled = self.mode
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        current().grad_enabled = self.prev
        return False

    def __call__(self, fn: _F) -> _F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]  # same signature, by functools.wraps


class no_grad(_GradModeContext):
    """Context manager and decorator: nothing inside records a graph or keeps buffers.

    >>> import minigrad as mg
    >>> x = mg.ones(2, requires_grad=True)
    >>> with mg.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator: record the graph again, even inside ``no_grad``."""

    mode = True
