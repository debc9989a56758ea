"""scikit-learn's 8x8 digits: 1,797 small images, bundled with scikit-learn (no network)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .base import ClassificationDataset

__all__ = ["Digits", "load_digits"]

_INSTALL = ("load_digits needs scikit-learn, an optional dependency of minigrad. Install "
            "it with `pip install scikit-learn` (or `pip install minigrad[demos]`).")


class Digits(ClassificationDataset):
    """The dataset :func:`load_digits` returns."""


def load_digits(transform: Callable[[np.ndarray], Any] | None = None,
                target_transform: Callable[[int], Any] | None = None) -> Digits:
    """The 1,797 8x8 digit images of scikit-learn as a dataset: ``ds[i]`` is
    ``(image, label)`` with a float32 (8, 8) image in [0, 1] (the original 0..16 divided
    by 16) and an int label 0..9; ``ds.data`` (1797, 8, 8) float32, ``ds.targets`` int64,
    ``ds.classes`` ``['0', ..., '9']``. Works offline; split it with
    :func:`minigrad.data.train_val_test_split` or :func:`minigrad.data.random_split`.
    ``transform`` gets the float32 (8, 8) numpy image, ``target_transform`` the int label
    (as torchvision's datasets; ``transforms.ToTensor()`` gives (1, 8, 8)).

    >>> from minigrad.datasets import load_digits
    >>> ds = load_digits()
    >>> len(ds), ds.data.shape, ds.data.dtype.name, ds.targets.dtype.name
    (1797, (1797, 8, 8), 'float32', 'int64')
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as err:
        raise ImportError(_INSTALL) from err
    bunch: Any = _sk_load_digits()  # a Bunch (sklearn types it as Bunch | tuple)
    images = (np.asarray(bunch.images, dtype=np.float32) / np.float32(16)).astype(np.float32)
    return Digits(images, np.asarray(bunch.target, dtype=np.int64),
                  [str(d) for d in range(10)], transform, target_transform)
