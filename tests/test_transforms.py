"""minigrad.transforms: torchvision's ToTensor, Normalize, Compose, Lambda (values by hand)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import minigrad as mg
from minigrad.transforms import Compose, Lambda, Normalize, ToTensor


@given(arrays(np.uint8, st.tuples(st.integers(1, 5), st.integers(1, 5))))
def test_to_tensor_of_a_grey_uint8_image(img):
    out = ToTensor()(img)
    assert isinstance(out, mg.Tensor) and out.dtype == np.float32
    assert out.shape == (1, *img.shape)
    # torchvision: float(pixel) / 255, in float32
    np.testing.assert_array_equal(out.numpy()[0], img.astype(np.float32) / np.float32(255))
    assert 0 <= out.numpy().min() and out.numpy().max() <= 1


def test_to_tensor_by_hand():
    img = np.array([[0, 51], [255, 102]], np.uint8)
    np.testing.assert_allclose(ToTensor()(img).numpy(), [[[0.0, 0.2], [1.0, 0.4]]], rtol=1e-7)
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)  # (H, W, C)
    out = ToTensor()(rgb)
    assert out.shape == (3, 2, 3)
    assert out.numpy()[2, 1, 0] == np.float32(rgb[1, 0, 2]) / np.float32(255)


def test_to_tensor_keeps_other_dtypes_unscaled_and_copies():
    img = np.array([[0.5, 2.0]], np.float64)
    out = ToTensor()(img)
    assert out.dtype == np.float64 and out.shape == (1, 1, 2)
    np.testing.assert_array_equal(out.numpy(), [[[0.5, 2.0]]])
    out.array[...] = 0
    assert img[0, 1] == 2.0


@pytest.mark.parametrize("pic, error, match", [
    (np.zeros(4, np.uint8), ValueError, "2 or 3 dimensional"),
    (np.zeros((1, 2, 2, 1), np.uint8), ValueError, "got 4 dimensions"),
    ([[0, 1]], TypeError, "numpy array"),
    (mg.zeros(1, 2, 2), TypeError, "got Tensor"),
    (np.array([["a"]]), TypeError, "dtype"),
])
def test_to_tensor_rejects(pic, error, match):
    with pytest.raises(error, match=match):
        ToTensor()(pic)


def test_normalize_per_channel_by_hand():
    img = mg.tensor([[[0.0, 1.0]], [[0.5, 0.25]], [[1.0, 0.0]]])  # (3, 1, 2)
    out = Normalize(mean=(0.5, 0.25, 0.0), std=(0.5, 0.25, 2.0))(img)
    np.testing.assert_allclose(out.numpy(), [[[-1.0, 1.0]], [[1.0, 0.0]], [[0.5, 0.0]]])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(img.numpy()[0], [[0.0, 1.0]])  # not in place


def test_normalize_batches_one_number_and_inplace():
    imgs = mg.ones(4, 2, 3, 3)
    out = Normalize(0.5, 0.25)(imgs)
    np.testing.assert_allclose(out.numpy(), np.full((4, 2, 3, 3), 2.0))
    v = imgs._version
    assert Normalize([0.5, 0.0], [0.5, 1.0], inplace=True)(imgs) is imgs
    assert imgs._version > v
    np.testing.assert_allclose(imgs.numpy()[:, 0], 1.0)
    np.testing.assert_allclose(imgs.numpy()[:, 1], 1.0)


def test_normalize_is_differentiable():
    img = mg.tensor(np.random.default_rng(0).random((2, 2, 2)), requires_grad=True)
    out = Normalize((0.1, 0.2), (0.5, 4.0))(img)
    out.sum().backward()
    np.testing.assert_allclose(img.grad.numpy()[0], 2.0)
    np.testing.assert_allclose(img.grad.numpy()[1], 0.25)


@pytest.mark.parametrize("img, mean, std, error, match", [
    (np.zeros((1, 2, 2), np.float32), 0.0, 1.0, TypeError, "should be a Tensor"),
    (mg.zeros(1, 2, 2, dtype=mg.int64), 0.0, 1.0, TypeError, "float tensor"),
    (mg.zeros(2, 2), 0.0, 1.0, ValueError, r"\(\.\.\., C, H, W\)"),
    (mg.zeros(1, 2, 2), 0.0, 0.0, ValueError, "std evaluated to zero"),
    (mg.zeros(3, 2, 2), (0.0, 0.0), 1.0, ValueError, "mean has 2 values .* 3 channels"),
])
def test_normalize_rejects(img, mean, std, error, match):
    with pytest.raises(error, match=match):
        Normalize(mean, std)(img)


def test_compose_applies_in_order_and_reads_well():
    t = Compose([Lambda(lambda x: x + 1), Lambda(lambda x: x * 2)])
    assert t(1) == 4
    pipeline = Compose([ToTensor(), Normalize((0.5,), (0.5,))])
    np.testing.assert_array_equal(pipeline(np.array([[0, 255]], np.uint8)).numpy(),
                                  [[[-1.0, 1.0]]])
    assert repr(pipeline) == "Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)"
    with pytest.raises(TypeError, match="callable"):
        Compose([ToTensor(), 3])


def test_lambda_wraps_a_callable_only():
    assert Lambda(str.upper)("a") == "A"
    with pytest.raises(TypeError, match="lambd should be callable"):
        Lambda(5)


def test_resize_to_the_same_size_returns_the_image_without_pillow():
    from minigrad.transforms import Resize

    img = np.arange(28 * 28, dtype=np.uint8).reshape(28, 28)
    assert Resize((28, 28))(img) is img and Resize(28)(img) is img


@pytest.mark.parametrize("size, shape, want", [((32, 32), (28, 28), (32, 32)),
                                               (16, (20, 40), (16, 32)),
                                               (16, (40, 20, 3), (32, 16, 3)),
                                               ((10, 7), (5, 5, 3), (10, 7, 3))])
def test_resize_is_pillows_resize_of_the_pil_image_as_torchvision(size, shape, want):
    Image = pytest.importorskip("PIL.Image")
    from minigrad.transforms import Resize

    img = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    out = Resize(size)(img)
    assert out.shape == want and out.dtype == np.uint8
    # torchvision's Resize of a PIL image is PIL's resize, bilinear by default
    theirs = np.asarray(Image.fromarray(img).resize((want[1], want[0]), Image.BILINEAR))
    np.testing.assert_array_equal(out, theirs)
    floats = img.astype(np.float32) / 255
    # float images resize in float (mode "F"): the same up to uint8 fixed-point rounding
    np.testing.assert_allclose(Resize(size)(floats), out / np.float32(255), atol=1.01 / 255)
    assert ToTensor()(out).shape == ((1,) if len(want) == 2 else (3,)) + want[:2]


def test_resize_rules_and_errors():
    from minigrad.transforms import Resize

    assert Resize(10, max_size=12).output_size(20, 40) == (6, 12)  # long edge capped
    assert Resize(10).output_size(30, 20) == (15, 10)
    with pytest.raises(ValueError, match="Resize: size should be a positive int"):
        Resize(0)
    with pytest.raises(ValueError, match="max_size is only supported"):
        Resize((2, 2), max_size=4)
    with pytest.raises(ValueError, match="interpolation should be one of"):
        Resize(4, interpolation="lanczos3")
    with pytest.raises(TypeError, match="put Resize before ToTensor"):
        Resize(4)(mg.ones(1, 8, 8))
    assert "Resize(size=(3, 4)" in repr(Resize((3, 4)))
