"""Layers and init with a zero-size dimension build and run as torch's: ``nn.Linear(0, 3)``
maps (N, 0) to (N, 3) (the bias alone), an empty batch maps to an empty batch, and the
fan-based init schemes leave zero-element tensors as they are (kaiming warns, as torch)."""

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

LINEAR_SIZES = [(0, 3), (3, 0), (0, 0)]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("in_features, out_features", LINEAR_SIZES)
def test_linear_with_a_zero_size_dim_builds_and_maps_shapes(in_features, out_features, bias):
    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        layer = nn.Linear(in_features, out_features, bias=bias)  # was ZeroDivisionError
    assert layer.weight.shape == (out_features, in_features)
    x = mg.ones(4, in_features, dtype=mg.float32, requires_grad=True)
    y = layer(x)
    assert y.shape == (4, out_features) and y.dtype == np.float32
    y.sum().backward()
    assert x.grad.shape == x.shape and layer.weight.grad.shape == layer.weight.shape
    if bias:
        assert layer.bias is not None
        # torch: bound 1/sqrt(fan_in) is 0 when fan_in is 0, so the bias starts at 0
        expect = 0.0 if in_features == 0 else layer.bias.detach().numpy()
        np.testing.assert_array_equal(layer.bias.detach().numpy(), expect)
        np.testing.assert_array_equal(layer.bias.grad.numpy(), np.full(out_features, 4.0))
    if in_features == 0:
        np.testing.assert_array_equal(y.detach().numpy(), np.zeros((4, out_features)))


@pytest.mark.needs_torch
@pytest.mark.parametrize("in_features, out_features", LINEAR_SIZES)
def test_zero_size_linear_matches_torch(in_features, out_features):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours, theirs = nn.Linear(in_features, out_features), torch.nn.Linear(in_features,
                                                                             out_features)
    ours.load_state_dict({k: mg.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, in_features)).astype(np.float32)
    y_ours, y_theirs = ours(mg.tensor(x)), theirs(torch.tensor(x))
    assert y_ours.shape == tuple(y_theirs.shape)
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-6)
    y_ours.sum().backward()
    y_theirs.sum().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), err_msg=name)


def test_zero_size_model_trains_without_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = nn.Sequential(nn.Linear(0, 3), nn.ReLU(), nn.Linear(3, 2))
    opt = mg.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(mg.zeros(4, 0)), mg.tensor([0, 1, 0, 1]))
        loss.backward()
        opt.step()
    for p in model.parameters():
        assert np.isfinite(p.detach().numpy()).all()


LAYERS = [nn.Identity(), nn.ReLU(), nn.LeakyReLU(), nn.Sigmoid(), nn.Tanh(), nn.Softmax(-1),
          nn.LogSoftmax(-1), nn.Softmax(0), nn.Flatten(), nn.Dropout(0.5), nn.Linear(3, 2)]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda m: type(m).__name__)
@pytest.mark.parametrize("shape", [(0, 3), (4, 0, 3), (2, 0)])
def test_every_layer_takes_an_input_with_a_zero_size_dim(layer, shape):
    if isinstance(layer, nn.Linear) and shape[-1] != 3:
        shape = (0, *shape[:-1], 3)  # an empty batch of rows of in_features
    x = mg.zeros(shape, requires_grad=True)
    y = layer(x)
    assert y.detach().numpy().size == 0
    y.sum().backward()
    assert x.grad.shape == x.shape


@pytest.mark.needs_torch
@pytest.mark.parametrize("layer", LAYERS, ids=lambda m: type(m).__name__)
def test_zero_size_output_shapes_match_torch(layer):
    torch = pytest.importorskip("torch")
    theirs = {"Identity": torch.nn.Identity(), "ReLU": torch.nn.ReLU(),
              "LeakyReLU": torch.nn.LeakyReLU(), "Sigmoid": torch.nn.Sigmoid(),
              "Tanh": torch.nn.Tanh(), "Flatten": torch.nn.Flatten(),
              "Dropout": torch.nn.Dropout(0.5), "Linear": torch.nn.Linear(3, 2)}
    name = type(layer).__name__
    ref = theirs.get(name) or getattr(torch.nn, name)(layer.dim)
    for shape in [(0, 3), (4, 0, 3)]:
        assert layer(mg.zeros(shape)).shape == tuple(ref(torch.zeros(shape)).shape)


# ----------------------------------------------------------------------------- init
ZERO_SHAPES = [(3, 0), (0, 3), (0, 0), (2, 0, 3)]


@pytest.mark.parametrize("shape", ZERO_SHAPES + [(0,)])
@pytest.mark.parametrize("init", [nn.init.kaiming_uniform_, nn.init.kaiming_normal_])
def test_kaiming_of_a_zero_element_tensor_warns_and_does_nothing(init, shape):
    t = mg.empty(shape)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert init(t) is t
    assert t.shape == shape


@pytest.mark.parametrize("shape", ZERO_SHAPES)
@pytest.mark.parametrize("init", [nn.init.xavier_uniform_, nn.init.xavier_normal_])
def test_xavier_of_a_zero_element_tensor_does_nothing(init, shape):
    t = mg.empty(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch's xavier does not warn
        assert init(t) is t  # (0, 0): torch divides by zero; nothing to fill here


def test_fan_based_init_still_needs_two_dims():
    with pytest.raises(ValueError, match="at least 2 dims"):
        nn.init.xavier_uniform_(mg.empty(0))


def test_init_of_nonempty_tensors_is_unchanged():
    t = nn.init.kaiming_uniform_(mg.empty(50, 4), a=5 ** 0.5)
    bound = 1 / 2  # gain sqrt(2 / (1 + 5)) * sqrt(3 / fan_in 4)
    assert np.abs(t.numpy()).max() <= bound and np.abs(t.numpy()).max() > 0.9 * bound
