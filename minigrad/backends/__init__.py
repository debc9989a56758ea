"""``mg.backends``: as ``torch.backends``, for the checks tutorials make
(``mg.backends.mps.is_available()`` is False)."""

from . import mps

__all__ = ["mps"]
