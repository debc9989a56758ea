"""Per-thread switches: grad mode, anomaly mode, and the ``nn.Module`` calls under way.

As in PyTorch, each thread has its own: a ``no_grad`` block in an evaluation thread never
stops recording in a training thread, and two threads can train two models at once.
Every op reads these, so hot paths fetch their thread's state once (``current()``) and
then read plain attributes.
"""

from __future__ import annotations

import threading
from typing import Any


class ThreadState:
    """One thread's switches (made on its first use of minigrad)."""

    __slots__ = ("grad_enabled", "anomaly", "module_stack")

    def __init__(self) -> None:
        self.grad_enabled: bool = True  # ops record the graph
        self.anomaly: bool = False  # check every op's output and gradients for nan/inf
        self.module_stack: list[Any] = []  # nn.Module calls under way, innermost last


class _PerThread(threading.local):
    def __init__(self) -> None:
        self.state = ThreadState()


_per_thread = _PerThread()


def current() -> ThreadState:
    """The calling thread's state."""
    return _per_thread.state
