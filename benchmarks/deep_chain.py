"""Deep chain: 20,000 elementwise ops on a 0-d tensor, forward + backward, in seconds.

Tests that the engine copes with a very deep graph (no recursion: building, backward
and freeing it) and what a long scalar-style computation costs end to end. Target:
faster than torch where torch is installed, else under 8x the numpy floor.
"""

from __future__ import annotations

from . import _chain
from ._result import Result
from ._timing import compare

NAME = "deep 0-d chain"
N_OPS = 20_000
NUMPY_RATIO_TARGET = 8.0


def run(quick: bool = False) -> Result:
    fns, grads = _chain.contenders(N_OPS, ())
    timings = compare(fns, repeats=5 if quick else 15, number=1, warmup=1)
    _chain.check_agree(grads)
    s = {k: t.median for k, t in timings.items()}
    if "torch" in s:
        target, passed = "< torch", s["minigrad"] < s["torch"]
    else:
        target = f"< {NUMPY_RATIO_TARGET:g}× numpy (torch absent)"
        passed = s["minigrad"] < NUMPY_RATIO_TARGET * s["numpy"]
    return Result(
        name=f"deep 0-d chain ({N_OPS:,} ops, fwd+bwd)",
        unit="s",
        minigrad=s["minigrad"], numpy=s["numpy"], torch=s.get("torch"),
        target=target, passed=passed, timings=timings,
    )
