"""Background loading for ``DataLoader(num_workers=n)``: ``n`` threads fetch batches ahead.

Threads suit numpy (its copies and fancy indexing run in C) and share the dataset without
pickling it. As in torch, batch ``k`` goes to worker ``k % n``, at most ``prefetch_factor
* n`` batches are asked for ahead of the one being consumed, and the batches come out in
their order, so the epoch is the same as with ``num_workers=0``. An exception raised in a
worker is raised again in the consuming thread, with its traceback through the worker's
frames and a note naming the worker and the batch.
"""

from __future__ import annotations

import copy
import itertools
import queue
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["WorkerInfo", "get_worker_info", "WorkerPool", "PrefetchIterator"]

Fetch = Callable[[Any], Any]
_local = threading.local()
_pool_ids = itertools.count()


@dataclass(frozen=True)
class WorkerInfo:
    """What :func:`get_worker_info` tells code running in a worker (torch's fields, but
    no ``seed``: workers are threads that share minigrad's generator)."""

    id: int
    num_workers: int
    dataset: Any


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker thread (e.g. in ``worker_init_fn`` or a dataset's
    ``__getitem__``): its :class:`WorkerInfo`; elsewhere None, as torch.

    >>> from minigrad.data import get_worker_info
    >>> get_worker_info() is None
    True
    """
    return getattr(_local, "info", None)


def _work(info: WorkerInfo, inbox: queue.SimpleQueue[Any],
          worker_init_fn: Callable[[int], Any] | None, stop: threading.Event) -> None:
    """One worker's loop: run each ``(results, k, fetch, indices)`` task and put
    ``(k, ok, batch or exception)`` into ``results``, until it receives None or
    ``stop`` is set (then the batches still queued are skipped)."""
    _local.info = info
    init_error: Exception | None = None
    if worker_init_fn is not None:
        try:
            worker_init_fn(info.id)
        except Exception as err:  # noqa: BLE001 - reported with every batch of this worker
            init_error = err
    while (task := inbox.get()) is not None and not stop.is_set():
        results, k, fetch, indices = task
        try:
            if init_error is not None:
                raise _fresh(init_error)
            results.put((k, True, fetch(indices)))
        except Exception as err:  # noqa: BLE001 - raised again in the consuming thread
            results.put((k, False, err))


def _fresh(err: Exception) -> Exception:
    """A copy of ``err`` (same type, message and worker traceback) for each batch the
    failed worker is asked for: raising the original in the consumer would tie the
    consumer's frames (and its iterator) to this live thread through the traceback."""
    try:
        again = copy.copy(err)
    except Exception:  # noqa: BLE001 - an exception class that can't be rebuilt
        again = RuntimeError(f"worker_init_fn failed: {type(err).__name__}: {err}")
        again.__cause__ = err
    return again.with_traceback(err.__traceback__)


class WorkerPool:
    """``num_workers`` daemon threads, each with its own inbox; :meth:`shutdown` stops
    and joins them (a pool is also shut down when the object owning it is collected)."""

    def __init__(self, num_workers: int, dataset: Any,
                 worker_init_fn: Callable[[int], Any] | None) -> None:
        pool = next(_pool_ids)
        self.num_workers = num_workers
        self._stop = threading.Event()
        self._inboxes: list[queue.SimpleQueue[Any]] = [queue.SimpleQueue()
                                                       for _ in range(num_workers)]
        self._threads = [
            threading.Thread(target=_work, name=f"DataLoader-{pool} worker {w}", daemon=True,
                             args=(WorkerInfo(w, num_workers, dataset), inbox,
                                   worker_init_fn, self._stop))
            for w, inbox in enumerate(self._inboxes)]
        for t in self._threads:
            t.start()

    def submit(self, results: queue.SimpleQueue[Any], k: int, fetch: Fetch,
               indices: Any) -> None:
        """Ask worker ``k % num_workers`` for batch ``k``; it answers into ``results``."""
        self._inboxes[k % self.num_workers].put((results, k, fetch, indices))

    def shutdown(self, wait: bool = True) -> None:
        """Stop the workers (each finishes the batch it is on); ``wait``: join them."""
        self._stop.set()
        for inbox in self._inboxes:
            inbox.put(None)
        for t in self._threads if wait else ():
            if t is not threading.current_thread():
                t.join()


class PrefetchIterator(Iterator[Any]):
    """The batches of one epoch, fetched by ``pool`` at most ``depth`` ahead, in order.

    ``owns_pool``: shut the pool down when the epoch ends, when :meth:`close` is called,
    or when this iterator is abandoned and collected (not for persistent workers).
    """

    def __init__(self, pool: WorkerPool, fetch: Fetch, batches: Sequence[Any], depth: int,
                 timeout: float, owns_pool: bool) -> None:
        self._pool, self._fetch, self._batches = pool, fetch, batches
        self._depth, self._timeout = depth, timeout
        self._results: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._ready: dict[int, tuple[bool, Any]] = {}
        self._sent = self._done = 0
        self._stop = weakref.finalize(self, pool.shutdown) if owns_pool else None
        self._top_up()

    def _top_up(self) -> None:
        while self._sent < len(self._batches) and self._sent - self._done < self._depth:
            self._pool.submit(self._results, self._sent, self._fetch, self._batches[self._sent])
            self._sent += 1

    def _receive(self, k: int) -> tuple[bool, Any]:
        while k not in self._ready:
            try:
                j, ok, value = self._results.get(timeout=self._timeout or None)
            except queue.Empty:
                self.close(wait=False)  # a stuck worker would block a join
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds "
                                   f"waiting for batch {k} from worker "
                                   f"{k % self._pool.num_workers}") from None
            self._ready[j] = (ok, value)
        return self._ready.pop(k)

    def __next__(self) -> Any:
        k = self._done
        if k >= len(self._batches):
            self.close()
            raise StopIteration
        ok, value = self._receive(k)
        self._done += 1
        self._top_up()
        if not ok:
            add_note = getattr(value, "add_note", None)  # Python 3.11+
            if add_note is not None:
                add_note(f"(raised in DataLoader worker {k % self._pool.num_workers}, a "
                         f"thread, while loading batch {k})")
            raise value
        return value

    def __len__(self) -> int:
        return len(self._batches)

    def close(self, wait: bool = True) -> None:
        """Stop early: the workers are shut down (unless persistent) and, if ``wait``,
        joined."""
        self._done = self._sent = len(self._batches)
        if self._stop is not None and self._stop.detach() is not None:
            self._pool.shutdown(wait)
