"""ClassificationDataset, one_hot, default_data_dir."""

from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad.datasets import ClassificationDataset, default_data_dir, one_hot


def test_classification_dataset_from_uint8_and_float32():
    raw = ClassificationDataset(np.array([[[0, 255]]], np.uint8), [1], ["a", "b"])
    image, label = raw[0]
    np.testing.assert_array_equal(image.numpy(), [[0.0, 1.0]])
    assert label == 1 and raw.targets.dtype == np.int64
    scaled = ClassificationDataset(np.full((2, 1, 1), 0.5, np.float32), [0, 0], ["a"])
    images, labels = scaled.get_batch(np.array([1, 0]))
    assert images.dtype == np.float32 and images.shape == (2, 1, 1)
    images[...] = 0  # batches are copies
    assert scaled.data.min() == 0.5


def test_classification_dataset_errors():
    with pytest.raises(TypeError, match="uint8 .* or float32"):
        ClassificationDataset(np.zeros((2, 2, 2)), [0, 1], ["a", "b"])
    with pytest.raises(ValueError, match="2 images but labels of shape"):
        ClassificationDataset(np.zeros((2, 2, 2), np.uint8), [0], ["a"])
    with pytest.raises(IndexError):
        ClassificationDataset(np.zeros((2, 2, 2), np.uint8), [0, 1], ["a", "b"])[2]


def test_one_hot_from_lists_arrays_and_tensors():
    out = one_hot([2, 0], 3)
    assert isinstance(out, mg.Tensor) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 1], [1, 0, 0]])
    assert one_hot(np.array([[1]], np.uint8), 2).shape == (1, 1, 2)
    ints = one_hot(mg.tensor([1, 1]), 2, dtype=np.int64)
    assert ints.dtype == np.int64
    np.testing.assert_array_equal(ints.numpy(), mg.nn.functional.one_hot(mg.tensor([1, 1]),
                                                                         2).numpy())
    assert one_hot([], 4).shape == (0, 4)
    with pytest.raises(ValueError, match="out of range"):
        one_hot([3], 3)


def test_default_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path))
    assert default_data_dir() == tmp_path
    monkeypatch.delenv("MINIGRAD_DATA")
    assert default_data_dir().name == "minigrad"
    import sys

    monkeypatch.setitem(sys.modules, "pooch", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_data_dir() == Path(tmp_path) / "minigrad"
