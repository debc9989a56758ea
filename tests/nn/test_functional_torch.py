"""Losses and functional layers against PyTorch: same float64 inputs -> same values and
gradients (w.r.t. every differentiable input) for every reduction."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: threads only add contention
TF = torch.nn.functional

REDUCTIONS = ["mean", "sum", "none"]
RTOL, ATOL = 1e-10, 1e-13


def softmax_np(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def compare(mg_fn, torch_fn, arrays, grad_mask, seed=1, grad_rtol=RTOL):
    """Run both functions on the same float64 arrays, backprop the same random upstream
    gradient, and compare outputs and the gradients of inputs flagged in ``grad_mask``."""
    mg_in = [mg.tensor(a.copy(), requires_grad=g) for a, g in zip(arrays, grad_mask)]
    th_in = [torch.tensor(a.copy(), requires_grad=g) for a, g in zip(arrays, grad_mask)]
    out_mg = mg_fn(*mg_in)
    out_th = torch_fn(*th_in)
    assert out_mg.shape == tuple(out_th.shape)
    np.testing.assert_allclose(out_mg.array, out_th.detach().numpy(), rtol=RTOL, atol=ATOL)
    up = np.random.default_rng(seed).standard_normal(out_mg.shape)
    out_mg.backward(mg.tensor(up))
    out_th.backward(torch.tensor(up))
    for m, t, g in zip(mg_in, th_in, grad_mask):
        if g:
            assert m.grad is not None
            np.testing.assert_allclose(m.grad.array, t.grad.numpy(), rtol=grad_rtol,
                                       atol=ATOL)


def idx(a):
    return mg.tensor(a), torch.tensor(a)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.15])
def test_cross_entropy_index_targets(reduction, smoothing):
    r = np.random.default_rng(0)
    z = r.standard_normal((7, 5)) * 3
    y_mg, y_th = idx(r.integers(0, 5, 7))
    compare(lambda x: F.cross_entropy(x, y_mg, reduction, smoothing),
            lambda x: TF.cross_entropy(x, y_th, reduction=reduction, label_smoothing=smoothing),
            [z], [True])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_probability_targets(reduction, smoothing):
    r = np.random.default_rng(1)
    z = r.standard_normal((6, 4))
    q = softmax_np(r.standard_normal((6, 4)))
    compare(lambda x, q: F.cross_entropy(x, q, reduction, smoothing),
            lambda x, q: TF.cross_entropy(x, q, reduction=reduction, label_smoothing=smoothing),
            [z, q], [True, True])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_spatial_layout(reduction):
    r = np.random.default_rng(2)
    z = r.standard_normal((2, 4, 3, 5))
    y_mg, y_th = idx(r.integers(0, 4, (2, 3, 5)))
    compare(lambda x: F.cross_entropy(x, y_mg, reduction, 0.1),
            lambda x: TF.cross_entropy(x, y_th, reduction=reduction, label_smoothing=0.1),
            [z], [True])
    q = softmax_np(r.standard_normal((2, 4, 3, 5)), axis=1)
    compare(lambda x, q: F.cross_entropy(x, q, reduction),
            lambda x, q: TF.cross_entropy(x, q, reduction=reduction), [z, q], [True, True])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_unbatched(reduction):
    z = np.random.default_rng(3).standard_normal(6)
    y_mg, y_th = idx(np.array(4))
    compare(lambda x: F.cross_entropy(x, y_mg, reduction),
            lambda x: TF.cross_entropy(x, y_th, reduction=reduction), [z], [True])


def test_cross_entropy_huge_logits_match_torch():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
    y_mg, y_th = idx(np.array([1, 2]))
    compare(lambda x: F.cross_entropy(x, y_mg), lambda x: TF.cross_entropy(x, y_th),
            [z], [True])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction):
    r = np.random.default_rng(4)
    lp = np.log(softmax_np(r.standard_normal((5, 3))))
    y_mg, y_th = idx(r.integers(0, 3, 5))
    compare(lambda x: F.nll_loss(x, y_mg, reduction),
            lambda x: TF.nll_loss(x, y_th, reduction=reduction), [lp], [True])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_and_l1(reduction):
    r = np.random.default_rng(5)
    a, b = r.standard_normal((4, 3)), r.standard_normal((4, 3))
    compare(lambda x, t: F.mse_loss(x, t, reduction),
            lambda x, t: TF.mse_loss(x, t, reduction=reduction), [a, b], [True, True])
    compare(lambda x, t: F.l1_loss(x, t, reduction),
            lambda x, t: TF.l1_loss(x, t, reduction=reduction), [a, b], [True, True])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    r = np.random.default_rng(6)
    p = r.uniform(0.01, 0.99, (4, 3))
    t = r.uniform(0, 1, (4, 3))
    compare(lambda x, t: F.binary_cross_entropy(x, t, reduction),
            lambda x, t: TF.binary_cross_entropy(x, t, reduction=reduction), [p, t],
            [True, True])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_at_zero_and_one(reduction):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.3])
    # Both clamp p (1 - p) at 1e-12 in the gradient; torch's constant is the float32
    # 1e-12 (9.99999996e-13), so the clamped gradients (~1e12) differ by 4e-9 relative.
    compare(lambda x, t: F.binary_cross_entropy(x, t, reduction),
            lambda x, t: TF.binary_cross_entropy(x, t, reduction=reduction), [p, t],
            [True, False], grad_rtol=1e-8)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_pos_weight", [False, True])
def test_binary_cross_entropy_with_logits(reduction, with_pos_weight):
    r = np.random.default_rng(7)
    z = r.standard_normal((4, 3)) * 4
    z[0, 0], z[1, 1] = 500.0, -500.0
    t = r.uniform(0, 1, (4, 3))
    pw = np.array([0.5, 1.0, 3.0])
    pw_mg = mg.tensor(pw) if with_pos_weight else None
    pw_th = torch.tensor(pw) if with_pos_weight else None
    compare(lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction, pw_mg),
            lambda x, t: TF.binary_cross_entropy_with_logits(x, t, reduction=reduction,
                                                             pos_weight=pw_th),
            [z, t], [True, True])


@pytest.mark.filterwarnings("ignore:reduction. 'mean'")
@pytest.mark.parametrize("reduction", ["batchmean", "mean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    r = np.random.default_rng(8)
    logq = np.log(softmax_np(r.standard_normal((4, 5))))
    p = softmax_np(r.standard_normal((4, 5)))
    target = np.log(p) if log_target else p
    compare(lambda x, t: F.kl_div(x, t, reduction, log_target),
            lambda x, t: TF.kl_div(x, t, reduction=reduction, log_target=log_target),
            [logq, target], [True, True])


def test_kl_div_zero_target_entries():
    r = np.random.default_rng(9)
    logq = np.log(softmax_np(r.standard_normal((3, 4))))
    p = softmax_np(r.standard_normal((3, 4)))
    p[1, 2] = 0.0
    compare(lambda x, t: F.kl_div(x, t), lambda x, t: TF.kl_div(x, t, reduction="batchmean"),
            [logq, p], [True, False])


def test_linear_and_activations():
    r = np.random.default_rng(10)
    x, w, b = r.standard_normal((2, 3, 4)), r.standard_normal((5, 4)), r.standard_normal(5)
    compare(F.linear, TF.linear, [x, w, b], [True, True, True])
    z = r.standard_normal((3, 6)) * 3
    compare(F.relu, TF.relu, [z], [True])
    compare(lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2), [z], [True])
    compare(F.sigmoid, torch.sigmoid, [z], [True])
    compare(F.tanh, torch.tanh, [z], [True])
    compare(lambda x: F.softmax(x, dim=0), lambda x: TF.softmax(x, dim=0), [z], [True])
    compare(lambda x: F.log_softmax(x, dim=1), lambda x: TF.log_softmax(x, dim=1), [z], [True])


def test_one_hot_matches_torch():
    y = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(F.one_hot(mg.tensor(y), 5).array,
                                  TF.one_hot(torch.tensor(y), 5).numpy())
