"""``device``: where a tensor lives. minigrad computes with numpy on the CPU, so there is
one device, ``device("cpu")``; ``"cuda"``, ``"mps"`` and the other accelerators are a
clear error, and ``mg.cuda.is_available()`` and friends answer False, so PyTorch's "pick
a device" preambles run unchanged.

Also here: parsing of ``Tensor.to`` / ``Module.to`` arguments (torch's overloads), and
the default device (``set_default_device`` / ``get_default_device``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from . import dtypes as _dt

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

# Device types torch knows: asking for one of these is "not here", anything else "unknown".
_ACCELERATORS = ("cuda", "mps", "xpu", "hip", "mtia", "hpu", "xla", "meta", "ipu", "ve",
                 "vulkan", "mkldnn", "opengl", "opencl", "ideep", "fpga", "maia", "lazy",
                 "privateuseone")


def not_here(what: str) -> RuntimeError:
    return RuntimeError(f"device: {what!r} is not available: minigrad computes with numpy on "
                        "the CPU, so 'cpu' is its only device (mg.cuda.is_available(), "
                        "mg.backends.mps.is_available() and mg.accelerator.is_available() "
                        "are False; pick the device with them and 'cpu' is chosen)")


class device:  # noqa: N801 - torch's name
    """A device, as ``torch.device``: only ``device("cpu")`` (``"cpu:0"``) exists here.

    >>> import minigrad as mg
    >>> mg.device("cpu"), str(mg.device("cpu", 0)), mg.zeros(2).device == mg.device("cpu")
    (device(type='cpu'), 'cpu:0', True)
    """

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device: give an index with a device type string, not with "
                                "a device")
            kind, index = type.type, type.index
        elif isinstance(type, str):
            kind, _, idx = type.strip().partition(":")
            if idx:
                if index is not None:
                    raise RuntimeError(f"device: type {type!r} already names an index; "
                                       "don't pass index= too")
                if not idx.isdigit():
                    raise RuntimeError(f"device: invalid device string {type!r}")
                index = int(idx)
        else:
            raise TypeError(f"device: expected a device type string such as 'cpu', got "
                            f"{type!r} (an accelerator index: minigrad has no accelerator)")
        if kind in _ACCELERATORS:
            raise not_here(type if isinstance(type, str) else kind)
        if kind != "cpu":
            raise RuntimeError(f"device: unknown device type {kind!r}; minigrad computes "
                               "with numpy on the CPU, so use 'cpu'")
        if index is not None and (not isinstance(index, int | np.integer) or index < 0):
            raise RuntimeError(f"device: index must be a non-negative int, got {index!r}")
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", None if index is None else int(index))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"device: attribute {name!r} is read-only")

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        # As torch: equal to a device of the same type and index (a string is not a device).
        return isinstance(other, device) and (self.type, self.index) == (other.type,
                                                                         other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self) -> tuple[Any, ...]:
        return (device, (self.type, self.index))


DeviceLike: TypeAlias = "str | device | None"

CPU = device("cpu")


def check_device(where: DeviceLike) -> device:
    """``where`` as a device (None: the CPU); anything but the CPU is a clear error."""
    if where is None:
        return CPU
    return where if isinstance(where, device) else device(where)


def set_default_device(where: DeviceLike) -> None:
    """As ``torch.set_default_device``: only ``"cpu"`` (or None) is accepted here."""
    check_device(where)


def get_default_device() -> device:
    """The device factories use: always ``device("cpu")``."""
    return CPU


def _looks_like_device(arg: object) -> bool:
    if isinstance(arg, device):
        return True
    if not isinstance(arg, str):
        return False
    kind = arg.partition(":")[0]
    return kind == "cpu" or kind in _ACCELERATORS or ":" in arg


_TO_KEYWORDS = frozenset(("device", "dtype", "non_blocking", "copy", "memory_format"))


def parse_to(args: tuple[Any, ...], kwargs: dict[str, Any],
             op: str) -> tuple[np.dtype | None, bool]:
    """torch's ``to`` overloads -> (dtype or None, copy).

    ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)`` (its dtype),
    with ``non_blocking``/``copy`` positional after them or as keywords, and ``device=``,
    ``dtype=`` keywords. The device is checked (the CPU only); ``non_blocking`` and
    ``memory_format`` do nothing on the CPU.
    """
    from ._tensor import Tensor  # (here: _tensor imports this module)

    extra = set(kwargs) - _TO_KEYWORDS
    if extra:
        raise TypeError(f"{op}: unexpected keyword argument(s) {sorted(extra)}")
    dtype: DTypeLike | None = kwargs.get("dtype")
    check_device(kwargs.get("device"))
    flags: list[Any] = []
    for arg in args:
        if isinstance(arg, bool):  # non_blocking, copy (in that order)
            flags.append(arg)
        elif isinstance(arg, Tensor):  # take its dtype
            dtype = arg.dtype
        elif _looks_like_device(arg):
            check_device(arg)
        elif arg is not None:
            dtype = arg
    if len(flags) > 2:
        raise TypeError(f"{op}: too many positional arguments {args!r}")
    copy = kwargs.get("copy", flags[1] if len(flags) > 1 else False)
    return _dt.as_dtype(dtype), bool(copy)
