"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import write_in_place
from .optimizer import Optimizer

if TYPE_CHECKING:
    from .optimizer import Params


class SGD(Optimizer):
    """torch's SGD update, in place on each parameter's array:

    g = grad + weight_decay * p
    buf = g (first step), else momentum * buf + (1 - dampening) * g
    g = g + momentum * buf (nesterov) or buf (momentum > 0)
    p -= lr * g

    >>> import minigrad as mg
    >>> w = mg.tensor([1.0], requires_grad=True)
    >>> opt = mg.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); opt.zero_grad()
    >>> w
    tensor([0.8000], requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        self._check(group["momentum"], "momentum value")
        self._check(group["dampening"], "dampening value", -math.inf)  # any number but nan
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov=True requires a momentum and zero dampening "
                             f"(got momentum={group['momentum']}, "
                             f"dampening={group['dampening']})")

    def step(self) -> None:
        # Temporaries go to the optimizer's scratch arrays (out=), so a step allocates
        # nothing but the momentum buffers of the first step; the arithmetic is torch's,
        # operation for operation.
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                d = p.grad.array
                if maximize:
                    d = np.negative(d, out=self._scratch(d, 0))
                if weight_decay:  # d + weight_decay * p
                    decay = np.multiply(p.array, weight_decay, out=self._scratch(d, 1))
                    d = np.add(d, decay, out=self._scratch(d, 0))
                if momentum:
                    state = self._param_state(p)
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = np.array(d, copy=True)
                    else:
                        buf *= momentum
                        if dampening:
                            buf += np.multiply(d, 1 - dampening, out=self._scratch(d, 1))
                        else:
                            buf += d
                    if nesterov:  # d + momentum * buf
                        ahead = np.multiply(buf, momentum, out=self._scratch(d, 1))
                        d = np.add(d, ahead, out=ahead)
                    else:
                        d = buf
                write_in_place(p, np.multiply(d, lr, out=self._scratch(d, 1)), np.subtract)
