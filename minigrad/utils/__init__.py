"""``minigrad.utils``: the path PyTorch code imports its data tools from.

``minigrad.utils.data`` is :mod:`minigrad.data` under torch's name
(``from torch.utils.data import DataLoader`` becomes
``from minigrad.utils.data import DataLoader``).
"""

from . import data

__all__ = ["data"]
