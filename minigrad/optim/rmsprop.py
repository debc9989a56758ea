"""RMSprop (Hinton's lecture 6e), with torch's update rule: centered, momentum, decay."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import write_in_place
from .optimizer import Optimizer, lerp

if TYPE_CHECKING:
    from .optimizer import Params


class RMSprop(Optimizer):
    """torch's RMSprop, in place on each parameter's array:

    g = grad (+ weight_decay * p);   v = alpha v + (1 - alpha) g^2
    centered: m = lerp(m, g, 1 - alpha), avg = sqrt(v - m^2) + eps; else avg = sqrt(v) + eps
    momentum > 0: buf = momentum buf + g / avg, p -= lr buf;  else p -= lr g / avg

    >>> import minigrad as mg
    >>> w = mg.tensor([1.0], requires_grad=True)
    >>> opt = mg.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 4)  # the first step is lr / sqrt(1 - alpha) in size
    0.9
    """

    def __init__(self, params: Params, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      maximize=maximize))

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        self._check(group["eps"], "epsilon value")
        self._check(group["momentum"], "momentum value")
        self._check(group["alpha"], "alpha value")

    def step(self) -> None:
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            weight_decay, momentum = group["weight_decay"], group["momentum"]
            for p, g in self._params_with_grad(group):
                state = self._param_state(p)
                if not state:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(p.array)
                    if momentum > 0:
                        state["momentum_buffer"] = np.zeros_like(p.array)
                    if group["centered"]:
                        state["grad_avg"] = np.zeros_like(p.array)
                state["step"] += 1
                if group["maximize"]:
                    g = np.negative(g, out=self._scratch(g, 0))
                work = self._scratch(g, 1)
                if weight_decay:  # g + weight_decay * p
                    g = np.add(g, np.multiply(p.array, weight_decay, out=work),
                               out=self._scratch(g, 0))
                v = state["square_avg"]
                v *= alpha
                v += np.multiply(np.multiply(g, 1 - alpha, out=work), g, out=work)
                avg = self._scratch(g, 2)
                if group["centered"]:
                    m = lerp(state["grad_avg"], g, 1 - alpha, work)
                    np.subtract(v, np.multiply(m, m, out=work), out=avg)  # v - m^2
                    np.sqrt(avg, out=avg)
                else:
                    np.sqrt(v, out=avg)
                avg += eps
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    buf *= momentum
                    buf += np.divide(g, avg, out=work)
                    write_in_place(p, np.multiply(buf, lr, out=work), np.subtract)
                else:  # p += (-lr * g) / avg
                    step = np.divide(np.multiply(g, -lr, out=work), avg, out=work)
                    write_in_place(p, step, np.add)
