"""Datasets: anything with ``__getitem__`` and ``__len__``; array-backed ones batch fast.

A dataset whose samples are rows of arrays may also define ``get_batch(indices)``,
returning the whole batch (same structure as one sample, arrays stacked on a new first
dim) from one fancy index per array. :class:`~minigrad.data.DataLoader` then skips the
per-sample Python loop. :class:`TensorDataset`, :class:`Subset` of such a dataset, and the
datasets in :mod:`minigrad.datasets` all do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import Tensor, _to_array, _wrap

if TYPE_CHECKING:
    from typing import Protocol

    from numpy.typing import ArrayLike

    class Samples(Protocol):
        """What the loaders and splits read: ``len(ds)`` and ``ds[i]`` (a Dataset, or
        any object with both, such as a list)."""

        def __len__(self) -> int: ...
        def __getitem__(self, index: int, /) -> Any: ...

__all__ = ["Dataset", "TensorDataset", "Subset"]


class Dataset:
    """Base class: subclasses give ``__getitem__(i) -> sample`` and ``__len__``.

    >>> from minigrad.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return float(i), float(i * i)
    >>> Squares()[3]
    (3.0, 9.0)
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


def _check_index(index: int, n: int, who: str) -> int:
    if not isinstance(index, int | np.integer) or isinstance(index, bool):
        raise TypeError(f"{who}: index must be an int, got {type(index).__name__}")
    if not -n <= index < n:
        raise IndexError(f"{who}: index {index} is out of range for {n} samples")
    return int(index) % n


class TensorDataset(Dataset):
    """Samples are the rows of equally long tensors (or numpy arrays): ``ds[i]`` is
    ``(t0[i], t1[i], ...)`` as Tensors.

    Arrays are held, not copied; lists are converted as ``mg.tensor`` does.

    >>> import numpy as np
    >>> from minigrad.data import TensorDataset
    >>> ds = TensorDataset(np.zeros((3, 2), np.float32), np.array([0, 1, 1]))
    >>> len(ds), ds[1][0].shape, int(ds[1][1].item())
    (3, (2,), 1)
    """

    def __init__(self, *tensors: Tensor | ArrayLike) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor or array")
        arrays = []
        for k, t in enumerate(tensors):
            arr = t.array if isinstance(t, Tensor) else t
            if not isinstance(arr, np.ndarray):
                arr = _to_array(arr)
            elif arr.dtype.kind not in "biuf":
                raise TypeError(f"TensorDataset: tensor {k} has unsupported dtype {arr.dtype}")
            if arr.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {k} is 0-d; every tensor needs a "
                                 "first dimension indexing the samples")
            arrays.append(arr)
        sizes = [a.shape[0] for a in arrays]
        if len(set(sizes)) > 1:
            raise ValueError("TensorDataset: all tensors must have the same first dimension "
                             f"(the number of samples), got sizes {sizes}")
        self.arrays: tuple[np.ndarray, ...] = tuple(arrays)

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The data as Tensors sharing memory with :attr:`arrays`."""
        return tuple(_wrap(a) for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        i = _check_index(index, len(self), "TensorDataset")
        return tuple(_wrap(np.array(a[i])) for a in self.arrays)

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, ...]:
        """The samples at ``indices`` stacked: one fancy index per array."""
        return tuple(a[indices] for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order (what :func:`random_split`
    returns). Keeps the fast batch path, ``targets`` and ``classes`` of ``dataset``.

    >>> import numpy as np
    >>> from minigrad.data import Subset, TensorDataset
    >>> sub = Subset(TensorDataset(np.arange(5)), [4, 0])
    >>> len(sub), int(sub[0][0].item())
    (2, 4)
    """

    def __init__(self, dataset: Samples, indices: ArrayLike) -> None:
        idx = np.asarray(indices)
        if idx.size == 0:
            idx = idx.astype(np.int64)
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise TypeError("Subset: indices must be a 1-D sequence of ints")
        n = len(dataset)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"Subset: an index is out of range for a dataset of {n} samples")
        self.dataset = dataset
        self.indices: np.ndarray = idx.astype(np.int64) % max(n, 1)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[_check_index(index, len(self), "Subset")])]

    @property
    def get_batch(self) -> Callable[[np.ndarray], Any] | None:
        """The fast batch path of the wrapped dataset, or None when it has none."""
        inner = getattr(self.dataset, "get_batch", None)
        if inner is None:
            return None
        return lambda indices: inner(self.indices[indices])

    @property
    def targets(self) -> np.ndarray:
        """The labels of these samples (needs ``dataset.targets``)."""
        return np.asarray(_targets_of(self.dataset))[self.indices]

    @property
    def classes(self) -> Any:
        return self.dataset.classes  # pyright: ignore[reportAttributeAccessIssue] (duck-typed)


def _targets_of(dataset: Any) -> Any:
    """A dataset's labels: its ``targets``, or the last array of a TensorDataset."""
    targets = getattr(dataset, "targets", None)
    if targets is None and isinstance(dataset, TensorDataset):
        targets = dataset.arrays[-1]
    if targets is None:
        raise AttributeError(f"{type(dataset).__name__} has no targets")
    return targets.array if isinstance(targets, Tensor) else targets
