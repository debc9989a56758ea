"""Grad mode: whether ops record the graph. ``no_grad``, ``enable_grad``, ``set_grad_enabled``."""

from __future__ import annotations

import functools

# One mutable cell read on every op: a list lookup is the cheapest global flag in CPython.
_state = [True]


def is_grad_enabled() -> bool:
    """True when ops record the computation graph (the default)."""
    return _state[0]


class set_grad_enabled:
    """Turn graph recording on or off; works as a call, a context manager and a decorator.

    >>> import minigrad as mg
    >>> with mg.set_grad_enabled(False):
    ...     mg.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool = True):
        self.prev = _state[0]
        self.mode = bool(mode)
        _state[0] = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state[0] = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.mode):
                return fn(*args, **kwargs)

        return wrapper


class _GradModeContext:
    mode = True

    def __enter__(self):
        self.prev = _state[0]
        _state[0] = self.mode
        return self

    def __exit__(self, *exc):
        _state[0] = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


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
