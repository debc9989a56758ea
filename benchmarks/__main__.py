"""Run the benchmarks and print a Markdown table.

    python -m benchmarks                  # everything, full repeats (a few minutes)
    python -m benchmarks --quick          # smoke run: few repeats, same code paths
    python -m benchmarks --only per-op    # one benchmark (repeatable flag)
    python -m benchmarks --json benchmarks/results/run.json

Figures are medians (see ``benchmarks/_timing.py`` for the method); ratios compare
figures measured in the same run, round-robin, so they are more stable than the
absolute times on a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

from . import _timing, cnn_step, conv_layer, deep_chain, import_time, mlp_step, per_op
from ._peers import load_torch
from ._result import markdown_table

BENCHMARKS = {
    "per-op": per_op,
    "deep-chain": deep_chain,
    "import": import_time,
    "mlp": mlp_step,
    "conv": conv_layer,
    "cnn": cnn_step,
}


def _environment() -> dict:
    import numpy as np

    torch = load_torch()
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__ if torch is not None else None,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "threads": {v: os.environ.get(v) for v in
                    ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="few repeats: a fast smoke run, figures are rough")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS),
                        metavar="NAME", help="run only this benchmark (may repeat): "
                        + ", ".join(BENCHMARKS))
    parser.add_argument("--json", metavar="PATH", help="also save the results as JSON")
    parser.add_argument("--gc", action="store_true",
                        help="keep the cyclic garbage collector on while timing")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 if any benchmark misses its target")
    args = parser.parse_args(argv)
    _timing.keep_gc_enabled = args.gc

    env = _environment()
    mode = "quick" if args.quick else "full"
    print(f"minigrad benchmarks ({mode} run, gc {'on' if args.gc else 'off'} while timing)")
    print(f"python {env['python']}, numpy {env['numpy']}, torch {env['torch'] or 'absent'}, "
          f"{env['cpus']} CPUs, single-threaded BLAS; {env['platform']}\n", flush=True)

    results = []
    for name in args.only or list(BENCHMARKS):
        start = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results.append(BENCHMARKS[name].run(quick=args.quick))
        print(f"  done in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)

    print(markdown_table(results))
    notes = [n for r in results for n in r.notes]
    if notes:
        print()
        for n in notes:
            print(f"- {n}")

    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"mode": mode, "gc_enabled": args.gc, "environment": env,
                       "results": [r.as_dict() for r in results]}, f, indent=2)
        print(f"\nsaved {args.json}")
    failed = [r.name for r in results if not r.passed]
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
