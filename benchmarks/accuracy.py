"""Accuracy targets of the classification demo, on the real data.

    python -m benchmarks.accuracy --data-dir ../shared/data    # all six runs
    python -m benchmarks.accuracy --only digits-mlp            # one run

Each run is ``demos.classify`` with the settings listed in ``RUNS`` (the same as typing
the command printed under the table); the table reports test accuracy, epochs and
training wall time against the targets. Single-threaded BLAS (see ``benchmarks/__init__``;
``--threads 1``, the demo's default, too), so the times are conservative. ``--data-dir``
is the folder holding ``mnist/`` and ``fashion-mnist/`` (or ``$MINIGRAD_DATA``); the
digits run needs no data.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time

from demos import classify

# name: (classify arguments, minimum test accuracy, limit on epochs, limit on seconds)
RUNS = {
    "digits-mlp": (["--dataset", "digits", "--model", "mlp"], 0.97, None, 30.0),
    "fashion-softmax": (["--dataset", "fashion-mnist", "--model", "softmax", "--epochs",
                         "30", "--lr", "0.01", "--patience", "10"], 0.84, None, None),
    "fashion-mlp": (["--dataset", "fashion-mnist", "--model", "mlp", "--hidden", "256,128",
                     "--epochs", "15"], 0.885, 15, None),
    "mnist-mlp": (["--dataset", "mnist", "--model", "mlp", "--hidden", "256,128",
                   "--epochs", "20", "--patience", "20", "--batch-size", "64"], 0.98, None,
                  None),
    "fashion-cnn": (["--dataset", "fashion-mnist", "--model", "cnn"], 0.91, 10, None),
    "mnist-cnn": (["--dataset", "mnist", "--model", "cnn"], 0.985, 10, None),
}


def run(name: str, data_dir: str | None, out: str) -> dict:
    argv, min_acc, max_epochs, max_seconds = RUNS[name]
    argv = [*argv, "--out", os.path.join(out, name), "--quiet"]
    if data_dir:  # the loaders also look in data_dir/mnist and data_dir/fashion-mnist
        argv += ["--data-dir", data_dir]
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        result = classify.main(argv)
    wall = time.perf_counter() - start
    passed = result["test_accuracy"] >= min_acc
    if max_epochs is not None:
        passed &= result["epochs"] <= max_epochs
    if max_seconds is not None:
        passed &= wall <= max_seconds
    target = f">= {min_acc:.1%}" + (f" in <= {max_epochs} epochs" if max_epochs else "") \
        + (f" within {max_seconds:.0f} s" if max_seconds else "")
    command = "python -m demos.classify " + " ".join(RUNS[name][0]) + \
        ("" if name.startswith("digits") else f" --data-dir {data_dir or '$MINIGRAD_DATA'}")
    return dict(name=name, accuracy=result["test_accuracy"], epochs=result["epochs"],
                train_seconds=result["seconds"], wall_seconds=wall, target=target,
                passed=passed, command=command)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.accuracy", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default=os.environ.get("MINIGRAD_DATA"),
                   help="folder with mnist/ and fashion-mnist/ (e.g. ../shared/data)")
    p.add_argument("--only", action="append", choices=sorted(RUNS), metavar="NAME")
    p.add_argument("--out", default="runs/accuracy")
    args = p.parse_args(argv)
    rows = []
    for name in args.only or list(RUNS):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.append(run(name, args.data_dir, args.out))
    print("| run | test accuracy | epochs | training time | wall time | target | result |")
    print("|---|---:|---:|---:|---:|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['accuracy']:.2%} | {r['epochs']} | "
              f"{r['train_seconds']:.1f} s | {r['wall_seconds']:.1f} s | {r['target']} | "
              f"{'pass' if r['passed'] else '**FAIL**'} |")
    print()
    for r in rows:
        print(f"- {r['name']}: `{r['command']}`")
    return 0 if all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
