"""Optional peers: torch, loaded single-threaded if it is installed."""

from __future__ import annotations

_torch = None
_loaded = False


def load_torch():
    """The ``torch`` module with one intra-op thread, or None if torch isn't installed."""
    global _torch, _loaded
    if not _loaded:
        _loaded = True
        try:
            import torch
        except ImportError:
            torch = None
        if torch is not None:
            torch.set_num_threads(1)
        _torch = torch
    return _torch
