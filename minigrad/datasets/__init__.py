"""``minigrad.datasets``: ready-made datasets, as torchvision's.

* :func:`load_digits`: scikit-learn's 8x8 digits (1,797 images, offline; needs
  scikit-learn).
* :class:`MNIST`, :class:`FashionMNIST`: the original IDX files from a folder, or
  downloaded with ``download=True`` (needs pooch).
* :class:`CIFAR10`: the original binary distribution (``cifar-10-binary.tar.gz``), from
  a folder or downloaded; (3, 32, 32) colour images.

Each is a :class:`ClassificationDataset`: ``ds[i] == (float32 image in [0, 1], int
label)``, ``ds.data``, ``ds.targets``, ``ds.classes``; a DataLoader batches it fast.
``transform=`` / ``target_transform=`` (e.g. :class:`minigrad.transforms.ToTensor`)
are applied per sample, as torchvision's.
For train / validation / test parts use :func:`train_val_test_split` (per class by
default) or :func:`minigrad.data.random_split`.

>>> from minigrad.data import DataLoader
>>> from minigrad.datasets import load_digits, train_val_test_split
>>> train, val, test = train_val_test_split(load_digits(), val=0.1, test=0.2, seed=0)
>>> images, labels = next(iter(DataLoader(train, batch_size=32, shuffle=True, seed=0)))
>>> images.shape, labels.dtype
((32, 8, 8), dtype('int64'))
"""

from ..data.split import train_val_test_split
from .base import ClassificationDataset, default_data_dir, one_hot
from .cifar import CIFAR10, CIFARError
from .digits import Digits, load_digits
from .idx import IDXError, read_idx
from .mnist import MNIST, DatasetMismatchError, DownloadError, FashionMNIST

__all__ = ["ClassificationDataset", "Digits", "load_digits", "MNIST", "FashionMNIST",
           "DownloadError", "DatasetMismatchError", "IDXError", "read_idx", "one_hot",
           "default_data_dir", "train_val_test_split", "CIFAR10", "CIFARError"]
