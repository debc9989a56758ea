"""What the bundled datasets share: labelled images with a fast batch path."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import Tensor, _wrap
from ..data.dataset import Dataset, _check_index

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

__all__ = ["ClassificationDataset", "one_hot", "default_data_dir"]


def default_data_dir() -> Path:
    """Where datasets live when no ``root`` is given: ``$MINIGRAD_DATA`` if set, else
    pooch's per-user cache folder for minigrad (``~/.cache/minigrad`` on Linux).

    Each dataset uses a subfolder (``mnist``, ``fashion-mnist``).

    >>> from minigrad.datasets import default_data_dir
    >>> default_data_dir().name != ""
    True
    """
    env = os.environ.get("MINIGRAD_DATA")
    if env:
        return Path(env).expanduser()
    try:
        import pooch
    except ImportError:  # the same folder pooch would pick on Linux
        return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "minigrad"
    return Path(pooch.os_cache("minigrad"))


class ClassificationDataset(Dataset):
    """Images with integer labels: ``ds[i]`` is ``(image, label)``, the image a float32
    Tensor in [0, 1], the label an int.

    ``transform`` / ``target_transform`` (as torchvision's): when given, ``ds[i]`` is
    ``(transform(image), target_transform(label))`` where ``image`` is the stored image
    as a numpy array (uint8 (H, W) for MNIST: what torchvision's PIL image holds) and
    ``label`` the int; so ``transform=ToTensor()`` gives float32 (1, H, W) tensors in
    [0, 1], as torchvision does. A transform is applied sample by sample (a DataLoader
    then reads samples one by one); without one, batches take one fancy index.

    ``data`` is the stored array (uint8 0..255 for MNIST, already float32 in [0, 1] for
    digits), ``targets`` the int64 labels, ``classes`` the class names in label order.
    A :class:`~minigrad.data.DataLoader` over it yields ``(images, labels)`` batches of
    float32 (B, H, W) and int64 (B,) in one fancy index per batch.

    >>> import numpy as np
    >>> from minigrad.datasets import ClassificationDataset
    >>> ds = ClassificationDataset(np.full((2, 2, 2), 255, np.uint8), [0, 1], ["a", "b"])
    >>> image, label = ds[1]
    >>> float(image.numpy().max()), label, ds.classes[label]
    (1.0, 1, 'b')
    """

    def __init__(self, data: np.ndarray, targets: ArrayLike, classes: Iterable[str],
                 transform: Callable[[np.ndarray], Any] | None = None,
                 target_transform: Callable[[int], Any] | None = None) -> None:
        data = np.asarray(data)
        targets = np.asarray(targets, dtype=np.int64)
        if data.dtype != np.uint8 and data.dtype != np.float32:
            raise TypeError(f"{type(self).__name__}: images must be uint8 (0..255) or "
                            f"float32 (0..1), got {data.dtype}")
        if targets.shape != data.shape[:1]:
            raise ValueError(f"{type(self).__name__}: {data.shape[0]} images but labels of "
                             f"shape {targets.shape}")
        self.data = data
        self.targets = targets
        self.classes: list[str] = list(classes)
        self.transform = _check_callable(transform, "transform", self)
        self.target_transform = _check_callable(target_transform, "target_transform", self)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: k for k, name in enumerate(self.classes)}

    def _images(self, raw: np.ndarray) -> np.ndarray:
        if raw.dtype == np.uint8:
            return raw.astype(np.float32) * np.float32(1 / 255)
        return raw.copy()

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        i = _check_index(index, len(self), type(self).__name__)
        label: Any = int(self.targets[i])
        if self.transform is None:
            image: Any = _wrap(self._images(self.data[i]))
        else:  # a copy: a transform that writes into its input leaves the data alone
            image = self.transform(self.data[i].copy())
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    @property
    def get_batch(self) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None:
        """``indices -> (images, labels)``: float32 images (B, H, W) in [0, 1] and int64
        labels (B,) in one fancy index; None when a transform is set (transforms work on
        one sample at a time)."""
        if self.transform is None and self.target_transform is None:
            return self._get_batch
        return None

    def _get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._images(self.data[indices]), self.targets[indices]

    def as_arrays(self, flatten: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """All images as float32 in [0, 1] (shape (N, H, W), or (N, H*W) if ``flatten``)
        and all labels as int64 (N,): for full-batch training or evaluation (the
        transforms are not applied)."""
        images = self._images(self.data)
        return (images.reshape(len(images), -1) if flatten else images), self.targets.copy()

    def __repr__(self) -> str:
        shape = "x".join(map(str, self.data.shape[1:]))
        return (f"{type(self).__name__}({len(self)} images of {shape}, "
                f"{len(self.classes)} classes)")


def _check_callable(fn: Any, name: str, ds: Any) -> Any:
    if fn is not None and not callable(fn):
        raise TypeError(f"{type(ds).__name__}: {name} must be callable (e.g. "
                        f"transforms.ToTensor()), got {type(fn).__name__}")
    return fn


def one_hot(labels: Tensor | ArrayLike, num_classes: int,
            dtype: DTypeLike = np.float32) -> Tensor:
    """Integer labels (Tensor, array or list; any shape) -> one-hot Tensor of shape
    ``(..., num_classes)``, float32 by default (ready for an MSE loss).

    The int64 version for Tensors is ``minigrad.nn.functional.one_hot``; this wraps it.

    >>> from minigrad.datasets import one_hot
    >>> one_hot([2, 0], 3)
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    """
    from ..nn.functional import one_hot as _one_hot

    if not isinstance(labels, Tensor):
        arr = np.asarray(labels)
        labels = _wrap(arr.astype(np.int64) if arr.size == 0 else arr)
    out = _one_hot(labels, num_classes)
    return out if np.dtype(dtype) == np.int64 else _wrap(out.array.astype(dtype))
