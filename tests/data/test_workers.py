"""DataLoader(num_workers=n): background threads load batches ahead, in order, and stop."""

import gc
import threading
import traceback

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.data import DataLoader, Dataset, TensorDataset, get_worker_info

WAIT = 30  # seconds: a generous bound on waits for other threads, never a speed target


def _workers_alive():
    return [t for t in threading.enumerate() if t.name.startswith("DataLoader-")]


@pytest.fixture(autouse=True)
def _no_threads_left():
    """Every test here must leave no worker thread running."""
    yield
    gc.collect()
    assert _workers_alive() == []


def _dataset(n=20):
    return TensorDataset(np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n))


class Recorder(Dataset):
    """A generic dataset (no fast path) noting which thread read each sample."""

    def __init__(self, n=20, fail_at=None):
        self.n, self.fail_at = n, fail_at
        self.threads = {}  # sample -> the name of the thread that read it
        self.read = threading.Condition()
        self.count = 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.fail_at:
            raise ValueError(f"sample {i} is broken")
        with self.read:
            self.threads[i] = threading.current_thread().name
            self.count += 1
            self.read.notify_all()
        return np.full(2, i, np.float32), i


def _flat(batches):
    return [[np.asarray(t).tolist() for t in b] for b in batches]


@given(n=st.integers(0, 30), batch_size=st.integers(1, 7), workers=st.integers(1, 4),
       prefetch=st.integers(1, 3), drop_last=st.booleans(), fast=st.booleans())
def test_the_epoch_is_the_same_as_without_workers(n, batch_size, workers, prefetch,
                                                  drop_last, fast):
    ds = _dataset(n) if fast else Recorder(n)
    kw = dict(batch_size=batch_size, shuffle=True, drop_last=drop_last)
    plain = DataLoader(ds, seed=5, **kw)
    threaded = DataLoader(ds, seed=5, num_workers=workers, prefetch_factor=prefetch, **kw)
    for _ in range(2):  # two epochs: the shuffles agree too
        assert _flat(threaded) == _flat(plain)


def test_unseeded_shuffling_follows_manual_seed_as_without_workers():
    mg.manual_seed(3)
    plain = _flat(DataLoader(_dataset(), batch_size=4, shuffle=True))
    mg.manual_seed(3)
    assert _flat(DataLoader(_dataset(), batch_size=4, shuffle=True, num_workers=2)) == plain


def test_batches_are_read_in_worker_threads_round_robin():
    ds = Recorder(12)
    list(DataLoader(ds, batch_size=3, num_workers=2))
    workers = [ds.threads[i].rsplit(" ", 1)[1] for i in range(12)]
    assert workers == ["0"] * 3 + ["1"] * 3 + ["0"] * 3 + ["1"] * 3  # batch k: worker k % 2
    assert threading.current_thread().name not in ds.threads.values()


def test_workers_load_ahead_before_the_first_batch_is_asked_for():
    ds = Recorder(40)
    it = iter(DataLoader(ds, batch_size=2, num_workers=2, prefetch_factor=3))
    with ds.read:  # 2 workers x 3 batches x 2 samples are read with nothing consumed
        assert ds.read.wait_for(lambda: ds.count >= 12, timeout=WAIT)
    assert len(_flat(it)) == 20


def test_never_more_than_prefetch_factor_times_workers_batches_ahead():
    consumed, ahead = [0], []

    class Watch(Recorder):
        def __getitem__(self, i):
            # batch i // 2 is sent once batch i // 2 - 4 has been handed over (the test
            # counts it a moment later, hence the + 1)
            ahead.append(i // 2 - consumed[0])
            return super().__getitem__(i)

    loader = DataLoader(Watch(60), batch_size=2, num_workers=2, prefetch_factor=2)
    for _ in loader:
        consumed[0] += 1
    assert max(ahead) <= 2 * 2 + 1


def test_an_error_in_a_worker_is_raised_here_with_its_traceback():
    loader = DataLoader(Recorder(12, fail_at=7), batch_size=3, num_workers=2)
    it = iter(loader)
    assert len(next(it)[1]) == 3
    assert len(next(it)[1]) == 3
    with pytest.raises(ValueError, match="sample 7 is broken") as info:
        next(it)
    frames = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert "__getitem__" in frames  # the worker's frames are in the traceback
    notes = getattr(info.value, "__notes__", [])
    assert any("worker 0" in n and "batch 2" in n for n in notes)
    np.testing.assert_array_equal(next(it)[1].numpy(), [9, 10, 11])  # then on, as torch
    with pytest.raises(StopIteration):
        next(it)


def test_worker_init_fn_runs_once_in_each_worker():
    seen, lock = [], threading.Lock()

    def init(worker_id):
        info = get_worker_info()
        with lock:
            seen.append((worker_id, info.id, info.num_workers, threading.current_thread().name))

    ds = _dataset()
    list(DataLoader(ds, batch_size=4, num_workers=3, worker_init_fn=init))
    assert sorted(s[:3] for s in seen) == [(0, 0, 3), (1, 1, 3), (2, 2, 3)]
    assert all(name.endswith(f"worker {w}") for w, _, _, name in seen)
    assert get_worker_info() is None  # in the main thread


def test_an_error_in_worker_init_fn_is_raised_here():
    def init(worker_id):
        raise RuntimeError(f"no init for {worker_id}")

    with pytest.raises(RuntimeError, match="no init for 0"):
        list(DataLoader(_dataset(), batch_size=4, num_workers=2, worker_init_fn=init))


def test_workers_stop_when_the_epoch_ends():
    loader = DataLoader(_dataset(), batch_size=4, num_workers=3)
    it = iter(loader)
    assert len(_workers_alive()) == 3
    list(it)
    assert _workers_alive() == []


def test_an_abandoned_iterator_stops_its_workers_when_collected():
    loader = DataLoader(Recorder(100), batch_size=2, num_workers=3)
    for k, _ in enumerate(loader):
        if k == 2:
            break  # the iterator is dropped here
    gc.collect()
    assert _workers_alive() == []
    it = iter(loader)
    next(it)
    del it
    gc.collect()
    assert _workers_alive() == []


def test_close_stops_the_workers_at_once():
    it = iter(DataLoader(_dataset(), batch_size=2, num_workers=2))
    next(it)
    it.close()
    assert _workers_alive() == []
    with pytest.raises(StopIteration):
        next(it)


def test_persistent_workers_serve_every_epoch_until_the_loader_goes():
    inits = []
    loader = DataLoader(_dataset(), batch_size=4, shuffle=True, seed=0, num_workers=2,
                        persistent_workers=True, worker_init_fn=inits.append)
    plain = DataLoader(_dataset(), batch_size=4, shuffle=True, seed=0)
    for _ in range(3):
        assert _flat(loader) == _flat(plain)
        assert len(_workers_alive()) == 2
    it = iter(loader)  # abandoned mid-epoch: the next epoch is still whole
    next(it)
    del it
    iter(plain)  # (it drew one shuffle too)
    assert _flat(loader) == _flat(plain)
    assert sorted(inits) == [0, 1]  # started once
    del loader
    gc.collect()
    assert _workers_alive() == []


def test_two_iterators_of_one_persistent_loader_do_not_mix():
    loader = DataLoader(_dataset(), batch_size=4, num_workers=2, persistent_workers=True)
    pairs = list(zip(loader, loader))
    assert all(np.array_equal(a[1].numpy(), b[1].numpy()) for a, b in pairs)
    assert len(pairs) == 5


def test_timeout_bounds_the_wait_for_a_batch():
    release = threading.Event()

    class Stuck(Recorder):
        def __getitem__(self, i):
            release.wait(WAIT)
            return super().__getitem__(i)

    it = iter(DataLoader(Stuck(4), batch_size=2, num_workers=1, timeout=0.01))
    try:
        with pytest.raises(RuntimeError, match="timed out after 0.01 seconds"):
            next(it)  # returns without waiting for the stuck worker
    finally:
        release.set()
    for t in _workers_alive():  # told to stop, it ends once its sample is read
        t.join(WAIT)
    with pytest.raises(StopIteration):
        next(it)


def test_iterator_len_and_pin_memory_as_a_no_op():
    loader = DataLoader(_dataset(10), batch_size=4, num_workers=2, pin_memory=True)
    it = iter(loader)
    assert len(it) == len(loader) == 3
    assert _flat(it) == _flat(DataLoader(_dataset(10), batch_size=4))
    assert loader.pin_memory is True
    assert "num_workers=2" in repr(loader)


def test_collate_fn_runs_in_the_workers():
    names = []

    def collate(samples):
        names.append(threading.current_thread().name)
        return len(samples)

    loader = DataLoader(_dataset(10), batch_size=4, num_workers=2, collate_fn=collate)
    assert list(loader) == [4, 4, 2]
    assert all(n.startswith("DataLoader-") for n in names)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(num_workers=-1), ValueError, "num_workers must be >= 0"),
    (dict(num_workers=1.0), TypeError, "num_workers must be an int"),
    (dict(prefetch_factor=2), ValueError, "prefetch_factor needs num_workers > 0"),
    (dict(num_workers=1, prefetch_factor=0), ValueError, "prefetch_factor must be >= 1"),
    (dict(persistent_workers=True), ValueError, "persistent_workers=True needs num_workers"),
    (dict(timeout=-1), ValueError, "timeout must be >= 0"),
    (dict(timeout="1"), TypeError, "timeout must be a number"),
    (dict(num_workers=1, worker_init_fn=3), TypeError, "worker_init_fn must be callable"),
])
def test_bad_worker_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        DataLoader(_dataset(), **kwargs)


def test_arguments_after_shuffle_are_keywords():
    with pytest.raises(TypeError):
        DataLoader(_dataset(), 4, True, 2)  # torch's 4th is sampler: no silent mix-up
