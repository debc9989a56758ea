"""Loss modules: thin wrappers over ``nn.functional`` that remember their options."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import functional as F
from .module import Module

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .._tensor import Tensor


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class MSELoss(_Loss):
    def forward(self, input: Tensor, target: Tensor | ArrayLike) -> Tensor:
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    def forward(self, input: Tensor, target: Tensor | ArrayLike) -> Tensor:
        return F.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """``F.smooth_l1_loss``: quadratic below ``beta``, linear above (beta=0: L1Loss)."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor | ArrayLike) -> Tensor:
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """``F.huber_loss``: quadratic up to ``delta``, then linear with slope ``delta``."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor | ArrayLike) -> Tensor:
        return F.huber_loss(input, target, self.reduction, self.delta)


class CrossEntropyLoss(_Loss):
    """Softmax + negative log-likelihood of logits, fused (see ``F.cross_entropy``)."""

    def __init__(self, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor | ArrayLike) -> Tensor:
        return F.cross_entropy(input, target, self.reduction, self.label_smoothing)


class NLLLoss(_Loss):
    def forward(self, input: Tensor, target: Tensor | ArrayLike) -> Tensor:
        return F.nll_loss(input, target, self.reduction)


class BCELoss(_Loss):
    def forward(self, input: Tensor, target: Tensor | ArrayLike) -> Tensor:
        return F.binary_cross_entropy(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    def __init__(self, reduction: str = "mean",
                 pos_weight: Tensor | ArrayLike | None = None) -> None:
        super().__init__(reduction)
        self.pos_weight = pos_weight

    def forward(self, input: Tensor, target: Tensor | ArrayLike) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.reduction,
                                                  self.pos_weight)


class KLDivLoss(_Loss):
    def __init__(self, reduction: str = "batchmean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor | ArrayLike) -> Tensor:
        return F.kl_div(input, target, self.reduction, self.log_target)
