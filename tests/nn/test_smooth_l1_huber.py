"""``smooth_l1_loss`` / ``huber_loss`` and their modules: values, gradients (numerical
and torch's, at the kink |d| = beta too), beta = 0, bad arguments."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck, gradgradcheck
from minigrad.testing.strategies import tensors

REDUCTIONS = ["mean", "sum", "none"]


def smooth_l1_np(d, beta):
    a = np.abs(d)
    return np.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta) if beta else a


def huber_np(d, delta):
    a = np.abs(d)
    return np.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))


def reduce_np(x, reduction):
    return {"mean": x.mean(), "sum": x.sum(), "none": x}[reduction]


@given(tensors(shape=(3, 4)), tensors(shape=(3, 4)), st.sampled_from([0.0, 0.3, 1.0, 2.5]),
       st.sampled_from(REDUCTIONS))
def test_values_match_the_formula(x, y, beta, reduction):
    d = np.asarray(x) - np.asarray(y)
    out = F.smooth_l1_loss(x, y, reduction, beta=beta)
    np.testing.assert_allclose(np.asarray(out), reduce_np(smooth_l1_np(d, beta), reduction),
                               rtol=1e-12)
    if beta:
        out = F.huber_loss(x, y, reduction, delta=beta)
        np.testing.assert_allclose(np.asarray(out), reduce_np(huber_np(d, beta), reduction),
                                   rtol=1e-12)


def _away_from_kinks(beta):
    # central differences need |d| clear of 0 and of beta (where the formula switches)
    rng = np.random.default_rng(4)
    d = rng.uniform(0.1, 3.0, (4, 3)) * rng.choice([-1, 1], (4, 3))
    d[np.abs(np.abs(d) - beta) < 0.05] += 0.2
    return d


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradients_numerically(beta, reduction):
    d = _away_from_kinks(beta)
    x = mg.tensor(d, requires_grad=True)
    y = mg.tensor(np.zeros_like(d), requires_grad=True)
    assert gradcheck(lambda a, b: F.smooth_l1_loss(a, b, reduction, beta), [x, y])
    assert gradgradcheck(lambda a, b: F.smooth_l1_loss(a, b, reduction, beta), [x, y])
    if beta:
        assert gradcheck(lambda a, b: F.huber_loss(a, b, reduction, beta), [x, y])
        assert gradgradcheck(lambda a, b: F.huber_loss(a, b, reduction, beta), [x, y])


def test_gradient_at_the_kink_and_at_zero():
    beta = 0.5
    x = mg.tensor([-0.5, 0.5, 0.0, 1.0, -2.0], dtype=mg.float64, requires_grad=True)
    F.smooth_l1_loss(x, mg.zeros(5, dtype=mg.float64), "sum", beta).backward()
    assert x.grad is not None
    np.testing.assert_array_equal(np.asarray(x.grad), [-1, 1, 0, 1, -1])
    x.grad = None
    F.huber_loss(x, mg.zeros(5, dtype=mg.float64), "sum", beta).backward()
    assert x.grad is not None
    np.testing.assert_array_equal(np.asarray(x.grad), [-0.5, 0.5, 0, 0.5, -0.5])


def test_beta_zero_is_l1():
    x, y = mg.randn(5, requires_grad=True), mg.randn(5)
    assert F.smooth_l1_loss(x, y, beta=0.0).item() == F.l1_loss(x, y).item()


def test_modules_and_dtype():
    x, y = mg.randn(4, 2), mg.randn(4, 2)
    assert nn.SmoothL1Loss(beta=0.3)(x, y).item() == F.smooth_l1_loss(x, y, beta=0.3).item()
    assert nn.HuberLoss("sum", delta=2.0)(x, y).item() == F.huber_loss(x, y, "sum", 2.0).item()
    assert F.smooth_l1_loss(x, y).dtype == np.float32
    assert repr(nn.SmoothL1Loss()) == "SmoothL1Loss()"
    assert repr(nn.HuberLoss(reduction="sum")) == "HuberLoss(reduction='sum')"


def test_bad_arguments():
    x = mg.zeros(3)
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be >= 0, got -1"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(ValueError, match="huber_loss: delta must be > 0, got 0"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="smooth_l1_loss: reduction"):
        F.smooth_l1_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="huber_loss: input shape"):
        F.huber_loss(x, mg.zeros(3, 1))


@pytest.mark.needs_torch
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_matches_torch(beta, reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    d = rng.standard_normal((5, 4)) * 2
    d[0, :4] = [beta, -beta, 0.0, beta / 2]  # at the kink, at 0
    up = rng.standard_normal(() if reduction != "none" else d.shape)
    pairs = [(F.smooth_l1_loss, torch.nn.functional.smooth_l1_loss, {"beta": beta})]
    if beta:
        pairs.append((F.huber_loss, torch.nn.functional.huber_loss, {"delta": beta}))
    for ours, theirs, kw in pairs:
        x, t = mg.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
        y, ty = mg.tensor(d * 0.3, requires_grad=True), torch.tensor(d * 0.3,
                                                                     requires_grad=True)
        out = ours(x, y, reduction, **kw)
        tout = theirs(t, ty, reduction=reduction, **kw)
        np.testing.assert_allclose(np.asarray(out.detach()), tout.detach().numpy(),
                                   rtol=1e-12, atol=1e-14)
        out.backward(mg.tensor(up))
        tout.backward(torch.tensor(up))
        assert x.grad is not None and y.grad is not None
        np.testing.assert_allclose(np.asarray(x.grad), t.grad.numpy(), rtol=1e-12,
                                   atol=1e-14)
        np.testing.assert_allclose(np.asarray(y.grad), ty.grad.numpy(), rtol=1e-12,
                                   atol=1e-14)


@pytest.mark.needs_torch
def test_exact_kink_matches_torch():
    torch = pytest.importorskip("torch")
    beta = 0.75
    d = np.array([beta, -beta, 0.0])
    x, t = mg.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
    F.smooth_l1_loss(x, mg.zeros(3, dtype=mg.float64), "sum", beta).backward()
    torch.nn.functional.smooth_l1_loss(t, torch.zeros(3, dtype=torch.float64),
                                       reduction="sum", beta=beta).backward()
    assert x.grad is not None
    np.testing.assert_array_equal(np.asarray(x.grad), t.grad.numpy())
