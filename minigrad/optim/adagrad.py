"""Adagrad (Duchi et al.), with torch's update rule and learning-rate decay."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import write_in_place
from .optimizer import Optimizer

if TYPE_CHECKING:
    from .optimizer import Params


class Adagrad(Optimizer):
    """torch's Adagrad, in place on each parameter's array:

    g = grad (+ weight_decay * p);   clr = lr / (1 + (t - 1) lr_decay)
    sum += g^2;   p -= clr g / (sqrt(sum) + eps)

    As torch, the state (``step``, and ``sum`` filled with ``initial_accumulator_value``)
    exists from construction.

    >>> import minigrad as mg
    >>> w = mg.tensor([1.0], requires_grad=True)
    >>> opt = mg.optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 4)  # the first step is lr in size
    0.9
    """

    def __init__(self, params: Params, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = {"step": 0, "sum": np.full_like(
                    p.array, group["initial_accumulator_value"])}

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        self._check(group["lr_decay"], "lr_decay value")
        self._check(group["eps"], "epsilon value")
        self._check(group["initial_accumulator_value"], "initial_accumulator_value")

    def step(self) -> None:
        for group in self.param_groups:
            lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
            weight_decay = group["weight_decay"]
            for p, g in self._params_with_grad(group):
                state = self._param_state(p)
                if not state:  # a group added later
                    state.update(step=0, sum=np.full_like(p.array,
                                                          group["initial_accumulator_value"]))
                state["step"] += 1
                if group["maximize"]:
                    g = np.negative(g, out=self._scratch(g, 0))
                work, std = self._scratch(g, 1), self._scratch(g, 2)
                if weight_decay:  # g + weight_decay * p
                    g = np.add(g, np.multiply(p.array, weight_decay, out=work),
                               out=self._scratch(g, 0))
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                state["sum"] += np.multiply(g, g, out=work)
                np.sqrt(state["sum"], out=std)
                std += eps
                step = np.divide(np.multiply(g, -clr, out=work), std, out=work)
                write_in_place(p, step, np.add)  # p += (-clr * g) / std
