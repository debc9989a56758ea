"""``minigrad.utils.data``: torch's path to :mod:`minigrad.data`, the same objects.

One implementation lives in :mod:`minigrad.data`; this module only re-exports it, so
``minigrad.utils.data.DataLoader is minigrad.data.DataLoader``.

>>> import minigrad as torch
>>> from minigrad.utils.data import DataLoader
>>> DataLoader is torch.data.DataLoader is torch.utils.data.DataLoader
True
"""

from ..data import *  # noqa: F403 (a re-export: the same objects under torch's path)
from ..data import __all__ as __all__
