"""A training loop keeps no graph alive between steps and its memory does not grow."""

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """OpenBLAS threads spin against each other on a busy machine (a 0.5 ms matmul took
    15 ms here); these tests time nothing, so one thread is plenty."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1):
        yield


def setup(opt_cls=optim.Adam, **opt_kwargs):
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 32),
                          nn.Tanh(), nn.Linear(32, 5))
    opt = opt_cls(model.parameters(), lr=1e-3, **opt_kwargs)
    r = np.random.default_rng(0)
    x = mg.tensor(r.standard_normal((32, 20)).astype(np.float32))
    y = mg.tensor(r.integers(0, 5, 32))
    return model, opt, x, y


def train_step(model, opt, x, y, set_to_none=True):
    opt.zero_grad(set_to_none=set_to_none)
    hidden = model[0](x)
    loss = F.cross_entropy(model[1:](hidden), y)
    loss.backward()
    opt.step()
    refs = (weakref.ref(loss.grad_fn), weakref.ref(hidden), weakref.ref(hidden.grad_fn))
    return loss.item(), refs


@pytest.mark.parametrize("set_to_none", [True, False])
def test_no_graph_survives_a_step_without_gc(set_to_none):
    model, opt, x, y = setup(optim.SGD, momentum=0.9)
    was_enabled = gc.isenabled()
    gc.disable()  # freed by reference counting alone: the graph holds no cycles
    try:
        losses = []
        for _ in range(100):
            loss, refs = train_step(model, opt, x, y, set_to_none)
            losses.append(loss)
            assert all(r() is None for r in refs)
    finally:
        if was_enabled:
            gc.enable()
    assert np.isfinite(losses).all()
    assert np.mean(losses[-10:]) < np.mean(losses[:10])  # it did train
    for p in model.parameters():
        assert p.is_leaf and p.grad_fn is None
        assert p.grad.grad_fn is None and not p.grad.requires_grad


def _traced_training(steps, leak=False):
    """(current, peak) traced bytes after each of ``steps`` training steps of an MLP wide
    enough that its activations (~1 MB a step) dwarf interpreter noise."""
    mg.manual_seed(0)
    f64 = mg.float64  # wide activations for few FLOPs (small matmuls stay single-threaded)
    model = nn.Sequential(nn.Linear(4, 2048, dtype=f64), nn.Tanh(),
                          nn.Linear(2048, 10, dtype=f64))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    r = np.random.default_rng(0)
    x = mg.tensor(r.standard_normal((64, 4)))
    y = mg.tensor(r.integers(0, 10, 64))
    kept = []
    tracemalloc.start()
    try:
        currents, peaks = [], []
        for _ in range(steps):
            tracemalloc.reset_peak()
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            if leak:  # a classic leak: a monitoring loss kept with its whole graph
                kept.append(F.cross_entropy(model(x), y))
            del loss
            current, peak = tracemalloc.get_traced_memory()
            currents.append(current)
            peaks.append(peak)
    finally:
        tracemalloc.stop()
    return np.array(currents), np.array(peaks)


def test_memory_does_not_grow_across_steps():
    currents, peaks = _traced_training(100)
    graph = np.median(peaks - currents)  # what one step's graph and activations take
    assert graph > 500_000
    # Leftovers after a step stay flat (CPython's free lists may keep a few hundred bytes
    # per step; a graph kept alive would add ~``graph`` bytes per step).
    assert currents[-1] - currents[10] < 0.2 * graph, (currents[10], currents[-1], graph)
    assert peaks[50:].max() < peaks[5:15].max() + 0.2 * graph


def test_memory_check_detects_a_leak():
    # control for the test above: the same measurement flags a kept graph
    currents, peaks = _traced_training(30, leak=True)
    graph = np.median(peaks - currents)
    assert currents[-1] - currents[10] > 2 * graph  # ~20 steps x their activations
    assert peaks[-1] > peaks[10] + 2 * graph


def test_retained_loss_keeps_only_its_own_graph():
    # control: holding a loss does keep its graph (so the weakref check above is meaningful)
    model, opt, x, y = setup(optim.SGD)
    hidden = model[0](x)
    loss = F.cross_entropy(model[1:](hidden), y)
    ref = weakref.ref(loss.grad_fn)
    del hidden
    assert ref() is not None
    loss.backward()
    del loss
    assert ref() is None
