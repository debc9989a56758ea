"""``mg.cuda``: as ``torch.cuda`` on a machine without a GPU. minigrad computes with numpy
on the CPU, so ``is_available()`` is False and ``device = "cuda" if
mg.cuda.is_available() else "cpu"`` picks the CPU."""

from __future__ import annotations


def is_available() -> bool:
    """False: minigrad has no GPU backend."""
    return False


def device_count() -> int:
    """0: no GPU."""
    return 0


def manual_seed(seed: int) -> None:
    """Accepted and ignored, as torch does without a GPU (seed with ``mg.manual_seed``)."""


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored, as torch does without a GPU (seed with ``mg.manual_seed``)."""
