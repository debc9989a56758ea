"""Fail CI when fewer than 80% of minigrad's exported symbols have a known type.

Runs ``pyright --verifytypes minigrad --ignoreexternal`` and reads its JSON summary (the
same "Symbols exported by "minigrad": N, With known type: K" it prints). The repository
root goes on PYTHONPATH: pyright does not follow the import hook of an editable install.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

THRESHOLD = 0.80
ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    # pyright exits 1 whenever any symbol is incomplete; the share is what CI checks.
    run = subprocess.run(["pyright", "--verifytypes", "minigrad", "--ignoreexternal",
                          "--outputjson"], cwd=ROOT, env=env, capture_output=True, text=True)
    try:
        report = json.loads(run.stdout)["typeCompleteness"]
    except (json.JSONDecodeError, KeyError):
        print(f"verifytypes: pyright gave no report (exit {run.returncode}):\n"
              f"{run.stdout}{run.stderr}", file=sys.stderr)
        return 2
    counts = report["exportedSymbolCounts"]
    known = counts["withKnownType"]
    total = known + counts["withAmbiguousType"] + counts["withUnknownType"]
    share = known / total if total else 0.0
    print(f"verifytypes: {known} of {total} exported symbols have a known type ({share:.1%}; "
          f"{counts['withAmbiguousType']} ambiguous, {counts['withUnknownType']} unknown); "
          f"needed: {THRESHOLD:.0%}")
    if share < THRESHOLD:
        print("verifytypes: too few; see `PYTHONPATH=. pyright --verifytypes minigrad "
              "--ignoreexternal` for the symbols", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
