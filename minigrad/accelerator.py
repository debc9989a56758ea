"""``mg.accelerator``: as ``torch.accelerator`` on a machine without one. minigrad
computes with numpy on the CPU: ``is_available()`` is False and ``current_accelerator()``
None, so ``mg.accelerator.current_accelerator().type if mg.accelerator.is_available() else
"cpu"`` picks the CPU."""

from __future__ import annotations

from .devices import device


def is_available() -> bool:
    """False: minigrad has no accelerator."""
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    """None: there is no accelerator."""
    return None


def device_count() -> int:
    """0: no accelerator."""
    return 0
