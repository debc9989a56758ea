"""load_digits (scikit-learn is installed through the `demos` extra)."""

import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader
from minigrad.datasets import ClassificationDataset, Digits, load_digits


def test_load_digits_shapes_types_and_scaling():
    from sklearn.datasets import load_digits as sk_load_digits

    ds = load_digits()
    assert isinstance(ds, Digits) and isinstance(ds, ClassificationDataset)
    assert len(ds) == 1797
    assert ds.data.shape == (1797, 8, 8) and ds.data.dtype == np.float32
    assert ds.targets.shape == (1797,) and ds.targets.dtype == np.int64
    assert ds.data.min() == 0.0 and ds.data.max() == 1.0
    reference = sk_load_digits()
    np.testing.assert_allclose(ds.data * 16, reference.images, atol=1e-5)
    np.testing.assert_array_equal(ds.targets, reference.target)
    assert ds.classes == [str(d) for d in range(10)]
    assert np.bincount(ds.targets).min() >= 170  # about 180 per class


def test_digits_samples_and_batches():
    ds = load_digits()
    image, label = ds[0]
    assert isinstance(image, mg.Tensor) and image.shape == (8, 8) and image.dtype == np.float32
    assert label == 0
    x, y = next(iter(DataLoader(ds, batch_size=64)))
    assert x.shape == (64, 8, 8) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), ds.data[:64])
    flat, labels = ds.as_arrays(flatten=True)
    assert flat.shape == (1797, 64)
    flat[0, 0] = 99  # a copy, not the dataset's memory
    assert ds.data.max() == 1.0


def test_without_scikit_learn_the_error_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError) as info:
        load_digits()
    assert "pip install scikit-learn" in str(info.value)
    assert "pip install minigrad[demos]" in str(info.value)
