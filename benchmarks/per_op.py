"""Per-op overhead: 200 elementwise ops on a (16,) float32 tensor, forward + backward.

At this size the arithmetic is nearly free, so the time per op is the engine's
bookkeeping: building the node, wrapping the output, and one backward step. Reported in
microseconds per op (total time / 200). Target: minigrad at most 5x the numpy floor.
"""

from __future__ import annotations

from . import _chain
from ._result import Result
from ._timing import compare, paired_notes

NAME = "per-op overhead"
N_OPS = 200
SHAPE = (16,)
RATIO_TARGET = 5.0


def run(quick: bool = False) -> Result:
    fns, grads = _chain.contenders(N_OPS, SHAPE)
    timings = compare(fns, repeats=7 if quick else 41, number=3 if quick else 10, warmup=3)
    _chain.check_agree(grads)
    us = {k: t.median / N_OPS * 1e6 for k, t in timings.items()}
    mg_us, np_us = us["minigrad"], us["numpy"]
    return Result(
        name=f"per-op overhead ({N_OPS} ops, shape {SHAPE}, fwd+bwd)",
        unit="µs / op",
        minigrad=mg_us, numpy=np_us, torch=us.get("torch"),
        target=f"≤ {RATIO_TARGET:g}× numpy",
        passed=mg_us <= RATIO_TARGET * np_us,
        notes=paired_notes("per-op", timings), timings=timings,
    )
