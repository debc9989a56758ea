"""Datasets with transform= / target_transform=, and DataLoaders over them."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, random_split
from minigrad.datasets import MNIST, FashionMNIST, load_digits
from minigrad.transforms import Compose, Lambda, Normalize, ToTensor


def _one_hot(y):
    return mg.zeros(10).scatter_(0, mg.tensor(y), value=1)


def test_to_tensor_gives_torchvision_shaped_samples(mnist_folder):
    folder, arrays = mnist_folder
    images, labels = arrays["train"]
    ds = MNIST(folder, train=True, transform=ToTensor(), verify=False)
    image, label = ds[3]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32
    np.testing.assert_array_equal(image.numpy()[0], images[3].astype(np.float32) / 255)
    assert isinstance(label, int) and label == labels[3]


def test_without_a_transform_samples_are_as_before(mnist_folder):
    folder, arrays = mnist_folder
    image, label = MNIST(folder, verify=False)[3]
    assert image.shape == (28, 28) and image.dtype == np.float32
    np.testing.assert_allclose(image.numpy(), arrays["train"][0][3] / 255, rtol=1e-6)
    assert label == arrays["train"][1][3]


def test_torchvisions_argument_order(mnist_folder):
    ds = FashionMNIST(mnist_folder[0], False, ToTensor(), _one_hot, verify=False)
    image, target = ds[0]
    assert image.shape == (1, 28, 28)
    np.testing.assert_array_equal(target.numpy(), np.eye(10)[ds.targets[0]])


def test_target_transform_gets_the_int_label(mnist_folder):
    seen = []
    ds = MNIST(mnist_folder[0], target_transform=lambda y: seen.append(y) or y * 10,
               verify=False)
    image, target = ds[4]
    assert seen == [int(ds.targets[4])] and isinstance(seen[0], int)
    assert target == 10 * seen[0]
    assert image.shape == (28, 28)  # no transform: the image as without


def test_a_transform_gets_the_uint8_image_and_cannot_change_the_data(mnist_folder):
    folder, arrays = mnist_folder

    def spoil(img):
        assert img.dtype == np.uint8 and img.shape == (28, 28)
        img[...] = 0
        return img

    ds = MNIST(folder, transform=spoil, verify=False)
    assert ds[0][0].max() == 0
    np.testing.assert_array_equal(ds.data[0], arrays["train"][0][0])


def test_a_loader_batches_transformed_samples(mnist_folder):
    transform = Compose([ToTensor(), Normalize((0.5,), (0.25,))])
    ds = MNIST(mnist_folder[0], transform=transform, target_transform=Lambda(_one_hot),
               verify=False)
    assert ds.get_batch is None  # transforms are per sample, as torchvision's
    x, y = next(iter(DataLoader(ds, batch_size=5, shuffle=True, seed=0)))
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.float32
    assert y.shape == (5, 10) and y.dtype == np.float32
    order = np.random.default_rng(0).permutation(len(ds))[:5]
    expected = (ds.data[order][:, None].astype(np.float32) / 255 - 0.5) / 0.25
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-6)
    np.testing.assert_array_equal(y.numpy().argmax(1), ds.targets[order])


def test_threaded_loading_of_transformed_samples_is_the_same(mnist_folder):
    ds = MNIST(mnist_folder[0], transform=ToTensor(), verify=False)
    train, _ = random_split(ds, [8, 4], seed=1)
    plain = [(x.numpy(), y.numpy()) for x, y in DataLoader(train, batch_size=3)]
    threaded = [(x.numpy(), y.numpy()) for x, y in DataLoader(train, batch_size=3,
                                                              num_workers=2)]
    assert len(plain) == len(threaded) == 3
    for (a, b), (c, d) in zip(plain, threaded):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    assert plain[0][0].shape == (3, 1, 28, 28)


def test_without_transforms_the_fast_path_stays(mnist_folder):
    ds = MNIST(mnist_folder[0], verify=False)
    assert ds.get_batch is not None
    images, labels = ds.get_batch(np.array([2, 0]))
    assert images.shape == (2, 28, 28) and labels.tolist() == ds.targets[[2, 0]].tolist()


def test_digits_take_transforms_too():
    pytest.importorskip("sklearn")
    ds = load_digits(transform=ToTensor(), target_transform=_one_hot)
    image, target = ds[0]
    assert image.shape == (1, 8, 8) and image.dtype == np.float32  # float32: not rescaled
    np.testing.assert_array_equal(image.numpy()[0], ds.data[0])
    assert target.shape == (10,) and target.numpy().argmax() == ds.targets[0]


def test_a_transform_must_be_callable(mnist_folder):
    with pytest.raises(TypeError, match="MNIST: transform must be callable"):
        MNIST(mnist_folder[0], transform="ToTensor", verify=False)
    with pytest.raises(TypeError, match="target_transform must be callable"):
        MNIST(mnist_folder[0], target_transform=1, verify=False)
