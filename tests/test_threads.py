"""Grad mode, anomaly mode and the module stack are per thread, as in PyTorch.

Each test forces the overlap with a barrier: one thread holds a mode switched while the
other works, so a process-wide flag would be seen.
"""

from __future__ import annotations

import threading

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim

TIMEOUT = 30


def run_threads(*targets):
    """Run each target in its own thread; re-raise the first failure here."""
    errors = []

    def guard(fn):
        try:
            fn()
        except BaseException as err:  # noqa: BLE001 (reported below, in the test's thread)
            errors.append(err)

    threads = [threading.Thread(target=guard, args=(fn,)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread hung (barrier never released)"
    if errors:
        raise errors[0]


def test_no_grad_in_one_thread_leaves_another_recording():
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    seen = {}

    def evaluator():
        with mg.no_grad():
            barrier.wait()  # the other thread works while this one is inside no_grad
            seen["evaluator"] = (mg.is_grad_enabled(), (mg.ones(2, requires_grad=True) * 2)
                                 .requires_grad)
            barrier.wait()

    def trainer():
        barrier.wait()
        x = mg.ones(2, requires_grad=True)
        seen["trainer"] = (mg.is_grad_enabled(), (x * 2).requires_grad)
        barrier.wait()

    run_threads(evaluator, trainer)
    assert seen == {"evaluator": (False, False), "trainer": (True, True)}


def test_a_new_thread_starts_with_grad_enabled():
    seen = []
    with mg.no_grad():
        run_threads(lambda: seen.append(mg.is_grad_enabled()))
        assert not mg.is_grad_enabled()
    assert seen == [True]


def test_anomaly_mode_is_per_thread():
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    seen = {}

    def checked():
        with mg.autograd.detect_anomaly():
            barrier.wait()
            try:
                with np.errstate(invalid="ignore"):
                    mg.tensor([-1.0]).sqrt()
                seen["checked"] = "no error"
            except RuntimeError as err:
                seen["checked"] = str(err)
            barrier.wait()

    def unchecked():
        barrier.wait()
        with np.errstate(invalid="ignore"):
            seen["unchecked"] = bool(np.isnan(mg.tensor([-1.0]).sqrt().array).all())
        barrier.wait()

    run_threads(checked, unchecked)
    assert seen["checked"].startswith("anomaly detected: Sqrt forward produced nan")
    assert seen["unchecked"] is True


def test_module_stack_is_per_thread():
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    modules = {}

    class Waits(nn.Module):
        def forward(self, x):
            barrier.wait()  # the other thread records its op while this call is open
            out = x * 2
            barrier.wait()
            return out

    waits = Waits()

    def inside():
        modules["inside"] = waits(mg.ones(2, requires_grad=True)).grad_fn.module

    def outside():
        barrier.wait()
        modules["outside"] = (mg.ones(2, requires_grad=True) * 3).grad_fn.module
        barrier.wait()

    run_threads(inside, outside)
    assert modules == {"inside": waits, "outside": None}


def _make_problem(seed: int):
    mg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
    x = mg.randn(32, 6)
    y = mg.randint(0, 3, (32,))
    return model, x, y


def _train(model, x, y, steps: int, barrier=None) -> list[float]:
    """Full-batch SGD with an evaluation under no_grad each step (the mode that used to
    leak between threads); the barrier makes the two threads' steps interleave."""
    opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        if barrier is not None:
            barrier.wait()
        loss.backward()
        opt.step()
        with mg.no_grad():
            losses.append(F.cross_entropy(model(x), y).item())
            if barrier is not None:
                barrier.wait()  # the other thread's forward runs while this one is in no_grad
    return losses


def test_two_threads_train_two_models_exactly_as_one_after_the_other():
    steps = 20
    expected = []
    for seed in (1, 2):
        model, x, y = _make_problem(seed)
        losses = _train(model, x, y, steps)
        expected.append((losses, [p.array.copy() for p in model.parameters()]))
    assert expected[0][0][-1] < expected[0][0][0]  # the problem trains at all

    problems = [_make_problem(seed) for seed in (1, 2)]
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    got: dict[int, list[float]] = {}

    def worker(i):
        return lambda: got.__setitem__(i, _train(*problems[i], steps, barrier))

    run_threads(worker(0), worker(1))
    for i, (losses, params) in enumerate(expected):
        assert got[i] == losses
        for p, want in zip(problems[i][0].parameters(), params):
            np.testing.assert_array_equal(p.array, want)
