"""Import time: ``import minigrad`` versus ``import numpy``, each in a fresh interpreter.

Each measurement starts a new ``python`` process (so nothing is cached in
``sys.modules``) that times the import statement alone with ``time.perf_counter``;
interpreter start-up is excluded for both. minigrad imports numpy, so the ratio is
``(numpy + minigrad's own modules) / numpy``. Target: at most 1.5x.

The same subprocess reports which heavy optional packages the import pulled in: a
plain ``import minigrad`` must not import graphviz, hypothesis, matplotlib, tqdm or
torch (they are extras, loaded only by the features that need them).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

from ._result import Result

NAME = "import time"
RATIO_TARGET = 1.5
MUST_NOT_IMPORT = ("graphviz", "hypothesis", "matplotlib", "tqdm", "torch")

_PROBE = """
import json, sys, time
start = time.perf_counter()
import {module}
elapsed = time.perf_counter() - start
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print(json.dumps({{"seconds": elapsed, "heavy": heavy}}))
"""


def _probe(module: str) -> dict:
    code = _PROBE.format(module=module, heavy=MUST_NOT_IMPORT)
    # The child inherits the environment (thread limits, the editable install's path),
    # except PYTHONDONTWRITEBYTECODE: both imports read cached bytecode after the warm-up
    # probe, as users' imports do (numpy's was compiled when pip installed it; without
    # this, a sandbox that sets the variable would time compiling minigrad from source).
    env = os.environ.copy()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> Result:
    repeats = 3 if quick else 9
    _probe("minigrad"), _probe("numpy")  # warm the OS file cache and bytecode
    times: dict[str, list[float]] = {"minigrad": [], "numpy": []}
    heavy: set[str] = set()
    for _ in range(repeats):  # alternate, so drift hits both alike
        for module in ("minigrad", "numpy"):
            out = _probe(module)
            times[module].append(out["seconds"])
            if module == "minigrad":
                heavy.update(out["heavy"])
    mg_ms = statistics.median(times["minigrad"]) * 1e3
    np_ms = statistics.median(times["numpy"]) * 1e3
    clean = not heavy
    check = ("`import minigrad` imports none of " + ", ".join(MUST_NOT_IMPORT)
             if clean else "`import minigrad` ALSO IMPORTS " + ", ".join(sorted(heavy)))
    return Result(
        name=f"import time (fresh process, median of {repeats})",
        unit="ms",
        minigrad=mg_ms, numpy=np_ms, torch=None,
        target=f"≤ {RATIO_TARGET:g}× numpy, no heavy extras",
        passed=mg_ms <= RATIO_TARGET * np_ms and clean,
        notes=[f"import check: {check} (checked in sys.modules of the fresh process)."],
        extra={"minigrad_ms": times["minigrad"], "numpy_ms": times["numpy"],
               "heavy_imported": sorted(heavy)},
    )
