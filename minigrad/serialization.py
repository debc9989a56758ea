"""``save`` and ``load``: checkpoints (state dicts) in a numpy ``.npz`` file.

The file holds each array as its own entry plus one JSON entry describing the nested
structure (dicts, lists, tuples, numbers, strings, bools, None, tensors, arrays). It is
written atomically (a temporary file in the same folder, then a rename: an interrupted
save never destroys the previous checkpoint) and read with pickling disabled, so loading
a checkpoint can never run code.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._tensor import Tensor

_FORMAT = "minigrad-checkpoint"
_VERSION = 1


def _encode(obj: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    if isinstance(obj, Tensor):
        key = f"a{len(arrays)}"
        arrays[key] = obj.array
        return {"__tensor__": key, "requires_grad": bool(obj.requires_grad)}
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biuf":
            raise TypeError(f"save: array at {path} has dtype {obj.dtype}; only bool, int and "
                            "float arrays can be saved")
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"__ndarray__": key}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, bool | int | float | str):
        if isinstance(obj, float) and not np.isfinite(obj):
            return {"__float__": repr(obj)}
        return obj
    if isinstance(obj, dict):
        return {"__dict__": [[_encode(k, arrays, f"{path}[key]"),
                              _encode(v, arrays, f"{path}[{k!r}]")] for k, v in obj.items()]}
    if isinstance(obj, list | tuple):
        items = [_encode(v, arrays, f"{path}[{i}]") for i, v in enumerate(obj)]
        return {"__tuple__": items} if isinstance(obj, tuple) else items
    raise TypeError(f"save: can't save a {type(obj).__name__} at {path}; checkpoints hold "
                    "dicts, lists, tuples, tensors, numpy arrays, numbers, strings and None")


def _decode(obj: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__tensor__" in obj:
        t = Tensor(arrays[obj["__tensor__"]])
        return t.requires_grad_(True) if obj.get("requires_grad") else t
    if "__ndarray__" in obj:
        return arrays[obj["__ndarray__"]]
    if "__float__" in obj:
        return float(obj["__float__"])
    if "__tuple__" in obj:
        return tuple(_decode(v, arrays) for v in obj["__tuple__"])
    if "__dict__" in obj:
        return {_decode(k, arrays): _decode(v, arrays) for k, v in obj["__dict__"]}
    raise ValueError(f"load: unknown entry in the checkpoint structure: {sorted(obj)}")


def save(obj: object, path: str | os.PathLike[str]) -> None:
    """Save ``obj`` (e.g. ``{'model': model.state_dict(), 'optim': opt.state_dict()}``)
    to ``path`` atomically.

    >>> import minigrad as mg, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
    >>> mg.save({"w": mg.ones(2), "epoch": 3}, path)
    >>> mg.load(path)
    {'w': tensor([1., 1.]), 'epoch': 3}
    """
    arrays: dict[str, Any] = {}  # (Any: np.savez types its keywords as its options)
    structure = _encode(obj, arrays, "obj")
    header = json.dumps({"format": _FORMAT, "version": _VERSION, "structure": structure})
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, __minigrad__=np.array(header), **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path: str | os.PathLike[str]) -> Any:
    """Load what ``save`` wrote. Never unpickles; a truncated or foreign file raises
    ``ValueError`` saying so."""
    path = os.fspath(path)
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):  # a bare .npy array
            raise ValueError(f"load: {path} is a single numpy array (.npy), not a minigrad "
                             "checkpoint")
        with loaded as npz:
            if "__minigrad__" not in npz.files:
                raise ValueError(f"load: {path} is an .npz file but not a minigrad checkpoint "
                                 "(no '__minigrad__' entry); was it written by mg.save?")
            header = json.loads(str(npz["__minigrad__"]))
            arrays = {k: npz[k] for k in npz.files if k != "__minigrad__"}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, json.JSONDecodeError) as err:
        raise ValueError(f"load: {path} is truncated or not a minigrad checkpoint ({err})") \
            from err
    except ValueError as err:
        if "minigrad" in str(err):
            raise
        raise ValueError(f"load: {path} is truncated, corrupt or not a minigrad checkpoint "
                         f"({err})") from err
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        raise ValueError(f"load: {path} is not a minigrad checkpoint")
    if header.get("version", 0) > _VERSION:
        raise ValueError(f"load: {path} was written by a newer minigrad (format version "
                         f"{header['version']}); upgrade minigrad to read it")
    try:
        return _decode(header.get("structure"), arrays)
    except (KeyError, TypeError, ValueError) as err:
        # a header that names missing arrays or holds unknown entries: a damaged file
        raise ValueError(f"load: {path} has a corrupt checkpoint structure ({err})") from err
