"""Adam and AdamW, with torch's update rules (bias correction, amsgrad, weight decay)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import write_in_place
from .optimizer import Optimizer

if TYPE_CHECKING:
    from .optimizer import Params


class Adam(Optimizer):
    """Adam (Kingma & Ba), in place, exactly as torch computes it:

    g = grad (+ weight_decay * p, L2 penalty; AdamW decays the weights instead)
    m += (1 - beta1) (g - m);   v = beta2 v + (1 - beta2) g^2
    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    (with amsgrad, v is replaced by its running maximum).
    """

    _decoupled = False

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        self._check(group["eps"], "epsilon value")
        betas = group["betas"]
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"{type(self).__name__}: betas must be a pair (beta1, beta2), "
                             f"got {betas!r}")
        group["betas"] = tuple(betas)
        for i, b in enumerate(betas):
            self._check(b, f"beta parameter at index {i}", 0.0, 1.0)

    def step(self) -> None:
        # Temporaries go to scratch arrays (out=): a step allocates nothing after the
        # first; each operation is torch's, in torch's order.
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
            for p, g in self._params_with_grad(group):
                if group["maximize"]:
                    g = np.negative(g, out=self._scratch(g, 0))
                state = self._param_state(p)
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(p.array)
                    state["exp_avg_sq"] = np.zeros_like(p.array)
                    if amsgrad:
                        state["max_exp_avg_sq"] = np.zeros_like(p.array)
                work, work2 = self._scratch(g, 1), self._scratch(g, 2)
                if weight_decay:
                    if self._decoupled:
                        write_in_place(p, 1 - lr * weight_decay, np.multiply)
                    else:  # g + weight_decay * p
                        decay = np.multiply(p.array, weight_decay, out=work)
                        g = np.add(g, decay, out=self._scratch(g, 0))
                state["step"] += 1
                step = state["step"]
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m += np.multiply(np.subtract(g, m, out=work), 1 - beta1, out=work)
                v *= beta2
                v += np.multiply(np.multiply(g, 1 - beta2, out=work), g, out=work)
                if amsgrad:
                    np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
                    v = state["max_exp_avg_sq"]
                step_size = lr / (1 - beta1 ** step)
                denom = np.sqrt(v, out=work)  # sqrt(v) / sqrt(1 - beta2^t) + eps
                denom /= math.sqrt(1 - beta2 ** step)
                denom += eps
                update = np.divide(np.multiply(m, step_size, out=work2), denom, out=work2)
                write_in_place(p, update, np.subtract)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr * weight_decay
    before the Adam step; default weight_decay 0.01 as torch."""

    _decoupled = True

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
