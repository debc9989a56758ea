"""How tensors print: PyTorch's rules (4 digits, scientific notation when the magnitudes
call for it, one width per tensor), changed with :func:`set_printoptions`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["set_printoptions", "format_array"]


@dataclass
class _Options:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PROFILES = {"default": _Options(), "short": _Options(precision=2, edgeitems=2),
            "full": _Options(threshold=math.inf)}
_OPTS = _Options()


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print, as ``torch.set_printoptions``: ``precision`` digits after
    the point (4), ``threshold`` elements before the middle is summarised as ``...``
    (1000), ``edgeitems`` shown at each end then (3), ``linewidth`` (80); ``profile``
    ``'default'``, ``'short'`` or ``'full'`` sets all four; ``sci_mode`` True / False
    forces scientific notation on or off, None (as on every call that omits it) decides.

    >>> import minigrad as mg
    >>> mg.set_printoptions(precision=2)
    >>> mg.tensor([0.392912, 1.2434])
    tensor([0.39, 1.24])
    >>> mg.set_printoptions(profile="default")
    >>> mg.tensor([0.392912, 1.2434])
    tensor([0.3929, 1.2434])
    """
    if profile is not None:
        if profile not in PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(PROFILES)}, "
                             f"got {profile!r}")
        base = PROFILES[profile]
        _OPTS.precision, _OPTS.threshold = base.precision, base.threshold
        _OPTS.edgeitems, _OPTS.linewidth = base.edgeitems, base.linewidth
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(_OPTS, name, value)
    _OPTS.sci_mode = sci_mode


def format_array(arr: np.ndarray, prefix: str) -> str:
    """The body of a tensor's repr: ``arr`` with ``prefix``'s width of indentation on
    continued lines; floats by torch's rules, other dtypes as numpy prints them."""
    threshold = _OPTS.threshold if math.isfinite(_OPTS.threshold) else np.iinfo(np.int64).max
    options = dict(separator=", ", prefix=prefix, threshold=int(threshold),
                   edgeitems=_OPTS.edgeitems, max_line_width=_OPTS.linewidth)
    if arr.dtype.kind != "f" or arr.size == 0:
        return np.array2string(arr, **options)  # type: ignore[arg-type]
    fmt = _float_format(_shown(arr))
    width = max((len(fmt(v)) for v in _shown(arr).ravel()), default=1)
    return np.array2string(arr, formatter={"float_kind": lambda v: fmt(v).rjust(width)},
                           **options)  # type: ignore[arg-type]


def _shown(arr: np.ndarray) -> np.ndarray:
    """The values that print (the ends only, when the array is summarised)."""
    if arr.size <= _OPTS.threshold:
        return arr
    e = _OPTS.edgeitems
    for axis in range(arr.ndim):
        if arr.shape[axis] > 2 * e:
            arr = np.concatenate([arr.take(range(e), axis), arr.take(range(-e, 0), axis)],
                                 axis)
    return arr


def _float_format(values: np.ndarray):
    """torch's choice: whole numbers as ``1.``; scientific notation when the finite
    nonzero magnitudes span more than 1000x, exceed 1e8 or go below 1e-4; else fixed."""
    p = _OPTS.precision
    finite = values[np.isfinite(values)].astype(np.float64)
    mags = np.abs(finite[finite != 0])
    whole = bool(np.all(finite == np.round(finite)))
    sci = _OPTS.sci_mode
    if sci is None and mags.size:
        ratio = mags.max() / mags.min()
        sci = ratio > 1000 or mags.max() > 1e8 or (not whole and mags.min() < 1e-4)
    if sci:
        return lambda v: _special(v) or f"{v:.{p}e}"
    if whole:
        return lambda v: _special(v) or f"{v:.0f}."
    return lambda v: _special(v) or f"{v:.{p}f}"


def _special(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return ""
