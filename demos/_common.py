"""Helpers shared by the demos: output folder and matplotlib (headless)."""

from __future__ import annotations

import os


def out_dir(path: str) -> str:
    os.makedirs(path, exist_ok=True)
    return path


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend, or None (with a note)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install matplotlib): no plot written")
        return None
    return plt
