"""Dataset, TensorDataset and Subset."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import Dataset, Subset, TensorDataset


def test_tensor_dataset_rows_of_tensors_and_arrays():
    ds = TensorDataset(mg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([0, 1, 2]))
    assert len(ds) == 3
    x, y = ds[1]
    assert isinstance(x, mg.Tensor) and isinstance(y, mg.Tensor)
    np.testing.assert_array_equal(x.numpy(), [3.0, 4.0])
    assert y.item() == 1 and y.dtype == np.int64 and y.shape == ()
    np.testing.assert_array_equal(ds[-1][0].numpy(), [5.0, 6.0])


def test_tensor_dataset_lists_follow_the_tensor_dtype_rules():
    ds = TensorDataset([[0.5], [1.5]], [0, 1])
    assert ds.arrays[0].dtype == np.float32 and ds.arrays[1].dtype == np.int64


def test_tensor_dataset_holds_arrays_without_copying():
    arr = np.zeros((4, 2))
    ds = TensorDataset(arr)
    assert ds.arrays[0] is arr
    assert np.shares_memory(ds.tensors[0].array, arr)
    sample = ds[0][0]
    sample.array[...] = 1  # a sample is a copy
    assert arr.max() == 0


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match=r"same first dimension.*\[3, 2\]"):
        TensorDataset(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(np.float32(1.0))
    with pytest.raises(TypeError, match="unsupported dtype"):
        TensorDataset(np.array(["a", "b"]))
    ds = TensorDataset(np.zeros(3))
    with pytest.raises(IndexError, match="out of range for 3 samples"):
        ds[3]
    with pytest.raises(TypeError, match="index must be an int"):
        ds[1.0]


def test_dataset_base_requires_the_protocol():
    with pytest.raises(NotImplementedError):
        len(Dataset())
    with pytest.raises(NotImplementedError):
        Dataset()[0]


def test_subset_indexes_through_to_the_dataset():
    base = TensorDataset(np.arange(10) * 10)
    sub = Subset(base, [3, -1, 0])
    assert len(sub) == 3
    assert [sub[i][0].item() for i in range(3)] == [30, 90, 0]
    assert sub[-1][0].item() == 0
    np.testing.assert_array_equal(sub.indices, [3, 9, 0])
    (batch,) = sub.get_batch(np.array([1, 2]))
    np.testing.assert_array_equal(batch, [90, 0])


def test_subset_targets_and_classes():
    class Labelled(TensorDataset):
        classes = ["a", "b", "c"]

        @property
        def targets(self):
            return self.arrays[1]

    base = Labelled(np.zeros(4), np.array([2, 0, 1, 2]))
    sub = Subset(base, [0, 2])
    np.testing.assert_array_equal(sub.targets, [2, 1])
    assert sub.classes == ["a", "b", "c"]
    np.testing.assert_array_equal(Subset(Subset(base, [3, 1]), [1]).targets, [0])
    # a TensorDataset's last array serves as its targets
    np.testing.assert_array_equal(Subset(TensorDataset(np.zeros(3), [5, 6, 7]), [2]).targets,
                                  [7])


def test_subset_of_a_generic_dataset_has_no_fast_path():
    class Plain(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return i

    sub = Subset(Plain(), [2, 1])
    assert sub.get_batch is None and sub[0] == 2
    assert not hasattr(sub, "targets")


def test_subset_errors():
    with pytest.raises(IndexError, match="out of range for a dataset of 3"):
        Subset(TensorDataset(np.zeros(3)), [0, 3])
    with pytest.raises(TypeError, match="1-D sequence of ints"):
        Subset(TensorDataset(np.zeros(3)), [0.5])
    assert len(Subset(TensorDataset(np.zeros(3)), [])) == 0
