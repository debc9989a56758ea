"""The library's one random generator: every random draw in minigrad comes from here.

It is created on first use, so ``import minigrad`` does not load ``numpy.random``.
"""

from __future__ import annotations

import numpy as np

_generator: list[np.random.Generator | None] = [None]


def manual_seed(seed: int) -> np.random.Generator:
    """Seed every random draw in minigrad (factories, init, dropout, shuffling)."""
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    _generator[0] = np.random.default_rng(int(seed))
    return _generator[0]


def default_generator() -> np.random.Generator:
    """The generator that ``manual_seed`` resets (use it for your own reproducible draws)."""
    if _generator[0] is None:
        _generator[0] = np.random.default_rng()
    return _generator[0]
