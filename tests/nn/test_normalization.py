"""BatchNorm1d / BatchNorm2d / F.batch_norm: gradients (first and second order, over
hypothesis-drawn shapes), statistics against a numpy reference, buffers and state dicts,
modes, errors. The comparison with PyTorch is in test_normalization_torch.py."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck, gradgradcheck


def t64(a, requires_grad=False):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


@st.composite
def batches(draw, max_spatial_dims=2):
    """Float64 (N, C, *) arrays, N * prod(*) >= 2, values distinct (no channel is
    constant, where the variance would be 0 and the gradient 1 / sqrt(eps) steep)."""
    n = draw(st.integers(1, 3))
    c = draw(st.integers(1, 3))
    spatial = tuple(draw(st.lists(st.integers(1, 3), max_size=max_spatial_dims)))
    if n * int(np.prod(spatial)) < 2:
        n = 2
    values = st.floats(-3, 3, allow_nan=False).filter(lambda v: abs(v) > 1e-3)
    return draw(hnp.arrays(np.float64, (n, c, *spatial), elements=values, unique=True))


def _params(x, affine, rng):
    c = x.shape[1]
    if not affine:
        return None, None
    return (t64(rng.standard_normal(c) + 1, requires_grad=True),
            t64(rng.standard_normal(c), requires_grad=True))


@given(batches(), st.booleans(), st.sampled_from([1e-5, 1e-2]))
def test_training_gradients_first_and_second_order(x, affine, eps):
    xt = t64(x, requires_grad=True)
    w, b = _params(x, affine, np.random.default_rng(0))
    inputs = [xt] + ([w, b] if affine else [])

    def f(x, w=None, b=None):
        return F.batch_norm(x, None, None, w, b, training=True, eps=eps)

    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)
    # gradgradcheck differentiates the create_graph backward (written with tensor ops):
    # it must give the same first derivatives as the plain one (in-place numpy).
    up = t64(np.random.default_rng(2).standard_normal(x.shape))
    plain = mg.autograd.grad(f(*inputs), inputs, up)
    traced = mg.autograd.grad(f(*inputs), inputs, up, create_graph=True)
    for a, b in zip(plain, traced):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


@given(batches(), st.booleans())
def test_eval_gradients_first_and_second_order(x, affine):
    rng = np.random.default_rng(1)
    c = x.shape[1]
    mean, var = t64(rng.standard_normal(c)), t64(rng.random(c) + 0.5)
    xt = t64(x, requires_grad=True)
    w, b = _params(x, affine, rng)
    inputs = [xt] + ([w, b] if affine else [])

    def f(x, w=None, b=None):
        return F.batch_norm(x, mean, var, w, b, training=False)

    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


def _reference(x, mean, var, w, b, eps):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return y * w.reshape(shape) + b.reshape(shape)


@given(batches(), st.sampled_from([0.1, 0.5, None]))
def test_training_normalises_and_tracks_statistics_like_numpy(x, momentum):
    """Several steps: the output uses the batch's biased variance, the running variance
    its unbiased one, with torch's momentum (None: the plain average of the batches)."""
    c = x.shape[1]
    layer = nn.BatchNorm1d if x.ndim <= 3 else nn.BatchNorm2d
    bn = layer(c, momentum=momentum, dtype=mg.float64)
    axes = (0, *range(2, x.ndim))
    run_mean, run_var = np.zeros(c), np.ones(c)
    w, b = np.linspace(0.5, 2, c), np.linspace(-1, 1, c)
    bn.load_state_dict({**bn.state_dict(), "weight": w, "bias": b})
    for step in range(1, 4):
        batch = x * step + step  # a different batch each step
        y = bn(t64(batch))
        mean, var = batch.mean(axis=axes), batch.var(axis=axes)
        np.testing.assert_allclose(y.detach().numpy(), _reference(batch, mean, var, w, b, 1e-5),
                                   rtol=1e-10, atol=1e-10)
        m = batch.size // c
        factor = 1 / step if momentum is None else momentum
        run_mean = (1 - factor) * run_mean + factor * mean
        run_var = (1 - factor) * run_var + factor * var * m / (m - 1)
    np.testing.assert_allclose(bn.running_mean.numpy(), run_mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), run_var, rtol=1e-12)
    assert int(bn.num_batches_tracked.numpy()) == 3
    bn.eval()
    y = bn(t64(x)).detach().numpy()
    np.testing.assert_allclose(y, _reference(x, run_mean, run_var, w, b, 1e-5), rtol=1e-10,
                               atol=1e-10)
    assert int(bn.num_batches_tracked.numpy()) == 3  # eval counts no batch


def test_eval_does_not_touch_the_running_statistics():
    bn = nn.BatchNorm2d(3).eval()
    versions = [bn.running_mean._version, bn.running_var._version]
    bn(mg.randn(4, 3, 2, 2) + 5)
    np.testing.assert_array_equal(bn.running_mean.numpy(), 0)
    np.testing.assert_array_equal(bn.running_var.numpy(), 1)
    assert [bn.running_mean._version, bn.running_var._version] == versions


def test_running_statistics_are_written_in_place_and_under_no_grad():
    bn = nn.BatchNorm1d(2)
    mean, var, count = bn.running_mean, bn.running_var, bn.num_batches_tracked
    v0 = mean._version
    with mg.no_grad():
        bn(mg.tensor([[1.0, 2.0], [3.0, 6.0]]))
    assert bn.running_mean is mean and bn.running_var is var and bn.num_batches_tracked is count
    assert mean._version > v0  # through write_in_place: graphs that saved it would notice
    np.testing.assert_allclose(mean.numpy(), [0.2, 0.4], rtol=1e-6)
    np.testing.assert_allclose(var.numpy(), [0.9 + 0.1 * 2, 0.9 + 0.1 * 8], rtol=1e-6)
    assert count.dtype == np.int64 and count.shape == () and int(count.numpy()) == 1


def test_without_running_statistics_both_modes_use_the_batch():
    bn = nn.BatchNorm1d(3, track_running_stats=False)
    assert bn.running_mean is None and bn.running_var is None and bn.num_batches_tracked is None
    x = mg.randn(5, 3, 4) * 3 + 1
    a = bn(x).detach().numpy()
    b = bn.eval()(x).detach().numpy()
    np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(b.mean(axis=(0, 2)), 0, atol=1e-5)
    assert list(bn.state_dict()) == ["weight", "bias"]
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(mg.randn(1, 3, 1))  # still batch statistics in eval mode


def test_parameters_buffers_and_state_dict_keys():
    bn = nn.BatchNorm2d(4)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var",
                                                  "num_batches_tracked"]
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    np.testing.assert_array_equal(bn.weight.detach().numpy(), 1)
    np.testing.assert_array_equal(bn.bias.detach().numpy(), 0)
    assert bn.weight.dtype == np.float32 and bn.running_var.dtype == np.float32
    plain = nn.BatchNorm2d(4, affine=False)
    assert plain.weight is None and plain.bias is None and not list(plain.parameters())
    assert list(plain.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]
    no_bias = nn.BatchNorm1d(4, bias=False)
    assert no_bias.bias is None and list(no_bias.state_dict())[:1] == ["weight"]
    assert repr(bn) == ("BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                        "track_running_stats=True)")


def test_state_dict_round_trip_through_save_and_load(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    for _ in range(3):
        model(mg.randn(8, 4))
    mg.save(model.state_dict(), tmp_path / "bn.npz")
    fresh = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    fresh.load_state_dict(mg.load(tmp_path / "bn.npz"))
    for (k, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        assert a.dtype == b.dtype, k
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(fresh[1].num_batches_tracked.numpy()) == 3
    x = mg.randn(2, 4)
    np.testing.assert_array_equal(model.eval()(x).detach().numpy(),
                                  fresh.eval()(x).detach().numpy())


def test_double_casts_the_statistics_but_not_the_counter():
    bn = nn.BatchNorm2d(2).double()
    assert bn.running_mean.dtype == np.float64 and bn.weight.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64


def test_reset_running_stats():
    bn = nn.BatchNorm1d(2)
    bn(mg.randn(6, 2) * 4 + 3)
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_mean.numpy(), 0)
    np.testing.assert_array_equal(bn.running_var.numpy(), 1)
    assert int(bn.num_batches_tracked.numpy()) == 0


def test_gradients_reach_the_parameters_in_a_model():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    F.cross_entropy(model(mg.randn(8, 3)), mg.tensor([0, 1] * 4)).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, name
    # The linear layer's bias feeds a batch norm: the normalisation removes it, so its
    # gradient is 0, as in torch.
    np.testing.assert_allclose(model[0].bias.grad.numpy(), 0, atol=1e-6)


def test_backward_keeps_the_input_not_a_normalised_copy():
    """As torch, training-mode batch norm keeps x and two numbers per channel for
    backward (not x̂, which would be a second activation-sized array): editing x in place
    before backward is an error; editing the output is not."""
    x = mg.randn(4, 3, 2, requires_grad=True)
    h = x * 1.0
    y = F.batch_norm(h, None, None, training=True)
    saved = [s for s in y.grad_fn._plain if isinstance(s, np.ndarray)]
    assert sorted(a.shape for a in saved) == [(3,), (3,), (4, 3, 2)]
    y.mul_(2)
    y.sum().backward(retain_graph=True)  # fine: the output is not needed
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


# -------------------------------------------------------------------------- errors
@pytest.mark.parametrize("layer, shape, message", [
    (nn.BatchNorm1d(3), (4, 5), r"BatchNorm1d\(3\): expected 3 channels .* got 5"),
    (nn.BatchNorm2d(3), (4, 1, 5, 5), r"BatchNorm2d\(3\): expected 3 channels .* got 1"),
    (nn.BatchNorm1d(3), (2, 3, 4, 4), r"BatchNorm1d: expected 2D or 3D input, got 4D"),
    (nn.BatchNorm1d(3), (3,), r"BatchNorm1d: expected 2D or 3D input, got 1D"),
    (nn.BatchNorm2d(3), (2, 3, 4), r"BatchNorm2d: expected 4D input, got 3D"),
])
def test_wrong_input_names_the_layer(layer, shape, message):
    with pytest.raises(ValueError, match=message):
        layer(mg.randn(*shape))


@pytest.mark.parametrize("layer, shape", [(nn.BatchNorm1d(3), (1, 3)),
                                          (nn.BatchNorm1d(3), (1, 3, 1)),
                                          (nn.BatchNorm2d(3), (1, 3, 1, 1))])
def test_one_value_per_channel_is_an_error_in_training(layer, shape):
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when "
                                         r"training, got input size \(1, 3"):
        layer(mg.randn(*shape))
    assert int(layer.num_batches_tracked.numpy()) == 0  # the failed batch was not counted
    layer.eval()(mg.randn(*shape))  # eval mode uses the running statistics: fine


def test_functional_errors():
    x = mg.randn(4, 3)
    with pytest.raises(ValueError, match="batch_norm: running_mean of shape"):
        F.batch_norm(x, mg.zeros(2), mg.ones(3), training=True)
    with pytest.raises(ValueError, match="batch_norm: weight of shape"):
        F.batch_norm(x, None, None, mg.ones(4), training=True)
    with pytest.raises(ValueError, match="running_mean and running_var are needed"):
        F.batch_norm(x, None, None, training=False)
    with pytest.raises(ValueError, match="eps must be positive"):
        F.batch_norm(x, None, None, training=True, eps=0)
    with pytest.raises(TypeError, match="momentum must be a float"):
        F.batch_norm(x, mg.zeros(3), mg.ones(3), training=True, momentum=None)
    with pytest.raises(TypeError, match="floating"):
        F.batch_norm(mg.tensor([[1, 2], [3, 4]]), None, None, training=True)
    with pytest.raises(ValueError, match="num_features must be a positive int"):
        nn.BatchNorm2d(0)
    with pytest.raises(ValueError, match="momentum must be in"):
        nn.BatchNorm1d(3, momentum=1.5)
