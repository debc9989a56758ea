"""Batch normalisation layers: BatchNorm1d, BatchNorm2d, as torch's."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, write_in_place
from ..autograd.grad_mode import no_grad
from ..ops.normalization import batch_norm, check_batch_size
from . import init
from .module import Module
from .parameter import Parameter

if TYPE_CHECKING:
    from numpy.typing import DTypeLike


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ in the input dims they take.

    Training mode normalises each channel with the batch's mean and (biased) variance
    and moves ``running_mean`` / ``running_var`` towards them: ``running = (1 -
    momentum) * running + momentum * batch``, with the unbiased batch variance;
    ``momentum=None`` makes it the plain average over all batches so far
    (``1 / num_batches_tracked``). Eval mode uses the running statistics. With
    ``track_running_stats=False`` there are none (the buffers are None) and the batch's
    statistics are used in both modes. ``affine`` adds the learnable per-channel
    ``weight`` (ones) and ``bias`` (zeros). The state dict has torch's keys.
    """

    _expected_dims: tuple[int, ...] = ()
    num_features: int
    eps: float
    momentum: float | None
    affine: bool
    track_running_stats: bool
    weight: Parameter | None
    bias: Parameter | None
    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: DTypeLike | None = None, *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        if not isinstance(num_features, int | np.integer) or isinstance(num_features, bool) \
                or num_features <= 0:
            raise ValueError(f"{name}: num_features must be a positive int, got "
                             f"{num_features!r}")
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum}")
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dt = _dt.as_dtype(dtype) or _dt.default_float
        c = self.num_features
        self.register_parameter("weight", Parameter(np.empty(c, dt)) if affine else None)
        self.register_parameter("bias", Parameter(np.empty(c, dt)) if affine and bias
                                else None)
        stats = track_running_stats
        self.register_buffer("running_mean", Tensor(np.zeros(c, dt)) if stats else None)
        self.register_buffer("running_var", Tensor(np.ones(c, dt)) if stats else None)
        self.register_buffer("num_batches_tracked",
                             Tensor(np.array(0, np.int64)) if stats else None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.running_mean is None or self.running_var is None \
                or self.num_batches_tracked is None:
            return
        with no_grad():
            write_in_place(self.running_mean, 0)
            write_in_place(self.running_var, 1)
            write_in_place(self.num_batches_tracked, 0)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: input must be a Tensor, got "
                            f"{type(input).__name__}")
        if input.ndim not in self._expected_dims:
            wanted = " or ".join(f"{d}D" for d in self._expected_dims)
            raise ValueError(f"{type(self).__name__}: expected {wanted} input, got "
                             f"{input.ndim}D input of shape {input.shape}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected "
                             f"{self.num_features} channels (dim 1), got {input.shape[1]} "
                             f"in input of shape {input.shape}")

    def _momentum_now(self) -> float:
        """Count this training batch and return the weight it gets in the running
        statistics: ``momentum``, or 1 / batches so far when momentum is None."""
        tracked = self.num_batches_tracked
        if tracked is None:
            return 0.0 if self.momentum is None else self.momentum
        write_in_place(tracked, 1, np.add)
        if self.momentum is None:
            return 1.0 / int(tracked.array)
        return self.momentum

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        if self.training:  # before num_batches_tracked counts the batch
            check_batch_size(input, type(self).__name__)
        track = self.training and self.track_running_stats
        momentum = self._momentum_now() if track else (self.momentum or 0.0)
        use_batch_stats = self.training or self.running_mean is None
        keep = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if keep else None,
                          self.running_var if keep else None, self.weight, self.bias,
                          use_batch_stats, momentum, self.eps, op=type(self).__name__)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs over N (and L), per channel C.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> bn = nn.BatchNorm1d(3)
    >>> y = bn(mg.randn(8, 3) * 5 + 2)           # training: the batch's statistics
    >>> bool(y.mean(dim=0).abs().max() < 1e-6)    # each channel has mean 0 ...
    True
    >>> sorted(bn.state_dict())
    ['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight']
    """

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images over N, H and W, per channel C.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> bn = nn.BatchNorm2d(16)
    >>> bn(mg.randn(4, 16, 8, 8)).shape
    (4, 16, 8, 8)
    >>> bn.eval()(mg.randn(1, 16, 8, 8)).shape   # eval: the running statistics
    (1, 16, 8, 8)
    """

    _expected_dims = (4,)
