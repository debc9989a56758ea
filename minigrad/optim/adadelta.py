"""Adadelta (Zeiler), with torch's update rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import write_in_place
from .optimizer import Optimizer

if TYPE_CHECKING:
    from .optimizer import Params


class Adadelta(Optimizer):
    """torch's Adadelta, in place on each parameter's array:

    g = grad (+ weight_decay * p);   v = rho v + (1 - rho) g^2
    delta = sqrt(u + eps) / sqrt(v + eps) * g;   u = rho u + (1 - rho) delta^2
    p -= lr delta

    >>> import minigrad as mg
    >>> w = mg.tensor([1.0], requires_grad=True)
    >>> opt = mg.optim.Adadelta([w])
    >>> (w * w).sum().backward(); opt.step()
    >>> w.item() < 1.0
    True
    """

    def __init__(self, params: Params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        self._check(group["eps"], "epsilon value")
        self._check(group["rho"], "rho value")
        if group["rho"] > 1:
            raise ValueError(f"Adadelta: invalid rho value: {group['rho']}; it must be in [0, 1]")

    def step(self) -> None:
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            weight_decay = group["weight_decay"]
            for p, g in self._params_with_grad(group):
                state = self._param_state(p)
                if not state:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(p.array)
                    state["acc_delta"] = np.zeros_like(p.array)
                state["step"] += 1
                if group["maximize"]:
                    g = np.negative(g, out=self._scratch(g, 0))
                work, std, delta = (self._scratch(g, i) for i in (1, 2, 3))
                if weight_decay:  # g + weight_decay * p
                    g = np.add(g, np.multiply(p.array, weight_decay, out=work),
                               out=self._scratch(g, 0))
                v, u = state["square_avg"], state["acc_delta"]
                v *= rho
                v += np.multiply(np.multiply(g, 1 - rho, out=work), g, out=work)
                np.sqrt(np.add(v, eps, out=std), out=std)
                np.sqrt(np.add(u, eps, out=delta), out=delta)
                delta /= std
                delta *= g
                u *= rho
                u += np.multiply(np.multiply(delta, 1 - rho, out=work), delta, out=work)
                write_in_place(p, np.multiply(delta, lr, out=work), np.subtract)
