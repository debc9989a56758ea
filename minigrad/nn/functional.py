"""``minigrad.nn.functional``: layers and losses as functions (``import ... as F``).

Losses take ``reduction='mean' | 'sum' | 'none'`` as torch. Values and gradients match
PyTorch's for the same inputs.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import Tensor, _wrap
from ..ops import fused
from ..ops._util import array_of
from ..ops.conv import conv1d, conv2d
from ..ops.elementwise import where
from ..ops.normalization import batch_norm as _batch_norm
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from ..ops.softmax import log_softmax, softmax
from ..random import default_generator

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax",
           "dropout", "one_hot", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "batch_norm", "dropout2d", "smooth_l1_loss", "huber_loss", "conv1d", "conv2d",
           "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]

_REDUCTIONS = ("mean", "sum", "none")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: (..., in) x (out, in) -> (..., out), one fused op."""
    return fused.FusedLinear.apply(input, weight, bias)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); ``inplace=True`` overwrites ``input`` (``Tensor.relu_``), as torch."""
    return input.relu_() if inplace else input.relu()


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return input.leaky_relu(negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (training
    only); draws from ``mg.manual_seed``'s generator."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0
    keep = default_generator().random(input.shape) >= p
    return input * (keep * (1 / (1 - p))).astype(input.dtype)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels: each ``input[n, c]`` (a feature map) with probability ``p``,
    the rest scaled by 1/(1-p) (training only), for (N, C, H, W) input.

    As torch 2.13, a 3-D input is taken as (N, C, L) with a warning (torch means to
    read it as (C, H, W) one day), and other dims than 3 or 4 work with a warning.

    >>> import minigrad as mg
    >>> import minigrad.nn.functional as F
    >>> y = F.dropout2d(mg.ones(2, 8, 3, 3), p=0.5)
    >>> maps = y.numpy().reshape(16, 9)            # one row per feature map y[n, c]
    >>> bool((maps.min(axis=1) == maps.max(axis=1)).all())   # each zeroed or kept whole
    True
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout2d: p must be in [0, 1], got {p}")
    if input.ndim < 2:
        raise ValueError(f"dropout2d: input must have a channel dim (N, C, ...), got shape "
                         f"{input.shape}")
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: received a {input.ndim}-D input; dropout2d is for (N, C, "
                      "H, W) feature maps (torch deprecates other dims: use dropout)",
                      stacklevel=2)
    elif input.ndim == 3:
        warnings.warn("dropout2d: received a 3-D input and, as torch 2.13, takes it as (N, C, "
                      "L), zeroing input[n, c, :]; torch will read it as (C, H, W) in a future "
                      "release (use dropout1d-style code or add the batch dim)", stacklevel=2)
    if not training or p == 0:
        return input
    mask_shape = input.shape[:2] + (1,) * (input.ndim - 2)
    keep = default_generator().random(mask_shape) >= p
    scale = (keep * (1 / (1 - p)) if p < 1 else np.zeros(mask_shape)).astype(input.dtype)
    return input.mul_(scale) if inplace else input * scale


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) of ``input`` (N, C, *) to zero mean and unit
    variance, then scale by ``weight`` and shift by ``bias`` ((C,) each, optional).

    ``training=True``: with the batch's mean and biased variance, and ``running_mean`` /
    ``running_var`` (if given) updated in place: ``(1 - momentum) * running + momentum *
    batch``, with the unbiased batch variance. ``training=False``: with the running
    statistics. As ``torch.nn.functional.batch_norm``.

    >>> import minigrad as mg
    >>> import minigrad.nn.functional as F
    >>> mean, var = mg.zeros(2), mg.ones(2)
    >>> x = mg.tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> F.batch_norm(x, mean, var, training=True).numpy().round(3)
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> mean.numpy(), var.numpy()                  # 0.9 * old + 0.1 * batch
    (array([0.2, 2. ], dtype=float32), array([ 1.1, 20.9], dtype=float32))
    """
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                       eps)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (any shape, int) -> one-hot rows of int64, shape (..., num_classes)."""
    idx = np.asarray(array_of(tensor))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: needs integer class indices, got {idx.dtype}")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        bad = idx[(idx < 0) | (idx >= num_classes)].flat[0]
        raise ValueError(f"one_hot: class index {bad} is out of range for {num_classes} "
                         "classes")
    return _wrap(np.eye(num_classes, dtype=np.int64)[idx])


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _class_indices(target: Any, n_classes: int, op: str) -> np.ndarray:
    idx = target if type(target) is np.ndarray else np.asarray(array_of(target))
    kind = idx.dtype.kind
    if kind not in "iu":
        raise TypeError(f"{op}: class-index targets must be integers, got {idx.dtype} (pass "
                        "class probabilities as a float tensor of the logits' shape instead)")
    # One reduction checks both ends: seen as unsigned, a negative index is huge.
    as_unsigned = idx.view(_UNSIGNED[idx.itemsize]) if kind == "i" else idx
    if idx.size and np.maximum.reduce(as_unsigned, axis=None) >= n_classes:
        bad = idx[(idx < 0) | (idx >= n_classes)].flat[0]
        raise IndexError(f"{op}: target class {bad} is out of range; valid classes are "
                         f"0..{n_classes - 1} (the logits have {n_classes} columns)")
    return idx


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def cross_entropy(input: Tensor, target: Tensor | ArrayLike, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits, fused and stable (logits of +-1000 are fine).

    ``input``: logits (N, C), (C,) or (N, C, d1, ...). ``target``: class indices (N,) /
    () / (N, d1, ...) as int, or class probabilities with the logits' shape.
    ``label_smoothing`` mixes the target with the uniform distribution, as torch.

    >>> import minigrad as mg
    >>> import minigrad.nn.functional as F
    >>> round(F.cross_entropy(mg.zeros(4, 10), mg.tensor([1, 2, 3, 4])).item(), 4)  # ln 10
    2.3026
    """
    # The checks stay inline: this runs every training step.
    if reduction not in _REDUCTIONS:
        _check_reduction(reduction, "cross_entropy")
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    x = input.array
    if x.ndim == 0:
        raise ValueError("cross_entropy: input must have a class dimension, got a 0-d tensor")
    if x.dtype.kind != "f":
        raise TypeError(f"cross_entropy: logits must be floating, got {input.dtype}")
    n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    t = target.array if isinstance(target, Tensor) else np.asarray(target)
    is_index = t.dtype.kind in "iu"
    if is_index and x.ndim == 2 and not label_smoothing:  # the common case, (N, C) and (N,)
        idx = _index_target(t, n_classes, input.shape, expected=x.shape[:1])
        return fused.SoftmaxCrossEntropy.apply(input, idx, reduction)
    return _cross_entropy_rows(input, target, is_index, n_classes, reduction, label_smoothing)


def _index_target(target: Any, n_classes: int, shape: tuple[int, ...],
                  expected: tuple[int, ...]) -> np.ndarray:
    """Class indices for logits of ``shape``, checked to be in range and of ``expected``
    shape."""
    idx = _class_indices(target, n_classes, "cross_entropy")
    if idx.shape != expected:
        raise ValueError(f"cross_entropy: target of shape {idx.shape} does not match "
                         f"logits of shape {shape}; expected {expected}")
    return idx


def _cross_entropy_rows(input: Tensor, target: Any, is_index: bool, n_classes: int,
                        reduction: str, label_smoothing: float) -> Tensor:
    """Every other layout: logits and target brought to rows of C classes, one fused op."""
    logits = _class_rows(input, n_classes)
    if is_index:
        q = _index_rows(input, target, n_classes, label_smoothing)
    else:
        q = _probability_rows(input, target, n_classes)
    if label_smoothing:
        q = q * (1 - label_smoothing) + label_smoothing / n_classes
    loss = fused.SoftmaxCrossEntropy.apply(logits, q, reduction)
    if reduction == "none":  # back to the target's layout, (N, d1, ...) or ()
        loss = loss.reshape(input.shape[:1] + input.shape[2:] if input.ndim > 1 else ())
    return loss


def _class_rows(logits: Tensor, n_classes: int) -> Tensor:
    """(C,), (N, C) or (N, C, d1, ...) -> (rows, C): class dim last, the rest flattened."""
    if logits.ndim == 1:
        return logits.unsqueeze(0)
    if logits.ndim > 2:
        return logits.permute(0, *range(2, logits.ndim), 1).reshape(-1, n_classes)
    return logits


def _index_rows(input: Tensor, target: Any, n_classes: int,
                label_smoothing: float) -> np.ndarray:
    """Class indices, one per row (rows,); one-hot rows (rows, C) when smoothing."""
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    idx = _index_target(target, n_classes, input.shape, expected)
    q = idx.reshape(-1) if idx.ndim != 1 else idx
    if label_smoothing:  # smoothing needs the full distribution
        q = np.eye(n_classes, dtype=input.dtype)[q]
    return q


def _probability_rows(input: Tensor, target: Any, n_classes: int) -> Tensor:
    """A distribution per row (rows, C), from a target of the logits' shape."""
    q = target if isinstance(target, Tensor) else Tensor(target, dtype=input.dtype)
    if q.shape != input.shape:
        raise ValueError(f"cross_entropy: probability target of shape {q.shape} must "
                         f"have the logits' shape {input.shape}")
    q = q.unsqueeze(0) if input.ndim == 1 else q
    if input.ndim > 2:
        q = q.permute(0, *range(2, q.ndim), 1)
    return q.reshape(-1, n_classes)


def nll_loss(input: Tensor, target: Tensor | ArrayLike, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (N, C) at class ``target``."""
    _check_reduction(reduction, "nll_loss")
    if input.ndim != 2:
        raise ValueError(f"nll_loss: input must be (N, C) log-probabilities, got shape "
                         f"{input.shape}")
    idx = _class_indices(target, input.shape[1], "nll_loss")
    if idx.shape != input.shape[:1]:
        raise ValueError(f"nll_loss: target of shape {idx.shape} does not match input of "
                         f"shape {input.shape}; expected ({input.shape[0]},)")
    return fused.reduce_loss(-input[np.arange(input.shape[0]), idx], reduction)


def _same_shape(input: Tensor, target: Any, op: str) -> Tensor:
    shape = np.shape(array_of(target))
    if shape != input.shape:
        raise ValueError(f"{op}: input shape {input.shape} and target shape {shape} differ; "
                         "broadcasting them would silently compare every pair. Reshape one "
                         "(e.g. target.reshape(input.shape)).")
    return target if isinstance(target, Tensor) else Tensor(target, dtype=input.dtype)


def mse_loss(input: Tensor, target: Tensor | ArrayLike, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target) ** 2``; shapes must match."""
    _check_reduction(reduction, "mse_loss")
    diff = input - _same_shape(input, target, "mse_loss")
    return fused.reduce_loss(diff * diff, reduction)


def l1_loss(input: Tensor, target: Tensor | ArrayLike, reduction: str = "mean") -> Tensor:
    """Mean absolute error ``|input - target|``; shapes must match."""
    _check_reduction(reduction, "l1_loss")
    return fused.reduce_loss((input - _same_shape(input, target, "l1_loss")).abs(), reduction)


def smooth_l1_loss(input: Tensor, target: Tensor | ArrayLike, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = input - target),
    as torch; ``beta=0`` is ``l1_loss``. Shapes must match.

    >>> import minigrad as mg
    >>> import minigrad.nn.functional as F
    >>> F.smooth_l1_loss(mg.tensor([0.5, 3.0]), mg.tensor([0.0, 0.0]), reduction="none")
    tensor([0.1250, 2.5000])
    """
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    d = input - _same_shape(input, target, "smooth_l1_loss")
    size = d.abs()
    pointwise = where(size < beta, d * d * (0.5 / beta), size - 0.5 * beta)
    return fused.reduce_loss(pointwise, reduction)


def huber_loss(input: Tensor, target: Tensor | ArrayLike, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """``0.5 d**2`` where ``|d| <= delta``, else ``delta (|d| - 0.5 delta)``: smooth L1
    scaled by ``delta`` (torch's ``huber_loss``). Shapes must match; ``delta > 0``."""
    _check_reduction(reduction, "huber_loss")
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    d = input - _same_shape(input, target, "huber_loss")
    size = d.abs()
    pointwise = where(size <= delta, d * d * 0.5, size * delta - 0.5 * delta * delta)
    return fused.reduce_loss(pointwise, reduction)


def binary_cross_entropy(input: Tensor, target: Tensor | ArrayLike,
                         reduction: str = "mean") -> Tensor:
    """BCE of probabilities ``input`` in [0, 1]; logs clamped at -100 (so 0 and 1 are
    finite), as torch. Prefer ``binary_cross_entropy_with_logits`` on raw scores."""
    _check_reduction(reduction, "binary_cross_entropy")
    target = _same_shape(input, target, "binary_cross_entropy")
    if input.array.size and (input.array.min() < 0 or input.array.max() > 1):
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1] (got "
                         f"values from {input.array.min():.4g} to {input.array.max():.4g}); "
                         "apply sigmoid first or use binary_cross_entropy_with_logits")
    return fused.BinaryCrossEntropy.apply(input, target, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor | ArrayLike,
                                     reduction: str = "mean",
                                     pos_weight: Tensor | ArrayLike | None = None) -> Tensor:
    """BCE of ``sigmoid(input)`` computed from logits, stable for any magnitude."""
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    target = _same_shape(input, target, "binary_cross_entropy_with_logits")
    if pos_weight is not None and not isinstance(pos_weight, Tensor):
        pos_weight = Tensor(pos_weight, dtype=input.dtype)
    return fused.BinaryCrossEntropyWithLogits.apply(input, target, pos_weight, reduction)


def kl_div(input: Tensor, target: Tensor | ArrayLike, reduction: str = "batchmean",
           log_target: bool = False) -> Tensor:
    """KL(target || model) from log-probabilities ``input``: sum target (log target - input).

    ``reduction='batchmean'`` divides the sum by the batch size (the true KL divergence
    per sample); ``'mean'`` averages over every element, as torch.
    """
    if reduction not in (*_REDUCTIONS, "batchmean"):
        raise ValueError(f"kl_div: reduction must be 'batchmean', 'mean', 'sum' or 'none', "
                         f"got {reduction!r}")
    target = _same_shape(input, target, "kl_div")
    if log_target:
        pointwise = target.exp() * (target - input)
    else:
        # target * log(target), with 0 log 0 = 0 (torch's xlogy)
        t = target.array
        if target.requires_grad:
            xlogx = target * target.clamp(min=float(np.finfo(t.dtype).tiny)).log()
        else:
            xlogx = np.where(t > 0, t * np.log(np.where(t > 0, t, 1)), 0).astype(t.dtype)
        pointwise = xlogx - target * input
    if reduction == "batchmean":
        return pointwise.sum() / (input.shape[0] if input.ndim else 1)
    return fused.reduce_loss(pointwise, reduction)
