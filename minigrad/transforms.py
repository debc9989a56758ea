"""``minigrad.transforms``: torchvision's image transforms for the datasets' samples.

Datasets take ``transform=`` (applied to each image) and ``target_transform=`` (applied
to each int label), as torchvision's. Where torchvision hands a transform a PIL image,
minigrad's datasets hand it the stored image as a numpy array (uint8 (H, W) for MNIST),
which is what :class:`ToTensor` turns into a float32 (C, H, W) tensor in [0, 1]:

>>> import numpy as np
>>> from minigrad import transforms
>>> t = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
>>> t(np.array([[0, 255]], dtype=np.uint8))
tensor([[[-1.,  1.]]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._tensor import Tensor, _wrap

__all__ = ["ToTensor", "Normalize", "Compose", "Lambda"]


class ToTensor:
    """A numpy image (H, W) or (H, W, C) -> a Tensor (C, H, W); uint8 pixels 0..255 become
    float32 in [0, 1] (divided by 255), other dtypes are kept as they are, as torchvision's
    ``ToTensor`` does with an ndarray. A (H, W) image gets one channel: (1, H, W).

    >>> import numpy as np
    >>> from minigrad.transforms import ToTensor
    >>> ToTensor()(np.full((28, 28), 255, np.uint8)).shape
    (1, 28, 28)
    """

    def __call__(self, pic: np.ndarray) -> Tensor:
        if not isinstance(pic, np.ndarray):
            raise TypeError(f"ToTensor: pic should be a numpy array (H, W) or (H, W, C), got "
                            f"{type(pic).__name__}")
        if pic.ndim not in (2, 3):
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional, (H, W) or "
                             f"(H, W, C); got {pic.ndim} dimensions (shape {pic.shape})")
        if pic.dtype.kind not in "biuf":
            raise TypeError(f"ToTensor: pixels of dtype {pic.dtype} are not supported")
        img = np.ascontiguousarray((pic[:, :, None] if pic.ndim == 2 else pic)
                                   .transpose(2, 0, 1))
        if img.dtype == np.uint8:
            return _wrap(img.astype(np.float32) / np.float32(255))
        return _wrap(np.array(img))  # a copy: the dataset's images stay untouched

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(image - mean[c]) / std[c]`` for each channel ``c`` of a float Tensor image
    (..., C, H, W); ``mean`` and ``std`` are sequences of C numbers (or one number for
    all). ``inplace=True`` writes into the image. Differentiable, as torchvision's.

    >>> import minigrad as mg
    >>> from minigrad.transforms import Normalize
    >>> Normalize(mean=(0.5,), std=(0.25,))(mg.ones(1, 1, 2))
    tensor([[[2., 2.]]])
    """

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float,
                 inplace: bool = False) -> None:
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Normalize: the image should be a Tensor (use ToTensor first), "
                            f"got {type(tensor).__name__}")
        if tensor.dtype.kind != "f":
            raise TypeError(f"Normalize: the image should be a float tensor, got {tensor.dtype}")
        if tensor.ndim < 3:
            raise ValueError(f"Normalize: expected an image of shape (..., C, H, W), got "
                             f"shape {tensor.shape}")
        mean = np.asarray(self.mean, dtype=tensor.dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=tensor.dtype).reshape(-1, 1, 1)
        channels = tensor.shape[-3]
        for name, v in (("mean", mean), ("std", std)):
            if v.shape[0] not in (1, channels):
                raise ValueError(f"Normalize: {name} has {v.shape[0]} values for an image "
                                 f"with {channels} channels")
        if (std == 0).any():
            raise ValueError(f"Normalize: std evaluated to zero after conversion to "
                             f"{tensor.dtype}, leading to division by zero")
        if self.inplace:
            return tensor.sub_(mean).div_(std)
        return (tensor - mean) / std

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


class Compose:
    """Apply ``transforms`` one after the other.

    >>> import numpy as np
    >>> from minigrad.transforms import Compose, Lambda, ToTensor
    >>> Compose([ToTensor(), Lambda(lambda t: t.flatten())])(np.zeros((2, 2), np.uint8)).shape
    (4,)
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)
        for t in self.transforms:
            if not callable(t):
                raise TypeError(f"Compose: every transform must be callable, got "
                                f"{type(t).__name__}")

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return "Compose(\n" + "".join(f"    {t}\n" for t in self.transforms) + ")"


class Lambda:
    """A function used as a transform, e.g. a one-hot target:
    ``Lambda(lambda y: mg.zeros(10).scatter_(0, mg.tensor(y), value=1))``.

    >>> from minigrad.transforms import Lambda
    >>> Lambda(lambda y: y + 1)(2)
    3
    """

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: argument lambd should be callable, got "
                            f"{type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return "Lambda()"
