"""DataLoader: batches of a dataset as tuples of Tensors, shuffled per epoch if asked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import Tensor, _to_array, _wrap
from ..random import default_generator

if TYPE_CHECKING:
    from .dataset import Samples

__all__ = ["DataLoader", "default_collate"]


def _as_array(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.array
    if isinstance(x, bool):
        return np.asarray(x, dtype=np.bool_)
    if isinstance(x, int):
        return np.asarray(x, dtype=np.int64)
    if isinstance(x, float):
        return np.asarray(x, dtype=np.float32)  # Python floats are float32, as mg.tensor
    if isinstance(x, list):
        return _to_array(x)
    return np.asarray(x)


def _stack(items: list[Any]) -> Tensor | list[Any]:
    arrays = [_as_array(x) for x in items]
    if arrays[0].dtype.kind not in "biuf":
        return list(items)  # strings, file names...: left as a list
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"default_collate: cannot stack samples of different shapes "
                         f"{sorted(shapes)} into one batch")
    return _wrap(np.stack(arrays))


def _tensors(batch: Any) -> Any:
    """Arrays (possibly nested in a tuple/list/dict) -> Tensors, same structure."""
    if isinstance(batch, np.ndarray):
        return _wrap(batch) if batch.dtype.kind in "biuf" else batch
    if isinstance(batch, tuple | list):
        return tuple(_tensors(b) for b in batch)
    if isinstance(batch, dict):
        return {k: _tensors(v) for k, v in batch.items()}
    return batch


def default_collate(samples: list[Any]) -> Any:
    """Stack a list of samples into a batch with the samples' structure: a sample's
    fields (a tuple or list) become a tuple of stacked Tensors, a dict a dict; inside a
    field, lists are data. Ints become int64, floats float32.

    >>> from minigrad.data import default_collate
    >>> x, y = default_collate([([1.0, 2.0], 0), ([3.0, 4.0], 1)])
    >>> x.shape, y.dtype
    ((2, 2), dtype('int64'))
    """
    if not samples:
        raise ValueError("default_collate: no samples to collate")
    return _collate(samples, top=True)


def _collate(samples: list[Any], top: bool) -> Any:
    first = samples[0]
    if isinstance(first, tuple) or (top and isinstance(first, list)):
        if any(len(s) != len(first) for s in samples):
            raise ValueError("default_collate: samples have different numbers of fields")
        return tuple(_collate([s[k] for s in samples], False) for k in range(len(first)))
    if isinstance(first, dict):
        return {k: _collate([s[k] for s in samples], False) for k in first}
    return _stack(samples)


class DataLoader:
    """Iterate over ``dataset`` in batches; each batch has the structure of one sample
    with its fields stacked into Tensors (a ``(x, y)`` dataset gives ``(X, Y)`` batches).

    * ``shuffle=True`` draws a new permutation every epoch (every ``iter``), from
      ``generator`` (a ``np.random.Generator``), else from ``np.random.default_rng(seed)``
      made once here (so a seeded loader is reproducible but epochs differ), else from
      minigrad's generator (``mg.manual_seed``) at the start of each epoch.
    * ``drop_last=True`` drops a last, smaller batch. ``len(loader)`` is the batch count.
    * Datasets with ``get_batch(indices)`` (TensorDataset, Subset of one, MNIST, digits)
      are fetched with one fancy index per batch; others are read sample by sample and
      stacked with ``collate_fn`` (default :func:`default_collate`).

    >>> import numpy as np
    >>> from minigrad.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(np.arange(10, dtype=np.float32)[:, None], np.arange(10))
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True, seed=0)
    >>> len(loader), sorted(np.concatenate([y.numpy() for _, y in loader]).tolist())
    (3, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """

    def __init__(self, dataset: Samples, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, generator: np.random.Generator | None = None,
                 seed: int | None = None,
                 collate_fn: Callable[[list[Any]], Any] | None = None) -> None:
        if not isinstance(batch_size, int | np.integer) or isinstance(batch_size, bool):
            raise TypeError(f"DataLoader: batch_size must be a positive int, got "
                            f"{type(batch_size).__name__}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size}")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: give either generator or seed, not both")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError("DataLoader: generator must be a numpy Generator "
                            "(np.random.default_rng(...)), got "
                            f"{type(generator).__name__}")
        if seed is not None:
            if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
                raise TypeError(f"DataLoader: seed must be an int, got {type(seed).__name__}")
            generator = np.random.default_rng(int(seed))
        try:
            len(dataset)
        except TypeError as err:
            raise TypeError(f"DataLoader: the dataset ({type(dataset).__name__}) needs "
                            "__len__ and __getitem__") from err
        self.dataset = dataset
        self.batch_size: int = int(batch_size)
        self.shuffle: bool = bool(shuffle)
        self.drop_last: bool = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        if self.shuffle:
            rng = self.generator if self.generator is not None else default_generator()
            order = rng.permutation(n)
        else:
            order = np.arange(n)
        return self._batches(order)

    def _batches(self, order: np.ndarray) -> Iterator[Any]:
        fetch = getattr(self.dataset, "get_batch", None) if self.collate_fn is None else None
        collate = self.collate_fn or default_collate
        stop = len(self) * self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            idx = order[start:start + self.batch_size]
            if fetch is not None:
                yield _tensors(fetch(idx))
            else:
                yield collate([self.dataset[int(i)] for i in idx])

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last})")
