"""``save`` and ``load``: checkpoints in the safetensors format.

A checkpoint is a safetensors file (the format of the model hubs: a bounded JSON header,
then the raw tensor bytes; no pickle). Every tensor and numpy array saved is one
safetensors tensor, named by its place in the saved object (``0.weight``,
``optim.state.0.exp_avg``), so a model's ``state_dict`` saved by minigrad opens in
PyTorch with ``safetensors.torch.load_file``. Everything else (nested dicts, lists and
tuples, numbers, strings, bools, None, dtypes, ``requires_grad``) is JSON in the header's
metadata, so ``load`` returns what was saved.

safetensors has no checksum, so the metadata also holds a sha256 of that JSON and one of
the tensors (names, dtypes, shapes, bytes): a damaged file is a ``ValueError`` naming it,
never silently changed weights. A safetensors file without minigrad's metadata (written
by ``safetensors.torch.save_file``, say) loads as a flat ``{name: Tensor}`` state dict.
Files are written atomically (see ``_atomic``).
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import stat
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np
import safetensors.numpy
from safetensors import SafetensorError, safe_open

from . import _atomic
from ._tensor import Tensor

_VERSION = 1
_PREFIX = "minigrad"  # every metadata key of ours starts with this
# numpy dtypes stored as safetensors tensors (those torch reads too, and numpy's own)
_ARRAY_DTYPES = frozenset(np.dtype(t) for t in (
    np.bool_, np.uint8, np.int8, np.int16, np.uint16, np.int32, np.uint32, np.int64,
    np.uint64, np.float16, np.float32, np.float64))
_WHOLE_MODEL = ("minigrad does not pickle whole models (loading a pickle can run any code); "
                "save and load the state dict instead:\n"
                "    mg.save(model.state_dict(), path)\n"
                "    model.load_state_dict(mg.load(path))")


# ------------------------------------------------------------------- saving
class _Encoder:
    """Turns an object into JSON-able structure plus the named arrays it refers to."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._names: dict[int, str] = {}  # id(tensor or array) -> its name: saved once
        self._alive: list[object] = []  # keeps those ids from being reused meanwhile

    def encode(self, obj: Any, where: tuple[Any, ...]) -> Any:
        if isinstance(obj, Tensor | np.ndarray):
            return self._array(obj, where)
        if isinstance(obj, np.generic):
            obj = obj.item()
        if obj is None or isinstance(obj, bool | int | str):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"__float__": repr(obj)}
        if isinstance(obj, dict):
            kind = "__odict__" if isinstance(obj, OrderedDict) else "__dict__"
            return {kind: [[self.encode(k, (*where, "<key>")), self.encode(v, (*where, k))]
                           for k, v in obj.items()]}
        if isinstance(obj, list | tuple):
            items = [self.encode(v, (*where, i)) for i, v in enumerate(obj)]
            return {"__tuple__": items} if isinstance(obj, tuple) else items
        if isinstance(obj, np.dtype) and obj in _ARRAY_DTYPES:
            return {"__np_dtype__": obj.name}
        if isinstance(obj, type) and issubclass(obj, np.generic) and np.dtype(obj) in _ARRAY_DTYPES:
            return {"__dtype__": np.dtype(obj).name}
        raise TypeError(_unsupported(obj, where))

    def _array(self, obj: Tensor | np.ndarray, where: tuple[Any, ...]) -> dict[str, Any]:
        name = self._names.get(id(obj))
        if name is None:
            array = obj.array if isinstance(obj, Tensor) else obj
            if array.dtype.newbyteorder("=") not in _ARRAY_DTYPES:
                raise TypeError(f"save: the array at {_where(where)} has dtype {array.dtype}; "
                                "only bool, integer and float arrays can be saved")
            name = self._fresh_name(where)
            self.arrays[name] = np.require(array, requirements="C")  # (not ascontiguousarray: 0-d)
            self._names[id(obj)] = name
            self._alive.append(obj)
        if not isinstance(obj, Tensor):
            return {"__ndarray__": name}
        entry: dict[str, Any] = {"__tensor__": name, "requires_grad": bool(obj.requires_grad)}
        if _is_parameter(obj):
            entry["parameter"] = True
        return entry

    def _fresh_name(self, where: tuple[Any, ...]) -> str:
        """The tensor's path (``model.0.weight``), made unique if needed."""
        base = ".".join(str(k) for k in where) or "tensor"
        base = base.encode("utf-8", "backslashreplace").decode()  # (lone surrogates)
        name, n = base, 1
        while name in self.arrays or name == "__metadata__":
            n += 1
            name = f"{base}#{n}"
        return name


def _where(where: tuple[Any, ...]) -> str:
    return "obj" + "".join(f"[{k!r}]" for k in where)


def _unsupported(obj: object, where: tuple[Any, ...]) -> str:
    from .nn.module import Module  # (nn imports this package)

    if isinstance(obj, Module):
        return f"save: got a {type(obj).__name__} module at {_where(where)}; {_WHOLE_MODEL}"
    return (f"save: can't save a {type(obj).__name__} at {_where(where)}; checkpoints hold "
            "dicts, lists, tuples, tensors, numpy arrays, numbers, strings, bools, dtypes "
            "and None")


def _is_parameter(t: Tensor) -> bool:
    from .nn.parameter import Parameter

    return isinstance(t, Parameter)


def _tensors_sha256(arrays: Mapping[str, np.ndarray]) -> str:
    """sha256 of every tensor's name, dtype, shape and (little-endian) bytes."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = arrays[name]
        h.update(json.dumps([name, a.dtype.name, list(a.shape)]).encode() + b"\n")
        h.update(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes())
    return h.hexdigest()


def _structure_sha256(version: str, structure: str) -> str:
    return hashlib.sha256(f"{version}\n{structure}".encode()).hexdigest()


def save(obj: object, path: str | os.PathLike[str]) -> None:
    """Save ``obj`` (e.g. ``{'model': model.state_dict(), 'optim': opt.state_dict()}``)
    to ``path`` as a safetensors file, atomically.

    Tensors and numpy arrays become safetensors tensors; dicts, lists, tuples, numbers,
    strings, bools, None and dtypes around them are kept in the metadata. A module
    itself is refused: save its ``state_dict()``.

    >>> import minigrad as mg, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> mg.save({"w": mg.ones(2), "epoch": 3}, path)
    >>> mg.load(path)
    {'w': tensor([1., 1.]), 'epoch': 3}
    """
    encoder = _Encoder()
    structure = json.dumps(encoder.encode(obj, ()), ensure_ascii=True, allow_nan=False)
    version = str(_VERSION)
    metadata = {f"{_PREFIX}_version": version, f"{_PREFIX}_structure": structure,
                f"{_PREFIX}_structure_sha256": _structure_sha256(version, structure),
                f"{_PREFIX}_tensors_sha256": _tensors_sha256(encoder.arrays)}
    path = os.fspath(path)
    try:
        data = safetensors.numpy.save(encoder.arrays, metadata=metadata)
    except SafetensorError as err:
        raise OSError(f"save: could not write {path}: {err}") from err
    _atomic.write_bytes(path, data)


# ------------------------------------------------------------------- loading
class _Decoder:
    """Rebuilds what ``_Encoder`` took apart; raises ValueError on anything else."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.arrays = arrays
        self._made: dict[tuple[str, str], Any] = {}  # an object saved twice comes back once

    def decode(self, obj: Any) -> Any:
        if isinstance(obj, list):
            return [self.decode(v) for v in obj]
        if not isinstance(obj, dict):
            return obj  # None, bool, int, float, str
        if len(obj) == 1:
            ((tag, value),) = obj.items()
            if tag in ("__dict__", "__odict__"):
                pairs = [self._pair(p) for p in value]
                return OrderedDict(pairs) if tag == "__odict__" else dict(pairs)
            if tag == "__tuple__" and isinstance(value, list):
                return tuple(self.decode(v) for v in value)
            if tag == "__float__" and value in ("inf", "-inf", "nan"):
                return float(value)
            if tag in ("__dtype__", "__np_dtype__") and isinstance(value, str):
                return self._dtype(tag, value)
        if "__tensor__" in obj or "__ndarray__" in obj:
            return self._array(obj)
        raise ValueError(f"unknown entry {json.dumps(obj)[:80]}")

    def _pair(self, pair: Any) -> tuple[Any, Any]:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError("a dict entry is not a [key, value] pair")
        return self.decode(pair[0]), self.decode(pair[1])

    @staticmethod
    def _dtype(tag: str, name: str) -> Any:
        dtype = np.dtype(name) if name.isidentifier() else np.dtype(object)
        if dtype not in _ARRAY_DTYPES:
            raise ValueError(f"unknown dtype {name!r}")
        return dtype if tag == "__np_dtype__" else dtype.type

    def _array(self, entry: dict[str, Any]) -> Tensor | np.ndarray:
        key = ("__tensor__", entry["__tensor__"]) if "__tensor__" in entry \
            else ("__ndarray__", entry["__ndarray__"])
        if set(entry) - {"__tensor__", "requires_grad", "parameter", "__ndarray__"} \
                or not isinstance(key[1], str) or key[1] not in self.arrays:
            raise ValueError(f"bad tensor entry {json.dumps(entry)[:80]}")
        if key not in self._made:
            array = self.arrays[key[1]]
            if key[0] == "__ndarray__":
                self._made[key] = array
            elif entry.get("parameter") is True:
                from .nn.parameter import Parameter

                self._made[key] = Parameter(array, requires_grad=entry["requires_grad"] is True)
            else:
                self._made[key] = Tensor(array).requires_grad_(entry["requires_grad"] is True)
        return self._made[key]


def _open_error(path: str) -> None:
    """Raise what ``open`` would for a missing path or a folder (safetensors does not)."""
    mode = os.stat(path).st_mode  # FileNotFoundError, PermissionError as they are
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "load: is a directory, not a checkpoint", path)


def _read(path: str) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """The metadata and the tensors of the safetensors file ``path``."""
    try:
        with safe_open(path, framework="np") as f:
            metadata = f.metadata() or {}
            arrays = {name: _get_tensor(f, name, path) for name in f.keys()}
    except SafetensorError as err:
        raise ValueError(f"load: {path} is not a safetensors checkpoint, or it is "
                         f"truncated or damaged ({err}){_hint(path)}") from err
    return metadata, arrays


def _get_tensor(f: Any, name: str, path: str) -> np.ndarray:
    try:
        return f.get_tensor(name)
    except (KeyError, TypeError) as err:  # a dtype numpy lacks (bfloat16, float8)
        raise ValueError(f"load: tensor {name!r} in {path} has a dtype that numpy, and so "
                         f"minigrad, does not have ({err}); convert it to float32 where the "
                         "file was written") from err


def _hint(path: str) -> str:
    """What a file that is not safetensors probably is, judging by its first bytes."""
    with open(path, "rb") as f:
        start = f.read(4)
    if start == b"PK\x03\x04":
        return ("; it is a zip file: numpy's .npz, torch.save's .pt (a pickle), or an older "
                "minigrad's .npz checkpoint. minigrad never unpickles; from torch, write the "
                "state dict with safetensors.torch.save_file(model.state_dict(), path)")
    if start[:1] == b"\x80":
        return "; it looks like a pickle, which minigrad never loads (it could run code)"
    return ""


def _structure(path: str, metadata: Mapping[str, str], arrays: Mapping[str, np.ndarray]) -> Any:
    """minigrad's structure, after checking the version and both checksums."""
    version = metadata.get(f"{_PREFIX}_version", "")
    structure = metadata.get(f"{_PREFIX}_structure", "")
    if not version.isdecimal() or len(version) > 6:
        raise ValueError(f"load: {path} has damaged minigrad metadata (no format version)")
    if int(version) > _VERSION:
        raise ValueError(f"load: {path} was written by a newer minigrad (format version "
                         f"{version}), or it is damaged; upgrade minigrad to read it")
    if metadata.get(f"{_PREFIX}_structure_sha256") != _structure_sha256(version, structure):
        raise ValueError(f"load: {path} is damaged: its minigrad metadata does not match its "
                         "checksum")
    if metadata.get(f"{_PREFIX}_tensors_sha256") != _tensors_sha256(arrays):
        raise ValueError(f"load: {path} is damaged: its tensors (header or data) do not match "
                         "their checksum")
    try:
        return json.loads(structure)
    except (ValueError, RecursionError) as err:
        raise ValueError(f"load: {path} has a damaged checkpoint structure ({err})") from err


def load(path: str | os.PathLike[str], *, weights_only: bool | None = None) -> Any:
    """Load what ``save`` wrote, or any safetensors file (as ``{name: Tensor}``).

    Never unpickles. A damaged, truncated or foreign file is a ``ValueError`` naming it.
    ``weights_only=True`` is what minigrad always does; ``weights_only=False`` (pickled
    whole models) is refused.
    """
    if weights_only is False:
        raise ValueError(f"load: weights_only=False is not supported; {_WHOLE_MODEL}")
    path = os.fspath(path)
    _open_error(path)
    metadata, arrays = _read(path)
    if not any(key.startswith(_PREFIX) for key in metadata):  # a plain safetensors file
        return {name: Tensor(a) for name, a in arrays.items()}
    structure = _structure(path, metadata, arrays)
    try:
        return _Decoder(arrays).decode(structure)
    except (ValueError, TypeError, KeyError, RuntimeError, RecursionError) as err:
        raise ValueError(f"load: {path} has a damaged checkpoint structure ({err})") from err
