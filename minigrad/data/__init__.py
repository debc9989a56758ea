"""``minigrad.data``: datasets, batching and splitting, as ``torch.utils.data``.

>>> import numpy as np
>>> from minigrad.data import DataLoader, TensorDataset
>>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
>>> [x.shape for x, y in DataLoader(ds, batch_size=2)]
[(2, 2), (2, 2), (1, 2)]

Splitting into train / validation / test is :func:`random_split` (or
:func:`stratified_split` to keep every class's share the same in each part).
"""

from .dataloader import DataLoader, default_collate
from .dataset import Dataset, Subset, TensorDataset
from .split import random_split, stratified_split, train_val_test_split
from .workers import WorkerInfo, get_worker_info

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "default_collate",
           "random_split", "stratified_split", "train_val_test_split", "get_worker_info",
           "WorkerInfo"]
