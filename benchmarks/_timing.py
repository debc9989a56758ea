"""The one timing helper every benchmark uses.

``compare`` times several zero-argument callables ("contenders") against each other:

* each contender is first called ``warmup`` times untimed (caches, lazy imports, BLAS
  buffers);
* then ``repeats`` rounds run round-robin, one repeat of each contender per round, so
  the slow drift of a noisy machine touches every contender alike and ratios taken from
  one run are meaningful;
* a repeat times ``number`` back-to-back calls with ``time.perf_counter`` and records
  the mean per call; the figure reported is the **median** over repeats (the quartiles
  are kept too, for the JSON output).

Garbage collection is handled deliberately: ``gc.collect()`` runs before every repeat
and the cyclic collector is *disabled* inside the timed region (as ``timeit`` does), so
a collection triggered by one contender's garbage is never billed to another.
minigrad's graphs hold no reference cycles (they are freed by reference counting), so
this hides no minigrad cost except the collector's periodic scans of live objects;
``python -m benchmarks --gc`` keeps the collector on to measure those too.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

# Set by __main__ from --gc: keep the cyclic collector running while timing.
keep_gc_enabled = False


@dataclass
class Timing:
    """Seconds per call of one contender: median and quartiles over repeats."""

    median: float
    q1: float
    q3: float
    repeats: int
    number: int
    samples: list[float] = field(default_factory=list)  # per repeat, in round order

    def as_dict(self) -> dict:
        return {"median_s": self.median, "q1_s": self.q1, "q3_s": self.q3,
                "repeats": self.repeats, "number": self.number}


def paired_ratios(a: Timing, b: Timing) -> list[float]:
    """``a / b`` round by round: both ran in the same round, so the machine's slow drift
    cancels out of each ratio; their spread shows how far one run's ratio can be trusted."""
    return [x / y for x, y in zip(a.samples, b.samples)]


def quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def paired_notes(label: str, timings: dict[str, Timing]) -> list[str]:
    """One line per peer (numpy, and torch when it ran): minigrad's time over the peer's,
    taken round by round (``paired_ratios``), as median and quartiles."""
    notes = []
    for peer in ("numpy", "torch"):
        if peer not in timings:
            continue
        paired = paired_ratios(timings["minigrad"], timings[peer])
        q1, q3 = quartiles(paired)
        notes.append(f"{label} minigrad / {peer} round by round (drift cancels): median "
                     f"{statistics.median(paired):.3f}x, quartiles {q1:.3f}x..{q3:.3f}x over "
                     f"{len(paired)} rounds.")
    return notes


def compare(contenders: dict[str, Callable[[], object]], *, repeats: int, number: int = 1,
            warmup: int = 2) -> dict[str, Timing]:
    """Time each callable; return ``{name: Timing}`` (seconds per call)."""
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    was_enabled = gc.isenabled()
    try:
        for _ in range(repeats):
            for name, fn in contenders.items():
                gc.collect()
                if not keep_gc_enabled:
                    gc.disable()
                start = time.perf_counter()
                for _ in range(number):
                    fn()
                elapsed = time.perf_counter() - start
                if was_enabled:
                    gc.enable()
                samples[name].append(elapsed / number)
    finally:
        if was_enabled:
            gc.enable()
    out = {}
    for name, values in samples.items():
        q1, q3 = quartiles(values)
        out[name] = Timing(statistics.median(values), q1, q3, repeats, number, values)
    return out


def step_peaks(step: Callable[[], object], n_steps: int) -> list[int]:
    """Bytes: tracemalloc's peak during each of ``n_steps`` steps, over what was
    allocated before the step."""
    peaks = []
    tracemalloc.start()
    try:
        for _ in range(n_steps):
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            step()
            peaks.append(tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()
    return peaks
