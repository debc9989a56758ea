"""``mg.backends.mps``: Apple's GPU backend, which minigrad (numpy on the CPU) lacks."""

from __future__ import annotations


def is_available() -> bool:
    """False: minigrad computes with numpy on the CPU."""
    return False


def is_built() -> bool:
    """False: minigrad has no MPS backend."""
    return False
