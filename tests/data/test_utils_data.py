"""``minigrad.utils.data`` is torch's path to ``minigrad.data``: the same objects."""

import numpy as np

import minigrad as mg
import minigrad.data
import minigrad.utils.data


def test_every_name_is_the_same_object():
    for name in minigrad.data.__all__:
        assert getattr(minigrad.utils.data, name) is getattr(minigrad.data, name), name
    assert minigrad.utils.data.__all__ == minigrad.data.__all__


def test_reachable_as_torch_code_writes_it():
    from minigrad.utils.data import DataLoader, Dataset, TensorDataset, random_split

    assert mg.utils.data.DataLoader is DataLoader is mg.data.DataLoader
    assert (Dataset, TensorDataset, random_split) == (
        mg.data.Dataset, mg.data.TensorDataset, mg.data.random_split)
    train, test = random_split(TensorDataset(np.arange(10.0)), [8, 2], seed=0)
    assert isinstance(train, mg.data.Subset) and len(test) == 2


def test_a_dataset_subclassed_through_either_path_is_one_class():
    class Squares(mg.utils.data.Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return float(i * i)

    assert isinstance(Squares(), mg.data.Dataset)
    (batch,) = list(mg.data.DataLoader(Squares(), batch_size=3))
    np.testing.assert_array_equal(batch.numpy(), [0.0, 1.0, 4.0])
