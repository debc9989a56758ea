"""Layers, containers and nn.summary."""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.testing import gradcheck


def t64(a, requires_grad=False):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


# ------------------------------------------------------------------------ Linear
def test_linear_shapes_and_formula():
    lin = nn.Linear(5, 3)
    assert lin.weight.shape == (3, 5) and lin.bias.shape == (3,)
    x = mg.randn(4, 5)
    expected = x.array @ lin.weight.array.T + lin.bias.array
    np.testing.assert_allclose(lin(x).array, expected, rtol=1e-6)
    # extra leading dims and a single vector
    x3 = mg.randn(2, 4, 5)
    assert lin(x3).shape == (2, 4, 3)
    np.testing.assert_allclose(lin(x3).array, x3.array @ lin.weight.array.T + lin.bias.array,
                               rtol=1e-5, atol=1e-6)
    assert lin(mg.randn(5)).shape == (3,)


def test_linear_without_bias():
    lin = nn.Linear(4, 2, bias=False)
    assert lin.bias is None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    x = mg.randn(3, 4)
    np.testing.assert_allclose(lin(x).array, x.array @ lin.weight.array.T, rtol=1e-6)


def test_dense_is_linear():
    assert nn.Dense is nn.Linear or issubclass(nn.Dense, nn.Linear)
    d = nn.Dense(3, 2)
    assert d.weight.shape == (2, 3)


def test_linear_wrong_input_is_clear_error():
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(4, 2)(mg.zeros(3, 5))
    with pytest.raises(ValueError):
        nn.Linear(-1, 2)


def test_linear_default_dtype_float32_and_float64_option():
    assert nn.Linear(2, 2).weight.dtype == np.float32
    lin = nn.Linear(2, 2, dtype=mg.float64)
    assert lin.weight.dtype == np.float64 and lin.bias.dtype == np.float64


@pytest.mark.parametrize("fan_in", [1, 3, 50, 784])
def test_linear_init_bounds(fan_in):
    lin = nn.Linear(fan_in, 64)
    bound = 1 / math.sqrt(fan_in)
    w, b = lin.weight.array, lin.bias.array
    assert np.abs(w).max() <= bound
    assert np.abs(b).max() <= bound
    # the samples actually reach close to the bounds (not some narrower scheme)
    assert np.abs(w).max() > 0.9 * bound


def test_linear_init_distribution_is_uniform():
    fan_in, fan_out = 400, 500
    lin = nn.Linear(fan_in, fan_out)
    bound = 1 / math.sqrt(fan_in)
    w = lin.weight.array.astype(np.float64).ravel() / bound  # should be U(-1, 1)
    n = w.size
    assert abs(w.mean()) < 4 / math.sqrt(3 * n)  # 4 standard errors
    assert w.var() == pytest.approx(1 / 3, rel=0.01)
    # Kolmogorov-Smirnov distance to U(-1, 1); critical value at alpha 0.001 ~ 1.95/sqrt(n)
    s = np.sort(w)
    cdf = (s + 1) / 2
    ks = max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n))
    assert ks < 1.95 / math.sqrt(n)
    # a normal distribution of the same variance would have far fewer values near the edge
    hist, _ = np.histogram(w, bins=10, range=(-1, 1))
    np.testing.assert_allclose(hist / n, 0.1, atol=0.005)


def test_linear_bias_distribution():
    lin = nn.Linear(100, 20000)
    b = lin.bias.array.astype(np.float64) * math.sqrt(100)
    assert b.var() == pytest.approx(1 / 3, rel=0.03)
    assert np.abs(b).max() <= 1


def test_linear_init_reproducible_under_manual_seed():
    mg.manual_seed(123)
    a = nn.Linear(10, 7)
    mg.manual_seed(123)
    b = nn.Linear(10, 7)
    np.testing.assert_array_equal(a.weight.array, b.weight.array)
    np.testing.assert_array_equal(a.bias.array, b.bias.array)
    c = nn.Linear(10, 7)
    assert not np.array_equal(b.weight.array, c.weight.array)


def test_linear_gradients():
    lin = nn.Linear(3, 2, dtype=mg.float64)
    x = t64(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    assert gradcheck(lambda x, w, b: nn.functional.linear(x, w, b), [x, lin.weight, lin.bias])


# ------------------------------------------------------------------ activations
def test_activation_modules_match_formulas():
    x = t64(np.linspace(-3, 3, 13))
    xd = x.array
    np.testing.assert_allclose(nn.ReLU()(x).array, np.maximum(xd, 0))
    np.testing.assert_allclose(nn.LeakyReLU()(x).array, np.where(xd > 0, xd, 0.01 * xd))
    np.testing.assert_allclose(nn.LeakyReLU(0.3)(x).array, np.where(xd > 0, xd, 0.3 * xd))
    np.testing.assert_allclose(nn.Sigmoid()(x).array, 1 / (1 + np.exp(-xd)), rtol=1e-12)
    np.testing.assert_allclose(nn.Tanh()(x).array, np.tanh(xd), rtol=1e-12)
    assert nn.Identity()(x) is x


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_modules(dim):
    x = t64(np.random.default_rng(1).standard_normal((3, 4)) * 5)
    e = np.exp(x.array - x.array.max(axis=dim, keepdims=True))
    p = e / e.sum(axis=dim, keepdims=True)
    np.testing.assert_allclose(nn.Softmax(dim)(x).array, p, rtol=1e-12)
    np.testing.assert_allclose(nn.Softmax(dim)(x).array.sum(axis=dim), 1, rtol=1e-12)
    np.testing.assert_allclose(nn.LogSoftmax(dim)(x).array, np.log(p), rtol=1e-10, atol=1e-12)


def test_flatten():
    x = mg.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, -1)(x).shape == (120,)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    np.testing.assert_array_equal(nn.Flatten()(x).array, x.array.reshape(2, 60))


def test_activation_reprs():
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.Dropout(0.25)).startswith("Dropout(p=0.25")


# ----------------------------------------------------------------------- Dropout
def test_dropout_training_zeroes_and_scales():
    p = 0.3
    drop = nn.Dropout(p)
    x = mg.ones(200, 500, dtype=mg.float64)
    y = drop(x).array
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-12)
    frac = 1 - kept.mean()
    assert abs(frac - p) < 4 * math.sqrt(p * (1 - p) / y.size)
    # expectation preserved
    assert y.mean() == pytest.approx(1.0, abs=0.01)


def test_dropout_eval_is_identity():
    drop = nn.Dropout(0.5).eval()
    x = mg.randn(10, 10)
    np.testing.assert_array_equal(drop(x).array, x.array)


def test_dropout_follows_parent_mode():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.9))
    x = mg.randn(8, 4)
    model.eval()
    a, b = model(x).array, model(x).array
    np.testing.assert_array_equal(a, b)
    model.train()
    assert (model(x).array == 0).mean() > 0.5


def test_dropout_reproducible_under_manual_seed():
    x = mg.randn(50, 50)
    drop = nn.Dropout(0.5)
    mg.manual_seed(7)
    a = drop(x).array
    mg.manual_seed(7)
    b = drop(x).array
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, drop(x).array)


def test_dropout_gradient_uses_same_mask():
    x = t64(np.ones((20, 20)), requires_grad=True)
    y = nn.Dropout(0.4)(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.array, y.array)  # d(x*m/(1-p))/dx = m/(1-p)


def test_dropout_edge_probabilities():
    x = mg.randn(5, 5)
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).array, x.array)
    assert not nn.Dropout(1.0)(x).array.any()
    with pytest.raises(ValueError):
        nn.Dropout(1.5)
    with pytest.raises(ValueError):
        nn.Dropout(-0.1)


def test_dropout_keeps_dtype():
    assert nn.Dropout(0.5)(mg.ones(3, dtype=mg.float32)).dtype == np.float32
    assert nn.Dropout(0.5)(mg.ones(3, dtype=mg.float64)).dtype == np.float64


# ------------------------------------------------------------------- containers
def test_sequential_forward_indexing_slicing_len_iter_append():
    l1, act, l2 = nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)
    seq = nn.Sequential(l1, act, l2)
    x = mg.randn(5, 4)
    np.testing.assert_allclose(seq(x).array, l2(act(l1(x))).array)
    assert len(seq) == 3
    assert seq[0] is l1 and seq[-1] is l2 and seq[1] is act
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    assert head[0] is l1 and head[1] is act
    np.testing.assert_allclose(head(x).array, act(l1(x)).array)
    assert list(seq) == [l1, act, l2]
    with pytest.raises(IndexError):
        seq[3]
    l3 = nn.Linear(2, 1)
    seq.append(l3)
    assert len(seq) == 4 and seq[3] is l3
    assert seq(x).shape == (5, 1)
    assert [n for n, _ in seq.named_parameters()][-2:] == ["3.weight", "3.bias"]


def test_sequential_rejects_non_module():
    with pytest.raises(TypeError, match="instantiate"):
        nn.Sequential(nn.Linear(1, 1), nn.ReLU)
    with pytest.raises(TypeError):
        nn.Sequential().append(lambda x: x)


def test_module_list_registers_and_indexes():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3
    assert len(list(layers.parameters())) == 6
    layers.append(nn.Linear(2, 1))
    assert len(layers) == 4 and isinstance(layers[-1], nn.Linear)
    layers.extend([nn.ReLU()])
    assert len(layers) == 5
    assert [type(m).__name__ for m in layers] == ["Linear"] * 4 + ["ReLU"]
    assert len(layers[1:3]) == 2

    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    s = Stack()
    assert [n for n, _ in s.named_parameters()] == ["layers.0.weight", "layers.0.bias",
                                                    "layers.1.weight", "layers.1.bias"]
    assert s(mg.randn(3, 2)).shape == (3, 2)


# ----------------------------------------------------------------------- summary
def test_summary_linear_784_10():
    text = nn.summary(nn.Linear(784, 10), (784,), print_fn=None)
    assert "Linear" in text and "7,850" in text
    assert "[-1, 10]" in text
    assert "Total params: 7,850" in text
    assert "Trainable params: 7,850" in text
    assert "Non-trainable params: 0" in text


def test_summary_mlp_rows_and_frozen_layer(capsys):
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    model[1].requires_grad_(False)
    text = nn.summary(model, (28, 28))
    assert capsys.readouterr().out == ""  # returned, not printed: print() shows it once
    print(nn.summary(model, (28, 28)))
    assert capsys.readouterr().out == text + "\n"
    assert repr(text) == text  # a REPL shows the table, not a quoted string
    lines = text.splitlines()
    rows = [ln for ln in lines if ln.split() and ln.split()[0].split("-")[0] in
            ("Flatten", "Linear", "ReLU")]
    assert [r.split()[0] for r in rows] == ["Flatten-1", "Linear-2", "ReLU-3", "Linear-4"]
    assert "[-1, 784]" in rows[0] and rows[0].rstrip().endswith(" 0")
    assert "[-1, 128]" in rows[1] and rows[1].rstrip().endswith("100,480")
    assert rows[3].rstrip().endswith("1,290")
    assert "Total params: 101,770" in text
    assert "Trainable params: 1,290" in text
    assert "Non-trainable params: 100,480" in text


def test_summary_restores_training_mode_and_removes_hooks():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    model.train()
    nn.summary(model, (3,), print_fn=None)
    assert all(m.training for m in model.modules())
    assert all(not m._forward_hooks for m in model.modules())
    model.eval()
    nn.summary(model, (3,), print_fn=None)
    assert not any(m.training for m in model.modules())


def test_summary_counts_shared_parameters_once():
    lin = nn.Linear(5, 5)
    model = nn.Sequential(lin, nn.ReLU(), lin)
    text = nn.summary(model, (5,), print_fn=None)
    assert "Total params: 30" in text


def test_sequential_append_after_slice_keeps_every_layer():
    a, b, c, d = nn.Linear(2, 2), nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    tail = nn.Sequential(a, b, c)[1:]  # keeps the names "1" and "2"
    tail.append(d)
    assert list(tail) == [b, c, d]  # torch 2.x silently replaces c here
    assert len(tail) == 3 and tail[-1] is d


def test_linear_single_vector_gradcheck():
    lin = nn.Linear(3, 2, dtype=mg.float64)
    x = t64([0.5, -1.0, 2.0], requires_grad=True)
    assert gradcheck(nn.functional.linear, [x, lin.weight, lin.bias])


def test_relu_inplace_layer_and_functional_match_torch_semantics():
    mg.manual_seed(0)
    x = mg.randn(8, 4, dtype=mg.float64)
    grads = []
    for inplace in (False, True):
        mg.manual_seed(1)
        model = nn.Sequential(nn.Linear(4, 6, dtype=mg.float64), nn.ReLU(inplace=inplace),
                              nn.Linear(6, 2, dtype=mg.float64))
        model(x).sum().backward()
        grads.append([p.grad.numpy() for p in model.parameters()])
    for plain, overwritten in zip(*grads):
        np.testing.assert_array_equal(plain, overwritten)
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    h = x * 1.0
    assert nn.functional.relu(h, inplace=True) is h and float(h.min()) >= 0
    with pytest.raises(RuntimeError, match="leaf"):
        nn.ReLU(inplace=True)(mg.randn(3, requires_grad=True))


# --------------------------------------------------------------------- Dropout2d
def _feature_maps(y, n_maps):
    """One row per feature map ``y[n, c]`` of a 4-D output."""
    return y.reshape(n_maps, -1)


def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    p = 0.3
    x = mg.ones(40, 50, 3, 4, dtype=mg.float64)
    y = _feature_maps(nn.Dropout2d(p)(x).numpy(), 40 * 50)
    assert (y.min(axis=1) == y.max(axis=1)).all()  # every map kept or zeroed whole
    kept = y[:, 0] != 0
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-12)
    frac = 1 - kept.mean()
    assert abs(frac - p) < 4 * math.sqrt(p * (1 - p) / kept.size)


def test_dropout2d_eval_edges_and_repr():
    x = mg.randn(2, 3, 4, 4)
    drop = nn.Dropout2d(0.5).eval()
    assert drop(x) is x
    assert nn.Dropout2d(0.0)(x) is x
    assert not nn.Dropout2d(1.0)(x).numpy().any()
    assert repr(nn.Dropout2d(0.25)) == "Dropout2d(p=0.25, inplace=False)"
    with pytest.raises(ValueError, match=r"Dropout2d: p must be in \[0, 1\]"):
        nn.Dropout2d(1.5)
    with pytest.raises(ValueError, match=r"dropout2d: p must be in \[0, 1\]"):
        nn.functional.dropout2d(x, -0.1)


def test_dropout2d_gradient_is_the_same_channel_mask():
    x = t64(np.random.default_rng(0).standard_normal((6, 8, 2, 3)), requires_grad=True)
    y = nn.Dropout2d(0.4)(x)
    y.sum().backward()
    mask = x.grad.numpy()
    assert set(np.unique(mask)) <= {0.0, 1 / 0.6}
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy() * mask, rtol=1e-12)
    maps = _feature_maps(mask, 48)
    assert (maps.min(axis=1) == maps.max(axis=1)).all()


def test_dropout2d_inplace_and_seed():
    x = mg.randn(4, 6, 3, 3)
    mg.manual_seed(3)
    expected = nn.Dropout2d(0.5)(x).numpy()
    h = x * 1.0
    mg.manual_seed(3)
    assert nn.Dropout2d(0.5, inplace=True)(h) is h
    np.testing.assert_array_equal(h.numpy(), expected)


def test_dropout2d_other_dims_as_torch():
    """As torch 2.13: 3-D input is read as (N, C, L), with a warning; 2-D and 5-D work
    with a warning; 1-D has no channel dim."""
    x = mg.ones(30, 40, 5)
    with pytest.warns(UserWarning, match=r"3-D input .* \(N, C, L\)"):
        y = nn.functional.dropout2d(x, 0.5).numpy()
    assert (y.min(axis=2) == y.max(axis=2)).all() and 0 < (y == 0).mean() < 1
    for shape in [(30, 40), (3, 4, 5, 6, 7)]:
        with pytest.warns(UserWarning, match="dropout2d: received a"):
            assert nn.functional.dropout2d(mg.ones(*shape), 0.5).shape == shape
    with pytest.raises(ValueError, match="dropout2d: input must have a channel dim"):
        nn.functional.dropout2d(mg.ones(5), 0.5)


def test_flatten_layer_edges_as_torch():
    x = mg.randn(2, 3)
    assert nn.Flatten()(x) is x  # nothing to merge: the input itself, as torch
    with pytest.raises(IndexError, match="flatten: dim 1 is out of range"):
        nn.Flatten()(mg.randn(3))
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
