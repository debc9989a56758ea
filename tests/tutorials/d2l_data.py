"""The data of d2l's chapters for the tutorial tests: d2l's ``FashionMNIST`` data module
reads torchvision's Fashion-MNIST through ``Compose([Resize(resize), ToTensor()])``; here
the small fake files (see fashion_files), read by minigrad's dataset, or for torch the
same pixels / 255 as torchvision's ToTensor gives them."""

import numpy as np
from fashion_files import fashion_root

from minigrad import datasets, transforms


def d2l_fashion(tmp_path, monkeypatch, resize=(28, 28)):
    """minigrad's (train, val) datasets as d2l builds them, and the arrays behind them."""
    root, arrays = fashion_root(tmp_path, monkeypatch, n_train=120, n_test=50)
    trans = transforms.Compose([transforms.Resize(resize), transforms.ToTensor()])
    train = datasets.FashionMNIST(root=root, train=True, transform=trans, download=True)
    val = datasets.FashionMNIST(root=root, train=False, transform=trans, download=True)
    return train, val, arrays


def torch_fashion(torch, arrays):
    """The same samples as torch ``TensorDataset``s (torchvision's ToTensor of the images)."""
    def split(name):
        images, labels = arrays[name]
        return torch.utils.data.TensorDataset(
            torch.from_numpy(images).unsqueeze(1).float().div(255),
            torch.from_numpy(labels.astype(np.int64)))

    return split("train"), split("t10k")
