"""Small ready-made networks, as ``torchvision.models``: ``lenet``.

``from minigrad.models import lenet`` (not imported by ``import minigrad``).
"""

from __future__ import annotations

from typing import Any


def lenet(in_channels: int = 1, image_size: int = 28, num_classes: int = 10,
          hidden: int | None = None, channels: tuple[int, int] = (16, 32),
          nn: Any = None) -> Any:
    """A LeNet-style CNN: two blocks of 3x3 convolution (padding 1), ReLU and 2x2 max
    pool, then a dense layer to ``num_classes`` logits (or two, with ``hidden`` units
    and a ReLU between). Input (N, in_channels, image_size, image_size); each pool
    halves the side, rounding down (28 -> 7, 8 -> 2, 32 -> 8).

    ``nn`` is the layer namespace, ``minigrad.nn`` by default; ``torch.nn`` builds the
    same network in PyTorch (same layers, same state-dict keys), as the benchmarks do.

    >>> import minigrad as mg
    >>> from minigrad.models import lenet
    >>> lenet()(mg.zeros(2, 1, 28, 28)).shape
    (2, 10)
    >>> lenet(image_size=8, hidden=64)[7]  # 32 channels of 2x2 after the pools
    Linear(in_features=128, out_features=64, bias=True)
    """
    if nn is None:
        from . import nn
    c1, c2 = channels
    side = image_size // 2 // 2
    if side < 1:
        raise ValueError(f"lenet: image_size must be at least 4 (two 2x2 pools), got "
                         f"{image_size}")
    features = c2 * side * side
    head = ([nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, num_classes)]
            if hidden else [nn.Linear(features, num_classes)])
    return nn.Sequential(
        nn.Conv2d(in_channels, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), *head)
