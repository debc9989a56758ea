"""nn.functional and the loss modules: closed forms, stability, errors, gradient checks.

Parity with PyTorch lives in test_functional_torch.py.
"""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck, gradgradcheck

REDUCTIONS = ["mean", "sum", "none"]


def rng():
    return np.random.default_rng(0)


def t64(a, requires_grad=False):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def softmax_np(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def reduce_np(v, reduction):
    return v.mean() if reduction == "mean" else v.sum() if reduction == "sum" else v


# ------------------------------------------------------------- activations, misc
def test_functional_activations():
    x = t64(np.linspace(-4, 4, 9))
    np.testing.assert_allclose(F.relu(x).array, np.maximum(x.array, 0))
    np.testing.assert_allclose(F.leaky_relu(x, 0.1).array, np.where(x.array > 0, x.array,
                                                                   0.1 * x.array))
    np.testing.assert_allclose(F.sigmoid(x).array, 1 / (1 + np.exp(-x.array)), rtol=1e-13)
    np.testing.assert_allclose(F.tanh(x).array, np.tanh(x.array), rtol=1e-13)
    z = t64(rng().standard_normal((3, 5)))
    np.testing.assert_allclose(F.softmax(z, dim=1).array, softmax_np(z.array, 1), rtol=1e-13)
    np.testing.assert_allclose(F.log_softmax(z, dim=0).array, np.log(softmax_np(z.array, 0)),
                               rtol=1e-12)


def test_functional_dropout():
    x = mg.ones(1000, dtype=mg.float64)
    assert F.dropout(x, 0.5, training=False) is x
    y = F.dropout(x, 0.5).array
    assert set(np.unique(y)) == {0.0, 2.0}
    with pytest.raises(ValueError, match="p"):
        F.dropout(x, 2.0)


def test_one_hot():
    oh = F.one_hot(mg.tensor([2, 0, 1]), 4)
    np.testing.assert_array_equal(oh.array, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]])
    assert oh.dtype == np.int64
    assert F.one_hot(mg.tensor([1, 3])).shape == (2, 4)  # inferred num_classes
    assert F.one_hot(mg.tensor([[0, 1], [1, 0]]), 2).shape == (2, 2, 2)
    with pytest.raises(ValueError, match="5"):
        F.one_hot(mg.tensor([0, 5]), 3)
    with pytest.raises(TypeError):
        F.one_hot(mg.tensor([0.0, 1.0]))


def test_linear_functional_gradcheck_and_gradgradcheck():
    r = rng()
    x = t64(r.standard_normal((4, 3)), True)
    w = t64(r.standard_normal((2, 3)), True)
    b = t64(r.standard_normal(2), True)
    assert gradcheck(F.linear, [x, w, b])
    assert gradgradcheck(F.linear, [x, w, b])
    assert gradcheck(lambda x, w: F.linear(x, w), [x, w])
    x3 = t64(r.standard_normal((2, 2, 3)), True)
    assert gradcheck(F.linear, [x3, w, b])
    assert gradgradcheck(F.linear, [x3, w, b])


def test_linear_only_needed_grads():
    x = t64(rng().standard_normal((4, 3)))  # no grad wanted
    lin = nn.Linear(3, 2, dtype=mg.float64)
    lin(x).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(lin.weight.grad.array, np.tile(x.array.sum(0), (2, 1)))
    np.testing.assert_allclose(lin.bias.grad.array, [4, 4])


# ------------------------------------------------------------------ cross entropy
def test_cross_entropy_initial_loss_is_log_c():
    for c in (2, 10, 37):
        loss = F.cross_entropy(mg.zeros(8, c), mg.tensor(np.arange(8) % c))
        assert loss.item() == pytest.approx(math.log(c), rel=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_closed_form_value_and_grad(reduction):
    r = rng()
    z = r.standard_normal((6, 4))
    y = np.array([0, 3, 1, 1, 2, 0])
    x = t64(z, True)
    loss = F.cross_entropy(x, mg.tensor(y), reduction=reduction)
    p = softmax_np(z)
    per = -np.log(p[np.arange(6), y])
    np.testing.assert_allclose(loss.array, reduce_np(per, reduction), rtol=1e-12)
    upstream = np.ones(6) if reduction == "none" else 1.0
    loss.backward(t64(upstream) if reduction == "none" else None)
    onehot = np.eye(4)[y]
    expected = (p - onehot) / (6 if reduction == "mean" else 1)
    np.testing.assert_allclose(x.grad.array, expected, rtol=1e-12, atol=1e-15)


def test_cross_entropy_probability_targets_closed_form():
    r = rng()
    z = r.standard_normal((5, 3))
    q = softmax_np(r.standard_normal((5, 3)))
    x = t64(z, True)
    loss = F.cross_entropy(x, t64(q))
    np.testing.assert_allclose(loss.item(), -(q * np.log(softmax_np(z))).sum(1).mean(),
                               rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(x.grad.array, (softmax_np(z) - q) / 5, rtol=1e-12, atol=1e-15)


def test_cross_entropy_one_hot_rows_equal_indices():
    z = t64(rng().standard_normal((4, 5)))
    y = np.array([4, 0, 2, 2])
    a = F.cross_entropy(z, mg.tensor(y))
    b = F.cross_entropy(z, t64(np.eye(5)[y]))
    assert a.item() == pytest.approx(b.item(), rel=1e-14)


def test_cross_entropy_label_smoothing_closed_form():
    z = rng().standard_normal((4, 5))
    y = np.array([1, 0, 4, 2])
    eps = 0.2
    q = np.eye(5)[y] * (1 - eps) + eps / 5
    loss = F.cross_entropy(t64(z), mg.tensor(y), label_smoothing=eps)
    np.testing.assert_allclose(loss.item(), -(q * np.log(softmax_np(z))).sum(1).mean(),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(t64(z), mg.tensor(y), label_smoothing=1.5)


def test_cross_entropy_single_sample_layout():
    z = rng().standard_normal(4)
    loss = F.cross_entropy(t64(z), mg.tensor(2))
    assert loss.shape == ()
    assert loss.item() == pytest.approx(-np.log(softmax_np(z))[2], rel=1e-12)
    assert F.cross_entropy(t64(z), mg.tensor(2), reduction="none").shape == ()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_spatial_layout(reduction):
    r = rng()
    z = r.standard_normal((2, 3, 4, 5))  # (N, C, d1, d2)
    y = r.integers(0, 3, (2, 4, 5))
    loss = F.cross_entropy(t64(z), mg.tensor(y), reduction=reduction)
    logp = np.log(softmax_np(z, axis=1))
    per = -np.take_along_axis(logp, y[:, None], axis=1)[:, 0]
    assert per.shape == (2, 4, 5)
    np.testing.assert_allclose(loss.array, reduce_np(per, reduction), rtol=1e-12)


def test_cross_entropy_stable_for_huge_logits():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0], [1000.0, 1000.0, 1000.0]])
    x = t64(z, True)
    loss = F.cross_entropy(x, mg.tensor([1, 1, 2]))
    assert np.isfinite(loss.item())
    # row 0: 2000; row 1: log(1 + e^-1); row 2: log 3
    expected = (2000 + math.log1p(math.exp(-1)) + math.log(3)) / 3
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    loss.backward()
    assert np.isfinite(x.grad.array).all()
    np.testing.assert_allclose(x.grad.array.sum(1), 0, atol=1e-15)
    x32 = mg.tensor(z.astype(np.float32), requires_grad=True)
    l32 = F.cross_entropy(x32, mg.tensor([1, 1, 2]))
    l32.backward()
    assert np.isfinite(l32.item()) and np.isfinite(x32.grad.array).all()
    assert l32.dtype == np.float32 and x32.grad.dtype == np.float32


def test_cross_entropy_out_of_range_class_names_it():
    with pytest.raises(IndexError, match="7"):
        F.cross_entropy(mg.zeros(3, 5), mg.tensor([0, 7, 1]))
    with pytest.raises(IndexError, match="-1"):
        F.cross_entropy(mg.zeros(3, 5), mg.tensor([0, -1, 1]))


def test_cross_entropy_bad_inputs():
    with pytest.raises(ValueError, match="shape"):
        F.cross_entropy(mg.zeros(3, 5), mg.tensor([0, 1]))
    with pytest.raises(ValueError, match="shape"):
        F.cross_entropy(mg.zeros(3, 5), mg.zeros(3, 4))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(mg.zeros(3, 5), mg.tensor([0, 1, 2]), reduction="avg")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_gradcheck(reduction):
    r = rng()
    x = t64(r.standard_normal((4, 3)), True)
    y = mg.tensor([0, 2, 1, 2])
    fn = lambda x: F.cross_entropy(x, y, reduction=reduction, label_smoothing=0.1)  # noqa: E731
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])
    q = t64(softmax_np(r.standard_normal((4, 3))), True)
    fn2 = lambda x, q: F.cross_entropy(x, q, reduction=reduction)  # noqa: E731
    assert gradcheck(fn2, [x, q])
    assert gradgradcheck(fn2, [x, q])
    xs = t64(r.standard_normal((2, 3, 2)), True)
    ys = mg.tensor([[0, 2], [1, 1]])
    assert gradcheck(lambda x: F.cross_entropy(x, ys, reduction=reduction), [xs])
    assert gradgradcheck(lambda x: F.cross_entropy(x, ys, reduction=reduction), [xs])


def test_cross_entropy_loss_module():
    mod = nn.CrossEntropyLoss(label_smoothing=0.1)
    z, y = t64(rng().standard_normal((3, 4))), mg.tensor([0, 1, 3])
    assert mod(z, y).item() == F.cross_entropy(z, y, label_smoothing=0.1).item()
    assert nn.CrossEntropyLoss(reduction="none")(z, y).shape == (3,)


# ------------------------------------------------------------------------ NLL
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction):
    r = rng()
    lp = np.log(softmax_np(r.standard_normal((5, 3))))
    y = np.array([2, 0, 1, 1, 0])
    x = t64(lp, True)
    loss = F.nll_loss(x, mg.tensor(y), reduction=reduction)
    np.testing.assert_allclose(loss.array, reduce_np(-lp[np.arange(5), y], reduction))
    assert gradcheck(lambda x: F.nll_loss(x, mg.tensor(y), reduction=reduction), [x])
    # log_softmax + nll == cross_entropy
    z = t64(r.standard_normal((5, 3)))
    np.testing.assert_allclose(
        F.nll_loss(F.log_softmax(z, dim=1), mg.tensor(y), reduction).array,
        F.cross_entropy(z, mg.tensor(y), reduction).array, rtol=1e-12)
    with pytest.raises(IndexError, match="3"):
        F.nll_loss(x, mg.tensor([0, 1, 3, 0, 0]))
    assert nn.NLLLoss(reduction)(x, mg.tensor(y)).shape == loss.shape


# ------------------------------------------------------------------- MSE and L1
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_and_l1(reduction):
    r = rng()
    a, b = r.standard_normal((3, 4)), r.standard_normal((3, 4))
    x, t = t64(a, True), t64(b, True)
    np.testing.assert_allclose(F.mse_loss(x, t, reduction).array,
                               reduce_np((a - b) ** 2, reduction), rtol=1e-13)
    np.testing.assert_allclose(F.l1_loss(x, t, reduction).array,
                               reduce_np(np.abs(a - b), reduction), rtol=1e-13)
    np.testing.assert_allclose(nn.MSELoss(reduction)(x, t).array,
                               F.mse_loss(x, t, reduction).array)
    np.testing.assert_allclose(nn.L1Loss(reduction)(x, t).array, F.l1_loss(x, t, reduction).array)
    assert gradcheck(lambda x, t: F.mse_loss(x, t, reduction), [x, t])
    assert gradgradcheck(lambda x, t: F.mse_loss(x, t, reduction), [x, t])
    assert gradcheck(lambda x, t: F.l1_loss(x, t, reduction), [x, t])


def test_mse_closed_form_gradient():
    a, b = rng().standard_normal(6), rng().standard_normal(6) + 1
    x = t64(a, True)
    F.mse_loss(x, t64(b)).backward()
    np.testing.assert_allclose(x.grad.array, 2 * (a - b) / 6, rtol=1e-13)


def test_regression_losses_refuse_broadcasting():
    with pytest.raises(ValueError, match="shape"):
        F.mse_loss(mg.zeros(4, 1), mg.zeros(4))
    with pytest.raises(ValueError, match="shape"):
        F.l1_loss(mg.zeros(4), mg.zeros(1, 4))


# ------------------------------------------------------------------------- BCE
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_closed_form_and_gradcheck(reduction):
    r = rng()
    p = r.uniform(0.05, 0.95, (3, 4))
    t = r.uniform(0, 1, (3, 4))
    x, tt = t64(p, True), t64(t, True)
    per = -(t * np.log(p) + (1 - t) * np.log1p(-p))
    np.testing.assert_allclose(F.binary_cross_entropy(x, tt, reduction).array,
                               reduce_np(per, reduction), rtol=1e-12)
    assert gradcheck(lambda x, t: F.binary_cross_entropy(x, t, reduction), [x, tt])
    np.testing.assert_allclose(nn.BCELoss(reduction)(x, tt).array,
                               F.binary_cross_entropy(x, tt, reduction).array)


def test_bce_probabilities_zero_and_one_are_finite():
    x = t64([0.0, 1.0, 0.0, 1.0], True)
    t = t64([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(x, t, reduction="none")
    np.testing.assert_allclose(loss.array, [100, 100, 0, 0])  # logs clamped at -100
    loss.sum().backward()
    assert np.isfinite(x.grad.array).all()
    np.testing.assert_allclose(x.grad.array, [-1e12, 1e12, 0, 0])


def test_bce_rejects_non_probabilities():
    with pytest.raises(ValueError, match="sigmoid|logits"):
        F.binary_cross_entropy(t64([0.5, 1.5]), t64([0.0, 1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_bce_of_sigmoid(reduction):
    r = rng()
    z = r.standard_normal((4, 3)) * 3
    t = r.uniform(0, 1, (4, 3))
    x, tt = t64(z, True), t64(t, True)
    a = F.binary_cross_entropy_with_logits(x, tt, reduction)
    b = F.binary_cross_entropy(F.sigmoid(t64(z)), t64(t), reduction)
    np.testing.assert_allclose(a.array, b.array, rtol=1e-10)
    fn = lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction)  # noqa: E731
    assert gradcheck(fn, [x, tt])
    assert gradgradcheck(fn, [x, tt])


def test_bce_with_logits_closed_form_gradient():
    z = rng().standard_normal(5)
    t = np.array([0, 1, 1, 0, 1.0])
    x = t64(z, True)
    F.binary_cross_entropy_with_logits(x, t64(t)).backward()
    np.testing.assert_allclose(x.grad.array, (1 / (1 + np.exp(-z)) - t) / 5, rtol=1e-12)


def test_bce_with_logits_stable_for_large_logits():
    x = t64([1000.0, -1000.0, 800.0, -800.0], True)
    t = t64([0.0, 1.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(loss.array, [1000, 1000, 0, 0], atol=1e-300)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.array, [1, -1, 0, 0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_pos_weight(reduction):
    r = rng()
    z, t = r.standard_normal((4, 3)), (r.uniform(size=(4, 3)) > 0.5).astype(float)
    pw = np.array([0.5, 2.0, 3.0])
    s = 1 / (1 + np.exp(-z))
    per = -(pw * t * np.log(s) + (1 - t) * np.log(1 - s))
    x = t64(z, True)
    loss = F.binary_cross_entropy_with_logits(x, t64(t), reduction, pos_weight=t64(pw))
    np.testing.assert_allclose(loss.array, reduce_np(per, reduction), rtol=1e-12)
    fn = lambda x: F.binary_cross_entropy_with_logits(x, t64(t), reduction,  # noqa: E731
                                                      pos_weight=pw)
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])
    mod = nn.BCEWithLogitsLoss(reduction, pos_weight=t64(pw))
    np.testing.assert_allclose(mod(x, t64(t)).array, loss.array)


# ---------------------------------------------------------------------- KL div
@pytest.mark.parametrize("reduction", ["batchmean", "mean", "sum", "none"])
def test_kl_div(reduction):
    r = rng()
    logq = np.log(softmax_np(r.standard_normal((4, 5))))
    p = softmax_np(r.standard_normal((4, 5)))
    p[0, 1] = 0.0  # 0 log 0 = 0
    x = t64(logq, True)
    per = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1)) - logq), 0)
    expected = per.sum() / 4 if reduction == "batchmean" else reduce_np(per, reduction)
    out = F.kl_div(x, t64(p), reduction)
    np.testing.assert_allclose(out.array, expected, rtol=1e-12)
    assert np.isfinite(out.array).all()
    assert gradcheck(lambda x: F.kl_div(x, t64(p), reduction), [x])
    # log_target gives the same value from log-probabilities
    logp = np.log(softmax_np(r.standard_normal((4, 5))))
    tl = t64(logp, True)
    per_l = np.exp(logp) * (logp - logq)
    exp_l = per_l.sum() / 4 if reduction == "batchmean" else reduce_np(per_l, reduction)
    np.testing.assert_allclose(F.kl_div(x, tl, reduction, log_target=True).array, exp_l,
                               rtol=1e-12)
    assert gradcheck(lambda x, t: F.kl_div(x, t, reduction, log_target=True), [x, tl])
    mod = nn.KLDivLoss(reduction)
    np.testing.assert_allclose(mod(x, t64(p)).array, out.array)


def test_kl_div_is_zero_for_equal_distributions():
    p = softmax_np(rng().standard_normal((3, 4)))
    assert F.kl_div(t64(np.log(p)), t64(p)).item() == pytest.approx(0, abs=1e-15)
    with pytest.raises(ValueError, match="batchmean"):
        F.kl_div(t64(np.log(p)), t64(p), reduction="avg")


def test_loss_module_reprs():
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert "sum" in repr(nn.L1Loss(reduction="sum"))
