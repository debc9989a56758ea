"""Classification metrics: accuracy, confusion matrix, per-class accuracy and a report.

Every function takes predictions and targets as Tensors, numpy arrays or lists.
Predictions may be labels (N,) or scores (N, C) (logits or probabilities: the argmax
over the last dim is taken). A 95% average can hide a class at 0%, so look at
:func:`per_class_accuracy` or :func:`classification_report` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._tensor import Tensor

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["accuracy", "confusion_matrix", "per_class_accuracy", "classification_report"]


def _array(x: Any) -> np.ndarray:
    return np.asarray(x.array if isinstance(x, Tensor) else x)


def _labels(x: Any, who: str, what: str) -> np.ndarray:
    """Integer labels (N,) from labels or from scores (N, C)."""
    arr = _array(x)
    if arr.ndim >= 2:
        return arr.argmax(axis=-1).reshape(-1)
    if arr.ndim == 0:
        raise ValueError(f"{who}: {what} must be labels (N,) or scores (N, C), got a scalar")
    if arr.dtype.kind == "f" and arr.size and not np.all(arr == np.round(arr)):
        raise TypeError(f"{who}: {what} are non-integer floats of shape {arr.shape}; pass "
                        "integer labels (N,) or scores (N, C)")
    if arr.dtype.kind not in "iuf" and arr.size:
        raise TypeError(f"{who}: {what} must be numbers, got {arr.dtype}")
    return arr.astype(np.int64)


def _pair(pred: Any, target: Any, who: str) -> tuple[np.ndarray, np.ndarray]:
    p, t = _labels(pred, who, "predictions"), _labels(target, who, "targets")
    if p.shape != t.shape:
        raise ValueError(f"{who}: {p.size} predictions but {t.size} targets")
    return p, t


def _num_classes(pred: Any, p: np.ndarray, t: np.ndarray, num_classes: int | None,
                 who: str) -> int:
    if num_classes is None:
        scores = _array(pred)
        found = int(max(p.max(initial=-1), t.max(initial=-1))) + 1
        num_classes = max(found, scores.shape[-1] if scores.ndim >= 2 else 0)
    if num_classes < 1:
        raise ValueError(f"{who}: num_classes must be at least 1, got {num_classes}")
    for name, arr in (("prediction", p), ("target", t)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            bad = arr[(arr < 0) | (arr >= num_classes)][0]
            raise ValueError(f"{who}: {name} label {bad} is out of range for "
                             f"{num_classes} classes")
    return int(num_classes)


def accuracy(pred: Tensor | ArrayLike, target: Tensor | ArrayLike) -> float:
    """Fraction of predictions equal to the targets.

    >>> from minigrad.metrics import accuracy
    >>> accuracy([[0.1, 2.0], [3.0, 0.5], [0.2, 0.1]], [1, 0, 1])  # logits: argmax 1, 0, 0
    0.6666666666666666
    """
    p, t = _pair(pred, target, "accuracy")
    if p.size == 0:
        raise ValueError("accuracy: no predictions")
    return float(np.mean(p == t))


def confusion_matrix(pred: Tensor | ArrayLike, target: Tensor | ArrayLike,
                     num_classes: int | None = None) -> np.ndarray:
    """Counts ``m[i, j]`` of samples of true class ``i`` predicted as ``j`` (rows = true,
    columns = predicted, as ``sklearn.metrics.confusion_matrix(target, pred)``; note the
    argument order here is ``(pred, target)``, as in the other functions).

    >>> from minigrad.metrics import confusion_matrix
    >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], num_classes=3)
    array([[1, 0, 0],
           [0, 1, 0],
           [0, 1, 1]])
    """
    p, t = _pair(pred, target, "confusion_matrix")
    c = _num_classes(pred, p, t, num_classes, "confusion_matrix")
    return np.bincount(t * c + p, minlength=c * c).reshape(c, c).astype(np.int64)


def per_class_accuracy(pred: Tensor | ArrayLike, target: Tensor | ArrayLike,
                       num_classes: int | None = None) -> np.ndarray:
    """For each true class, the fraction of its samples predicted right (its recall);
    NaN for a class with no samples.

    >>> from minigrad.metrics import per_class_accuracy
    >>> per_class_accuracy([0, 0, 1, 0], [0, 0, 1, 1]).tolist()
    [1.0, 0.5]
    """
    m = confusion_matrix(pred, target, num_classes)
    support = m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(m) / np.maximum(support, 1), np.nan)


def classification_report(pred: Tensor | ArrayLike, target: Tensor | ArrayLike,
                          class_names: Sequence[str] | None = None,
                          num_classes: int | None = None) -> str:
    """A printable report: overall accuracy, a per-class table (samples, correct,
    accuracy, most frequent wrong guess) with the worst class flagged, then the
    confusion matrix (rows = true class, columns = predicted).

    >>> from minigrad.metrics import classification_report
    >>> print(classification_report([0, 1, 1, 1], [0, 1, 1, 0], class_names=["cat", "dog"]))
    accuracy 75.00% (3 of 4)
    <BLANKLINE>
      class  name  samples  correct  accuracy  most often mistaken for
          0  cat         2        1    50.00%  dog (1)  <- worst
          1  dog         2        2   100.00%
    <BLANKLINE>
    confusion matrix (rows = true class, columns = predicted):
    true\\pred  0  1
            0  1  1
            1  0  2
    """
    if num_classes is None and class_names is not None:
        num_classes = len(class_names)
    m = confusion_matrix(pred, target, num_classes)
    c = len(m)
    names = [str(n) for n in class_names] if class_names is not None else [str(k) for k in
                                                                          range(c)]
    if len(names) != c:
        raise ValueError(f"classification_report: {len(names)} class names for {c} classes")
    support, correct = m.sum(axis=1), np.diag(m)
    total = int(support.sum())
    if total == 0:
        raise ValueError("classification_report: no predictions")
    acc = per_class_accuracy(pred, target, c)
    worst = int(np.nanargmin(acc)) if np.any(support > 0) else -1

    width = max(4, *(len(n) for n in names))
    lines = [f"accuracy {correct.sum() / total:.2%} ({int(correct.sum())} of {total})", "",
             f"  class  {'name':<{width}}  samples  correct  accuracy  "
             "most often mistaken for"]
    for k in range(c):
        wrong = m[k].copy()
        wrong[k] = 0
        mistake = f"{names[int(wrong.argmax())]} ({int(wrong.max())})" if wrong.any() else ""
        pct = f"{acc[k]:.2%}" if support[k] else "-"
        row = (f"  {k:>5}  {names[k]:<{width}}  {support[k]:>7}  {correct[k]:>7}  "
               f"{pct:>8}  {mistake}")
        if k == worst and c > 1 and acc[k] < 1:
            row += "  <- worst"
        lines.append(row.rstrip())
    cell = max(len(str(int(m.max()))), len(str(c - 1)))
    lines += ["", "confusion matrix (rows = true class, columns = predicted):",
              "true\\pred  " + "  ".join(f"{j:>{cell}}" for j in range(c))]
    for k in range(c):
        lines.append(f"{k:>9}  " + "  ".join(f"{v:>{cell}}" for v in m[k]))
    return "\n".join(lines)
