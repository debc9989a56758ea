"""Anomaly mode: raise at the first op whose forward or backward produced NaN or inf.

Anomaly mode is per thread, as in PyTorch (``thread_state``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from .thread_state import current

if TYPE_CHECKING:
    from typing_extensions import Self


def check_finite(array: np.ndarray, where: str) -> None:
    """Raise if a floating array holds NaN or inf (only called in anomaly mode)."""
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = "nan" if np.isnan(array).any() else "inf"
        raise RuntimeError(f"anomaly detected: {where} produced {bad} "
                           f"(shape {tuple(array.shape)}, dtype {array.dtype})")


class detect_anomaly:
    """Context manager: check every op's forward output and backward gradients for NaN/inf.

    Slows every op down (one ``isfinite`` each); use it to find where a NaN first appears.

    >>> import minigrad as mg
    >>> x = mg.tensor([-1.0], requires_grad=True)
    >>> with mg.autograd.detect_anomaly():
    ...     x.sqrt()
    Traceback (most recent call last):
    RuntimeError: anomaly detected: Sqrt forward produced nan (shape (1,), dtype float32)
    """

    prev: bool  # the mode before __enter__, restored by __exit__

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def __enter__(self) -> Self:
        state = current()
        self.prev = state.anomaly
        state.anomaly = self.enabled
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        current().anomaly = self.prev
        return False
