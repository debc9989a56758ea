"""Splitting a dataset into parts (train / validation / test), at random or per class."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..random import default_generator
from .dataset import Subset, _targets_of

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .dataset import Samples

__all__ = ["random_split", "stratified_split", "train_val_test_split"]


def _rng(seed: int | None, generator: np.random.Generator | None) -> np.random.Generator:
    if seed is not None and generator is not None:
        raise ValueError("give either seed or generator, not both")
    if seed is not None:
        return np.random.default_rng(seed)
    return generator if generator is not None else default_generator()


def _part_sizes(n: int, lengths: Sequence[float], who: str) -> list[int]:
    """Sizes of the parts: ints that sum to ``n``, or fractions that sum to 1 (each part
    gets ``floor(n * f)`` and the remainder goes one by one to the first parts, as torch)."""
    lengths = list(lengths)
    if not lengths:
        raise ValueError(f"{who}: lengths is empty")
    if any(isinstance(x, bool) or not isinstance(x, int | float | np.integer | np.floating)
           for x in lengths):
        raise TypeError(f"{who}: lengths must be ints or fractions, got {lengths}")
    if any(x < 0 for x in lengths):
        raise ValueError(f"{who}: lengths must not be negative, got {lengths}")
    if all(isinstance(x, int | np.integer) for x in lengths):
        if sum(lengths) != n:
            raise ValueError(f"{who}: lengths {lengths} sum to {sum(lengths)}, but the "
                             f"dataset has {n} samples (or give fractions summing to 1)")
        return [int(x) for x in lengths]
    if not math.isclose(sum(lengths), 1.0, abs_tol=1e-6):
        raise ValueError(f"{who}: fractions {lengths} sum to {sum(lengths):g}, not 1 "
                         f"(or give ints summing to the dataset size {n})")
    sizes = [math.floor(n * f) for f in lengths]
    for k in range(n - sum(sizes)):
        sizes[k % len(sizes)] += 1
    return sizes


def random_split(dataset: Samples, lengths: Sequence[float], seed: int | None = None,
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping :class:`Subset` s of the given
    ``lengths`` (ints summing to ``len(dataset)``, or fractions summing to 1).

    Draws from ``np.random.default_rng(seed)``, else ``generator``, else minigrad's
    generator (``mg.manual_seed``).

    >>> import numpy as np
    >>> from minigrad.data import TensorDataset, random_split
    >>> train, val, test = random_split(TensorDataset(np.arange(10)), [0.8, 0.1, 0.1], seed=0)
    >>> len(train), len(val), len(test)
    (8, 1, 1)
    """
    n = len(dataset)
    sizes = _part_sizes(n, lengths, "random_split")
    order = _rng(seed, generator).permutation(n)
    bounds = np.cumsum([0, *sizes])
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def stratified_split(dataset: Samples, lengths: Sequence[float], labels: ArrayLike | None = None,
                     seed: int | None = None,
                     generator: np.random.Generator | None = None) -> list[Subset]:
    """As :func:`random_split`, but each part gets each class in the same proportion as
    the whole (rounded to whole samples), so a rare class is not left out of a part.

    ``labels`` defaults to ``dataset.targets`` (or a TensorDataset's last array).

    >>> import numpy as np
    >>> from minigrad.data import TensorDataset, stratified_split
    >>> ds = TensorDataset(np.zeros(20), np.array([0] * 10 + [1] * 10))
    >>> train, test = stratified_split(ds, [0.8, 0.2], seed=0)
    >>> np.bincount(test.targets).tolist()
    [2, 2]
    """
    n = len(dataset)
    sizes = _part_sizes(n, lengths, "stratified_split")
    if labels is None:
        try:
            labels = _targets_of(dataset)
        except AttributeError as err:
            raise ValueError(f"stratified_split: {type(dataset).__name__} has no targets; "
                             "pass labels=") from err
    labels = np.asarray(getattr(labels, "data", labels))
    if labels.shape != (n,):
        raise ValueError(f"stratified_split: labels must have shape ({n},), got "
                         f"{labels.shape}")
    rng = _rng(seed, generator)
    _, cls = np.unique(labels, return_inverse=True)
    n_classes = int(cls.max()) + 1 if n else 0
    pools = [rng.permutation(np.flatnonzero(cls == c)) for c in range(n_classes)]
    left = np.array([len(p) for p in pools], dtype=np.int64)
    taken = np.zeros(n_classes, dtype=np.int64)
    parts = []
    for size in sizes:
        # Share this part among the classes in proportion to what is left of each
        # (largest remainder, exact integer arithmetic, ties broken at random): the last
        # part takes exactly what is left, every earlier one is off by under a sample.
        total = int(left.sum())
        quota, rest = divmod(size * left, max(total, 1))
        extra = size - int(quota.sum())
        quota[np.lexsort((rng.random(n_classes), -rest))[:extra]] += 1
        idx = np.concatenate([np.zeros(0, np.int64)] + [
            pools[c][taken[c]:taken[c] + quota[c]] for c in range(n_classes)])
        taken += quota
        left -= quota
        parts.append(Subset(dataset, rng.permutation(idx)))
    return parts


def train_val_test_split(dataset: Samples, val: float = 0.1, test: float = 0.1,
                         stratify: bool = True,
                         seed: int | None = None) -> tuple[Subset, Subset, Subset]:
    """``(train, val, test)`` subsets with fractions ``1 - val - test``, ``val``, ``test``;
    per class (:func:`stratified_split`) when ``stratify`` and the dataset has targets.

    >>> import numpy as np
    >>> from minigrad.data import TensorDataset, train_val_test_split
    >>> ds = TensorDataset(np.zeros(100), np.arange(100) % 10)
    >>> [len(p) for p in train_val_test_split(ds, val=0.1, test=0.2, seed=0)]
    [70, 10, 20]
    """
    if not (0 <= val < 1 and 0 <= test < 1 and val + test < 1):
        raise ValueError(f"train_val_test_split: val={val} and test={test} must be "
                         "fractions in [0, 1) leaving some data to train on")
    fractions = [1 - val - test, val, test]
    if stratify:
        train, v, t = stratified_split(dataset, fractions, seed=seed)
    else:
        train, v, t = random_split(dataset, fractions, seed=seed)
    return train, v, t
