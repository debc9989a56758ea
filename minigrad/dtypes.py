"""Dtypes and the promotion rules, stated in one place.

minigrad's dtypes are numpy's: ``mg.float32 is np.float32``.

Rules (PyTorch's, which differ from numpy's in a few spots):

* ``mg.tensor`` of Python floats or lists of them is float32 (the default dtype);
  Python ints become int64, Python bools become bool; a numpy array keeps its dtype.
* Binary ops follow numpy's promotion (NEP 50: Python scalars never widen a tensor),
  except that a result numpy would widen to float64 stays float32 unless one operand
  really is float64. So ``int_tensor / 2`` and ``int_tensor * 0.5`` give float32, as in
  torch, and so does ``int64 @ float32`` (where torch refuses mixed dtypes).
* A numpy scalar (``np.float64(2)``, ``np.sqrt(2.0)``, ``np.float32(2)``, ``np.int64(3)``)
  counts as the Python number it holds, as in torch: ``float32_tensor * np.sqrt(2.0)``
  stays float32, ``int64_tensor * np.float64(0.5)`` is float32. A numpy array, 0-d
  included, counts as a tensor of its dtype: ``float32_tensor * np.array(2.0)`` is
  float64 (in torch too).
* ``nn.Linear`` / ``F.linear`` follow torch: the input must have the weight's dtype
  (and the bias too), else a TypeError naming both dtypes. A float32 layer fed an int64
  batch is a missing ``.float()``; promoting silently would compute the layer in another
  dtype than its weights.
* Gradients always have their input's exact dtype.
"""

from __future__ import annotations

import builtins  # `bool` below is numpy's bool (torch's name); annotations say builtins.bool
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

float16 = np.float16
float32 = np.float32
float64 = np.float64
int8 = np.int8
int16 = np.int16
int32 = np.int32
int64 = np.int64
uint8 = np.uint8
bool = np.bool_  # noqa: A001 - torch's name for it
# torch's other names for the same types
float = np.float32  # noqa: A001
double = np.float64
half = np.float16
long = np.int64
int = np.int32  # noqa: A001
short = np.int16

default_float: np.dtype = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)

_ALIASES: dict[str, type[np.generic]] = {
    "float": np.float32, "float32": np.float32, "double": np.float64, "float64": np.float64,
    "half": np.float16, "float16": np.float16, "int": np.int32, "int32": np.int32,
    "long": np.int64, "int64": np.int64, "bool": np.bool_, "uint8": np.uint8,
    "short": np.int16, "int16": np.int16, "int8": np.int8,
}

# numpy has no bfloat16 (nor complex support here): asking for it says so.
NO_BFLOAT16 = ("minigrad has no bfloat16: numpy, which minigrad computes with, has no "
               "bfloat16 type; use mg.float16 (half) or mg.float32")


def get_default_dtype() -> type[np.floating]:
    """The dtype Python floats become (``mg.float32`` unless ``set_default_dtype``)."""
    return default_float.type


def set_default_dtype(d: DTypeLike) -> None:
    """Make Python floats (and float factories) ``d``: ``mg.float32`` or ``mg.float64``
    (or ``mg.float16``), as ``torch.set_default_dtype``."""
    global default_float
    dt = as_dtype(d)
    if dt is None or dt.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point types are supported as "
                        f"the default type, got {d!r}")
    default_float = dt


def as_dtype(dtype: DTypeLike | None) -> np.dtype | None:
    """Normalise ``dtype`` (numpy type, np.dtype, or a name such as ``"float32"``)."""
    if dtype is None:
        return None
    if isinstance(dtype, str):
        if dtype == "bfloat16":
            raise TypeError(NO_BFLOAT16)
        if dtype not in _ALIASES:
            raise TypeError(f"unknown dtype {dtype!r}; use one of {sorted(_ALIASES)}")
        return np.dtype(_ALIASES[dtype])
    try:
        return np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"unknown dtype {dtype!r}; use mg.float32, mg.float64, mg.int64 "
                        "or mg.bool") from err


def is_floating(dtype: np.dtype) -> builtins.bool:
    """True for floating dtypes, the only ones that may require grad."""
    return dtype.kind == "f"


def fix_float64(result: np.ndarray, *operands: Any) -> np.ndarray:
    """Apply the one exception to numpy's promotion (see module docstring).

    Called by binary ops on their result; cheap unless numpy produced float64.
    """
    if result.dtype is not _FLOAT64 and result.dtype != _FLOAT64:
        return result
    for x in operands:
        dt = getattr(x, "dtype", None)
        if dt is not None and dt == _FLOAT64:
            return result
    return result.astype(default_float)
