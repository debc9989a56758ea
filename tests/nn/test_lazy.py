"""``nn.LazyLinear``: in_features inferred at the first call, then a plain ``Linear``; its
``UninitializedParameter``s before that behave as torch's (errors on use, state dicts,
optimizers built early, dtype casts, loading a state dict)."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.nn import UninitializedParameter


def test_first_call_infers_in_features_and_becomes_linear():
    layer = nn.LazyLinear(3)
    assert repr(layer) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    assert isinstance(layer, nn.Linear) and isinstance(layer.weight, nn.Parameter)
    assert isinstance(layer.weight, UninitializedParameter) and layer.has_uninitialized_params()
    w = layer.weight
    y = layer(mg.ones(4, 5))
    assert y.shape == (4, 3)
    assert type(layer) is nn.Linear and type(w) is nn.Parameter and layer.weight is w
    assert (layer.in_features, layer.weight.shape, layer.bias.shape) == (5, (3, 5), (3,))
    assert repr(layer) == "Linear(in_features=5, out_features=3, bias=True)"
    bound = 1 / np.sqrt(5)  # torch's init for in_features = 5
    assert np.abs(np.asarray(layer.weight.detach())).max() <= bound
    assert np.unique(np.asarray(layer.weight.detach())).size == 15
    with pytest.raises(ValueError, match="in_features \\(5\\)"):
        layer(mg.ones(2, 4))  # now a Linear with 5 inputs


def test_output_matches_a_linear_with_the_same_weights():
    layer = nn.LazyLinear(2, bias=False)
    x = mg.randn(3, 4)
    y = layer(x)
    assert layer.bias is None and list(layer.state_dict()) == ["weight"]
    ref = np.asarray(x) @ np.asarray(layer.weight.detach()).T
    np.testing.assert_allclose(np.asarray(y.detach()), ref, rtol=1e-6)


def test_uninitialized_parameters_are_an_error_to_use():
    layer = nn.LazyLinear(3)
    w = layer.weight
    assert repr(w) == "<UninitializedParameter>" and w.requires_grad and w.dtype == np.float32
    for use in (lambda: w + 1, lambda: w.numel(), lambda: w.detach(), lambda: w.sum(),
                lambda: np.asarray(w)):
        with pytest.raises(ValueError, match="uninitialized parameter.*Call the model once"):
            use()
    with pytest.raises(RuntimeError, match="shape of an uninitialized parameter"):
        w.shape  # noqa: B018
    sd = layer.state_dict()
    assert list(sd) == ["weight", "bias"] and sd["weight"] is w


def test_optimizer_built_before_the_first_call():
    mg.manual_seed(0)
    model = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(2))
    opt = optim.Adam(model.parameters(), lr=0.05)
    x, y = mg.randn(16, 3), mg.randint(0, 2, (16,))
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    assert losses[-1] < losses[0]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_summary_after_the_first_call_and_on_a_fresh_one():
    model = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    model(mg.zeros(1, 6))
    table = nn.summary(model, (6,), print_fn=None)
    assert "Total params: 38" in table  # 6*4+4 + 4*2+2
    fresh = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    assert "Total params: 38" in nn.summary(fresh, (6,), print_fn=None)


def test_dtype_cast_before_the_first_call():
    layer = nn.LazyLinear(2).double()
    assert layer.weight.dtype == np.float64
    assert layer(mg.ones(1, 3, dtype=mg.float64)).dtype == np.float64
    assert nn.LazyLinear(2, dtype=mg.float64, device="cpu").weight.dtype == np.float64
    with pytest.raises(RuntimeError, match="numpy on the CPU"):
        nn.LazyLinear(2, device="cuda")


def test_loading_a_state_dict_materializes_as_torch():
    src = nn.Linear(4, 3)
    layer = nn.LazyLinear(3)
    result = layer.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert type(layer) is nn.LazyLinear and layer.in_features == 0
    assert layer.weight.shape == (3, 4)
    np.testing.assert_array_equal(np.asarray(layer.weight.detach()),
                                  np.asarray(src.weight.detach()))
    x = mg.randn(2, 4)
    np.testing.assert_array_equal(np.asarray(layer(x).detach()), np.asarray(src(x).detach()))
    assert type(layer) is nn.Linear and layer.in_features == 4
    other = nn.LazyLinear(3)
    other.load_state_dict(src.state_dict())
    with pytest.raises(ValueError, match="5 features.*loaded weight"):
        other(mg.randn(2, 5))


def test_bad_arguments():
    with pytest.raises(ValueError, match="out_features"):
        nn.LazyLinear(-1)
    with pytest.raises(ValueError, match="0-d"):
        nn.LazyLinear(2)(mg.tensor(1.0))


@pytest.mark.needs_torch
def test_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.LazyLinear(3), torch.nn.LazyLinear(3)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours.weight) == repr(theirs.weight)
    opt = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    x = np.random.default_rng(0).standard_normal((6, 5)).astype(np.float32)
    ours(mg.tensor(x))
    theirs(torch.from_numpy(x))
    assert repr(ours) == repr(theirs) and type(ours).__name__ == type(theirs).__name__
    assert type(ours.weight).__name__ == type(theirs.weight).__name__ == "Parameter"
    with torch.no_grad():  # same weights: then the early-built optimizers must agree
        theirs.weight.copy_(torch.from_numpy(np.asarray(ours.weight.detach())))
        theirs.bias.copy_(torch.from_numpy(np.asarray(ours.bias.detach())))
    for _ in range(5):
        opt.zero_grad()
        (ours(mg.tensor(x)) ** 2).mean().backward()
        opt.step()
        topt.zero_grad()
        (theirs(torch.from_numpy(x)) ** 2).mean().backward()
        topt.step()
    np.testing.assert_allclose(np.asarray(ours.weight.detach()),
                               theirs.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert list(ours.state_dict()) == list(theirs.state_dict())
