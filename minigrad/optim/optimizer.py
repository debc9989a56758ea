"""``Optimizer``: parameter groups, per-parameter state, zero_grad, state dicts."""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias

import numpy as np

from .._tensor import Tensor, zero_grad_in_place

# What an optimizer takes: the parameters, or groups of them with their own options
# ({"params": [...], "lr": ...}), as torch.
Params: TypeAlias = Iterable[Tensor] | Iterable[dict[str, Any]]


def _state_value(value: Any, p: Tensor, where: str) -> Any:
    """A saved state entry ready for parameter ``p``: arrays (Tensors) become fresh arrays
    of ``p``'s dtype and of its shape (or 0-d); ValueError naming ``where`` if they can't."""
    if not isinstance(value, Tensor | np.ndarray):
        return copy.deepcopy(value)  # step counts and other plain values
    array = value.array if isinstance(value, Tensor) else value
    if array.dtype.kind not in "biuf":
        raise ValueError(f"load_state_dict: {where} has dtype {array.dtype}, which can't be "
                         f"converted to the parameter's {p.dtype}")
    if array.shape not in ((), p.shape):
        raise ValueError(f"load_state_dict: {where} has shape {array.shape}, but the "
                         f"parameter has shape {p.shape}")
    return np.array(array, dtype=p.dtype)


def lerp(start: np.ndarray, end: np.ndarray, weight: float, work: np.ndarray) -> np.ndarray:
    """``start += weight * (end - start)`` in place, rounded as torch's ``lerp_`` (which
    works from ``end`` when ``weight >= 0.5``); ``work`` is scratch of the same shape."""
    diff = np.subtract(end, start, out=work)
    if weight < 0.5:
        start += np.multiply(diff, weight, out=work)
    else:
        np.subtract(end, np.multiply(diff, 1 - weight, out=work), out=start)
    return start


class Optimizer:
    """Base class: holds ``param_groups`` (dicts of params and options) and ``state``.

    Subclasses implement ``step()``; updates run on the parameters' arrays in place and
    never record a graph.
    """

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults: dict[str, Any] = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        # (dtype number, slot) -> flat array, see _scratch
        self._scratch_buffers: dict[tuple[int, int], np.ndarray] = {}
        # (shape, dtype number, slot) -> view of one of them
        self._scratch_views: dict[tuple[tuple[int, ...], int, int], np.ndarray] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError("params must be an iterable of Tensors or of dicts, got a single "
                            "Tensor; pass [tensor] or model.parameters()")
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list; did the "
                             "model register its parameters (nn.Parameter attributes, "
                             "nn.ModuleList rather than a plain list)?")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones use defaults)."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError("add_param_group: expected a dict with a 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: can only optimize Tensors, got "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf tensor "
                                 "(it was computed by an op); optimize the leaves it came from")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids) or seen.intersection(ids):
            raise ValueError(f"{type(self).__name__}: a parameter appears more than once "
                             "(in one group or in several); give each parameter once")
        full = {**self.defaults, **group, "params": params}
        self._validate(full)
        self.param_groups.append(full)

    def _validate(self, group: dict[str, Any]) -> None:
        """Check a group's options (every group's, not only the defaults) as torch checks
        them; a nan is refused everywhere (it would turn every parameter into nan)."""
        self._check(group.get("lr"), "learning rate")
        self._check(group.get("weight_decay", 0), "weight_decay value")

    def _check(self, value: Any, what: str, low: float = 0.0, high: float | None = None) -> None:
        """``value`` must be a number in ``[low, high)`` (``[low, inf]`` without ``high``)."""
        name = type(self).__name__
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name}: {what} must be a number, got {value!r}")
        v = float(value)
        if not (low <= v and (high is None or v < high)):  # False for nan
            bounds = (f"in [{low:g}, {high:g})" if high is not None else
                      f">= {low:g}" if low > -math.inf else "a number, not nan")
            raise ValueError(f"{name}: invalid {what}: {value}; it must be {bounds}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset gradients: to None (default, frees memory) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        zero_grad_in_place(p)

    def step(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define step()")

    def _params_with_grad(self, group: dict[str, Any]) -> Iterator[tuple[Tensor, np.ndarray]]:
        for p in group["params"]:
            if p.grad is not None:
                yield p, p.grad.array

    # ------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, Any]:
        """``{'state': {index: {...}}, 'param_groups': [...]}`` with parameters as indices
        (so it can be loaded into a fresh optimizer of the same model)."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: {k: (Tensor(v) if isinstance(v, np.ndarray) else v)
                                for k, v in s.items()}
                 for p, s in self._state_items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def _state_items(self) -> Iterable[tuple[Tensor, dict[str, Any]]]:
        return self.state.items()  # keyed by the parameter itself (identity hash)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and per-parameter state saved by ``state_dict``.

        All or nothing: every entry is checked and converted first, so a failure names
        the entry at fault and leaves the optimizer exactly as it was.
        """
        groups = self._checked_groups(state_dict)
        by_index: dict[int, Tensor] = {}
        for saved, own in zip(groups, self.param_groups):
            by_index.update(zip(saved["params"], own["params"]))
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, entries in state_dict["state"].items():
            p = by_index.get(int(key)) if str(key).isdecimal() else None
            if p is None or not isinstance(entries, dict):
                raise ValueError(f"load_state_dict: state[{key!r}] is not the state of one of "
                                 f"this optimizer's {len(by_index)} parameters")
            new_state[p] = {k: _state_value(v, p, f"state[{key}][{k!r}]")
                            for k, v in entries.items()}
        for saved, own in zip(groups, self.param_groups):
            own.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
        self.state = new_state

    def _checked_groups(self, state_dict: Any) -> list[dict[str, Any]]:
        """``state_dict['param_groups']`` after checking that it fits this optimizer."""
        groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        if not isinstance(groups, list) or not isinstance(state_dict.get("state"), dict):
            raise ValueError("load_state_dict: expected a dict with 'state' and "
                             "'param_groups' (from Optimizer.state_dict())")
        if len(groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict: the checkpoint has {len(groups)} parameter "
                             f"groups, this optimizer {len(self.param_groups)}")
        for i, (saved, own) in enumerate(zip(groups, self.param_groups)):
            params = saved.get("params") if isinstance(saved, dict) else None
            if not isinstance(params, list) or len(params) != len(own["params"]):
                raise ValueError(f"load_state_dict: param_groups[{i}] has "
                                 f"{len(params) if isinstance(params, list) else 'no'} "
                                 f"parameters in the checkpoint but {len(own['params'])} here")
            try:
                self._validate({**own, **saved, "params": own["params"]})
            except (TypeError, ValueError) as err:
                raise ValueError(f"load_state_dict: param_groups[{i}]: {err}") from err
        return groups

    def _scratch(self, like: np.ndarray, slot: int = 0) -> np.ndarray:
        """A work array of ``like``'s shape and dtype for ``out=`` arguments, reused across
        parameters and steps (one buffer per dtype and slot, viewed per shape), so an
        update allocates nothing."""
        key = (like.shape, like.dtype.num, slot)
        view = self._scratch_views.get(key)
        if view is None:
            flat_key = (like.dtype.num, slot)
            flat = self._scratch_buffers.get(flat_key)
            if flat is None or flat.size < like.size:
                flat = self._scratch_buffers[flat_key] = np.empty(like.size, like.dtype)
                self._scratch_views.clear()  # views of the old buffer: drop them
            view = self._scratch_views[key] = flat[:like.size].reshape(like.shape)
        return view

    def _param_state(self, p: Tensor) -> dict[str, Any]:
        return self.state.setdefault(p, {})

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"

