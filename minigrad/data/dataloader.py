"""DataLoader: batches of a dataset as tuples of Tensors, shuffled per epoch if asked."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import Tensor, _to_array, _wrap
from ..random import default_generator
from .workers import PrefetchIterator, WorkerPool

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


def _count(value: Any, name: str, low: int) -> int:
    """An int argument >= ``low`` (not a bool), or a clear error naming it."""
    if not isinstance(value, int | np.integer) or isinstance(value, bool):
        raise TypeError(f"DataLoader: {name} must be an int, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"DataLoader: {name} must be >= {low}, got {value}")
    return int(value)


def _worker_options(num_workers: Any, prefetch_factor: Any, persistent_workers: bool,
                    timeout: Any, worker_init_fn: Any) -> tuple[int, int, float]:
    """Check the worker arguments as torch does; ``(num_workers, prefetch_factor,
    timeout)`` with torch's default prefetch of 2 batches per worker."""
    num_workers = _count(num_workers, "num_workers", 0)
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("DataLoader: prefetch_factor needs num_workers > 0 (it is the number "
                         "of batches each worker loads ahead); leave it None otherwise")
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers=True needs num_workers > 0")
    prefetch = 2 if prefetch_factor is None else _count(prefetch_factor, "prefetch_factor", 1)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float | np.number):
        raise TypeError(f"DataLoader: timeout must be a number of seconds, got "
                        f"{type(timeout).__name__}")
    if timeout < 0:
        raise ValueError(f"DataLoader: timeout must be >= 0 (0 waits forever), got {timeout}")
    if worker_init_fn is not None and not callable(worker_init_fn):
        raise TypeError("DataLoader: worker_init_fn must be callable (it gets the worker id)")
    return num_workers, prefetch, float(timeout)


def _shuffle_generator(generator: Any, seed: Any) -> np.random.Generator | None:
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
    return generator


def _batch_fetcher(dataset: Samples,
                   collate_fn: Callable[[list[Any]], Any] | None) -> Callable[[Any], Any]:
    """``indices -> batch``: one fancy index when the dataset has ``get_batch`` (and no
    ``collate_fn`` is given), else the samples read one by one and collated."""
    get_batch = getattr(dataset, "get_batch", None) if collate_fn is None else None
    if get_batch is not None:
        return lambda indices: _tensors(get_batch(indices))
    collate = collate_fn or default_collate
    return lambda indices: collate([dataset[int(i)] for i in indices])


class DataLoader:
    """Iterate over ``dataset`` in batches; each batch has the structure of one sample
    with its fields stacked into Tensors (a ``(x, y)`` dataset gives ``(X, Y)`` batches).

    * ``shuffle=True`` draws a new permutation every epoch (every ``iter``), from
      ``generator`` (a ``np.random.Generator``), else from ``np.random.default_rng(seed)``
      made once here (so a seeded loader is reproducible but epochs differ), else from
      minigrad's generator (``mg.manual_seed``) at the start of each epoch.
    * ``drop_last=True`` drops a last, smaller batch. ``len(loader)`` is the batch count.
    * Datasets with ``get_batch(indices)`` (TensorDataset, Subset of one, MNIST, digits
      without a transform) are fetched with one fancy index per batch; others are read
      sample by sample and stacked with ``collate_fn`` (default :func:`default_collate`).
    * ``num_workers=n > 0``: ``n`` background threads load the batches ahead, at most
      ``prefetch_factor * n`` (default ``2 * n``) in advance, and they come out in the same
      order as with ``num_workers=0``. Each worker first calls ``worker_init_fn(worker_id)``
      (see :func:`get_worker_info`); an error in a worker is raised here, noting the worker.
      The workers stop at the end of the epoch or when the iterator is closed or dropped;
      with ``persistent_workers=True`` they serve every epoch until the loader is dropped.
      ``timeout`` (seconds, 0 = forever) bounds the wait for one batch. The dataset and
      ``collate_fn`` must then be safe to call from several threads at once (reading
      arrays is).
    * ``pin_memory`` is accepted and does nothing: pinned memory speeds up copies to a
      GPU, and minigrad computes on the CPU.

    The arguments after ``shuffle`` are keyword-only; ``seed`` is minigrad's own.

    >>> import numpy as np
    >>> from minigrad.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(np.arange(10, dtype=np.float32)[:, None], np.arange(10))
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True, seed=0, num_workers=2)
    >>> len(loader), sorted(np.concatenate([y.numpy() for _, y in loader]).tolist())
    (3, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """

    def __init__(self, dataset: Samples, batch_size: int = 1, shuffle: bool = False, *,
                 num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], Any] | None = None,
                 generator: np.random.Generator | None = None,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 seed: int | None = None) -> None:
        if not isinstance(batch_size, int | np.integer) or isinstance(batch_size, bool):
            raise TypeError(f"DataLoader: batch_size must be a positive int, got "
                            f"{type(batch_size).__name__}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size}")
        try:
            len(dataset)
        except TypeError as err:
            raise TypeError(f"DataLoader: the dataset ({type(dataset).__name__}) needs "
                            "__len__ and __getitem__") from err
        self.num_workers, self.prefetch_factor, self.timeout = _worker_options(
            num_workers, prefetch_factor, persistent_workers, timeout, worker_init_fn)
        self.generator = _shuffle_generator(generator, seed)
        self.dataset = dataset
        self.batch_size: int = int(batch_size)
        self.shuffle: bool = bool(shuffle)
        self.drop_last: bool = bool(drop_last)
        self.collate_fn = collate_fn
        self.pin_memory: bool = bool(pin_memory)  # a no-op on the CPU
        self.persistent_workers: bool = bool(persistent_workers)
        self.worker_init_fn = worker_init_fn
        self._pool: WorkerPool | None = None  # the persistent workers, once started

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
        stop = len(self) * self.batch_size if self.drop_last else n
        batches = [order[start:start + self.batch_size]
                   for start in range(0, stop, self.batch_size)]
        fetch = _batch_fetcher(self.dataset, self.collate_fn)
        if self.num_workers == 0:
            return map(fetch, batches)
        return PrefetchIterator(self._workers(), fetch, batches,
                                depth=self.prefetch_factor * self.num_workers,
                                timeout=self.timeout, owns_pool=not self.persistent_workers)

    def _workers(self) -> WorkerPool:
        """Fresh workers for this epoch, or the persistent ones (started once, stopped
        when this loader is collected)."""
        if not self.persistent_workers:
            return WorkerPool(self.num_workers, self.dataset, self.worker_init_fn)
        if self._pool is None:
            self._pool = WorkerPool(self.num_workers, self.dataset, self.worker_init_fn)
            weakref.finalize(self, self._pool.shutdown)
        return self._pool

    def __repr__(self) -> str:
        workers = f", num_workers={self.num_workers}" if self.num_workers else ""
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}{workers})")
