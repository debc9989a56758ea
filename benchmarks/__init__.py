"""Benchmarks for the minigrad engine: ``python -m benchmarks`` (see ``__main__``).

Every benchmark runs single-threaded: the BLAS/OpenMP thread counts are pinned to 1
here, before anything imports numpy or torch, so figures compare interpreters and
engines rather than how many cores a matmul happened to grab.
"""

import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

if "numpy" in sys.modules:  # e.g. imported from a session that already loaded numpy
    import warnings

    warnings.warn("benchmarks: numpy was imported before the thread limits were set; "
                  "run `python -m benchmarks` for single-threaded figures", stacklevel=2)
