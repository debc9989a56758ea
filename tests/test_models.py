"""minigrad.models: ready-made networks."""

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.models import lenet


@pytest.mark.parametrize("size,features", [(28, 32 * 7 * 7), (8, 32 * 2 * 2), (32, 32 * 8 * 8)])
def test_lenet_shapes(size, features):
    model = lenet(in_channels=3, image_size=size, num_classes=5)
    assert model[7].in_features == features
    assert model(mg.zeros(2, 3, size, size)).shape == (2, 5)
    assert isinstance(model[0], nn.Conv2d) and isinstance(model[2], nn.MaxPool2d)


def test_lenet_hidden_layer_and_too_small_images():
    model = lenet(image_size=8, hidden=64)
    assert [type(m).__name__ for m in model][-3:] == ["Linear", "ReLU", "Linear"]
    with pytest.raises(ValueError, match="image_size must be at least 4"):
        lenet(image_size=3)


@pytest.mark.needs_torch
def test_lenet_torch_twin_takes_the_same_state_dict():
    torch = pytest.importorskip("torch")
    ours, theirs = lenet(hidden=32), lenet(hidden=32, nn=torch.nn).double()
    sd = ours.state_dict()
    assert list(sd) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(np.asarray(v), dtype=torch.float64)
                            for k, v in sd.items()})
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28))
    np.testing.assert_allclose(np.asarray(ours(mg.tensor(x, dtype=mg.float32))),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
