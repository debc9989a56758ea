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

__all__ = ["ToTensor", "Normalize", "Resize", "Compose", "Lambda"]


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


class Resize:
    """Resize an image to ``size``: ``(h, w)``, or an int for the smaller edge (the other
    keeps the aspect ratio, as torchvision: ``int(size * long / short)``; ``max_size``
    caps the longer edge). The image is a numpy array (H, W) or (H, W, C), as the
    datasets hand it to a transform, resized as torchvision resizes the PIL image:
    Pillow's antialiased bilinear filter (``interpolation="bilinear"``, the default;
    also ``"nearest"``, ``"bicubic"``), keeping the dtype. An image already of that size
    comes back as it is (no Pillow needed). Put it before :class:`ToTensor`.

    >>> import numpy as np
    >>> from minigrad.transforms import Resize
    >>> Resize((28, 28))(np.zeros((28, 28), np.uint8)).shape
    (28, 28)
    """

    _FILTERS = {"nearest": 0, "bilinear": 2, "bicubic": 3}  # PIL.Image.Resampling values

    def __init__(self, size: int | Sequence[int], interpolation: str = "bilinear",
                 max_size: int | None = None, antialias: bool | None = True) -> None:
        if isinstance(size, int):
            size = [size]
        size = list(size)
        if len(size) not in (1, 2) or not all(isinstance(n, int) and n > 0 for n in size):
            raise ValueError(f"Resize: size should be a positive int or a sequence of one "
                             f"or two positive ints, got {size}")
        if len(size) == 2 and max_size is not None:
            raise ValueError("Resize: max_size is only supported when size is one int")
        name = str(getattr(interpolation, "value", interpolation)).lower()
        if name not in self._FILTERS:
            raise ValueError(f"Resize: interpolation should be one of "
                             f"{sorted(self._FILTERS)}, got {interpolation!r}")
        self.size: list[int] = size
        self.interpolation: str = name
        self.max_size: int | None = max_size
        self.antialias: bool | None = antialias

    def output_size(self, h: int, w: int) -> tuple[int, int]:
        """The (height, width) an (h, w) image is resized to."""
        if len(self.size) == 2:
            return self.size[0], self.size[1]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = self.size[0], int(self.size[0] * long / short)
        if self.max_size is not None and new_long > self.max_size:
            new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)

    def __call__(self, img: np.ndarray) -> np.ndarray:
        if not isinstance(img, np.ndarray) or img.ndim not in (2, 3):
            raise TypeError(f"Resize: img should be a numpy image (H, W) or (H, W, C) (put "
                            f"Resize before ToTensor), got "
                            f"{getattr(img, 'shape', type(img).__name__)}")
        h, w = self.output_size(img.shape[0], img.shape[1])
        if (h, w) == img.shape[:2]:
            return img
        try:
            from PIL import Image
        except ImportError as err:
            raise ImportError("Resize: resizing needs Pillow (`pip install pillow`), as "
                              "torchvision's does") from err
        channels = [img] if img.ndim == 2 else [img[:, :, c] for c in range(img.shape[2])]
        out = []
        for channel in channels:
            pil = (Image.fromarray(channel) if channel.dtype == np.uint8
                   else Image.fromarray(channel.astype(np.float32), mode="F"))
            out.append(np.asarray(pil.resize((w, h), self._FILTERS[self.interpolation]))
                       .astype(img.dtype))
        return out[0] if img.ndim == 2 else np.stack(out, axis=2)

    def __repr__(self) -> str:
        size = self.size[0] if len(self.size) == 1 else tuple(self.size)
        return (f"Resize(size={size}, interpolation={self.interpolation}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


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
